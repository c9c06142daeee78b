// "Save and print": a page marked data-autoprint opens the browser's print dialog once loaded.
// A file, not an inline script, so a strict Content-Security-Policy allows it.
if (document.documentElement.dataset.autoprint) {
  window.addEventListener("load", function () { window.print(); });
}
