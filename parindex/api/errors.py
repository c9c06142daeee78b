"""Error bodies of the API: a stable code, the message in Vietnamese and in English, and the
offending fields. Messages are gettext msgids (Vietnamese) rendered in both languages."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message_vi: str
    message_en: str
    fields: dict[str, list[str]] = {}
    fields_en: dict[str, list[str]] = {}
    record: int | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(Exception):
    """Raised anywhere under the API; the handler answers ``status`` with the bilingual body.

    ``message`` is a lazy string or a callable building the text in the active language, so each
    language gets its own rendering (``.format()`` arguments included). ``fields``/``fields_en``
    are per-field messages already rendered in each language.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message,
        *,
        fields: dict | None = None,
        fields_en: dict | None = None,
        record: int | None = None,
    ):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.fields_en = fields_en or fields or {}
        self.record = record

    def body(self) -> dict:
        return {
            "error": {
                "code": self.code,
                "message_vi": in_language("vi", self.message),
                "message_en": in_language("en", self.message),
                "fields": self.fields,
                "fields_en": self.fields_en,
                "record": self.record,
            }
        }


def in_language(language: str, message: str | Callable[[], str]) -> str:
    with translation.override(language):
        return str(message() if callable(message) else message)


def form_errors(form_class, data: dict, **kwargs) -> tuple[object, dict, dict]:
    """Validate ``data`` with a portal form in both languages: (form, fields in vi, fields in en).

    The screens' forms are the one statement of what valid input is; the API runs the same ones.
    """
    with translation.override("en"):
        english = form_class(data, **kwargs)
        fields_en = {} if english.is_valid() else _flat(english)
    with translation.override("vi"):
        form = form_class(data, **kwargs)
        fields = {} if form.is_valid() else _flat(form)
    return form, fields, fields_en


def _flat(form) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}
