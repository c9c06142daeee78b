// Buttons marked data-print open the browser's print dialog. A static file, not an onclick
// attribute: the Content-Security-Policy allows no inline script.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
