"""The one-time token a page issues with a form that creates a record (parindex/base/idempotency.py)."""

import re

TOKEN_RE = re.compile(r'<input type="hidden" name="form_token" value="([^"]+)">')


def form_token(response) -> dict[str, str]:
    """{"form_token": ...} from a rendered page, to merge into the POST data of its form."""
    found = TOKEN_RE.findall(response.content.decode())
    assert len(found) == 1, "expected one form token on the page, found {}".format(len(found))
    return {"form_token": found[0]}
