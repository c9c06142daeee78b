"""Which form a document prints on: the set in force on the document's date (docs/forms.md).

Until 30/06/2025 the one-stop forms are those of Thông tư 01/2018/TT-VPCP, issued by the ward's
"Bộ phận Một cửa"; from 01/07/2025 (Nghị định 118/2025/NĐ-CP) those of Thông tư 03/2025/TT-VPCP
Phụ lục I, issued by the commune's "Trung tâm phục vụ hành chính công", which renumbers them and
adds the stop notice (05). Numbers, titles, unit names and the switch date are ``PrintedForm``
rows an administrator edits; ``LEGAL_DEFAULTS`` is what the data migration seeds and what applies
while the table is empty (a freshly flushed test database).

The date of a document: reception for 01 and 06 (the slip starts at reception), the request for
02, the refusal for 03, the letter for 04, the stop for 05; the log (07) takes its period's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossiers import calendar
from dossiers.models import Dossier, FormKind, PrintedForm

SWITCH_2025 = date(2025, 7, 1)
# The 2018 set applies to every document the portal can hold before the switch (dates are
# bounded from 2000 by parindex/base/periods.py).
SET_2018_FROM = date(2000, 1, 1)
UNIT_2018 = gettext_noop("Bộ phận Một cửa")
UNIT_2025 = gettext_noop("Trung tâm phục vụ hành chính công")
BASIS_2018 = gettext_noop("Thông tư số 01/2018/TT-VPCP")
BASIS_2025 = gettext_noop("Thông tư số 03/2025/TT-VPCP")

K = FormKind
# (kind, valid_from, number, title, unit, basis). Thông tư 03/2025 titles are [M] (DOMAIN.md 6):
# an administrator corrects them in the admin, with the date the correction applies from.
LEGAL_DEFAULTS: list[tuple[str, date, str, str, str, str]] = [
    (
        K.RECEIPT,
        SET_2018_FROM,
        "01",
        gettext_noop("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
        UNIT_2018,
        BASIS_2018,
    ),
    (
        K.SUPPLEMENT,
        SET_2018_FROM,
        "02",
        gettext_noop("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
        UNIT_2018,
        BASIS_2018,
    ),
    (
        K.REFUSAL,
        SET_2018_FROM,
        "03",
        gettext_noop("Phiếu từ chối tiếp nhận, giải quyết hồ sơ"),
        UNIT_2018,
        BASIS_2018,
    ),
    (
        K.APOLOGY,
        SET_2018_FROM,
        "04",
        gettext_noop("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        UNIT_2018,
        BASIS_2018,
    ),
    (
        K.CONTROL,
        SET_2018_FROM,
        "05",
        gettext_noop("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        UNIT_2018,
        BASIS_2018,
    ),
    (K.LOG, SET_2018_FROM, "06", gettext_noop("Sổ theo dõi hồ sơ"), UNIT_2018, BASIS_2018),
    (
        K.RECEIPT,
        SWITCH_2025,
        "01",
        gettext_noop("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
        UNIT_2025,
        BASIS_2025,
    ),
    (
        K.SUPPLEMENT,
        SWITCH_2025,
        "02",
        gettext_noop("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
        UNIT_2025,
        BASIS_2025,
    ),
    (
        K.REFUSAL,
        SWITCH_2025,
        "03",
        gettext_noop("Phiếu từ chối tiếp nhận, giải quyết hồ sơ"),
        UNIT_2025,
        BASIS_2025,
    ),
    (
        K.APOLOGY,
        SWITCH_2025,
        "04",
        gettext_noop("Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ"),
        UNIT_2025,
        BASIS_2025,
    ),
    (K.STOP, SWITCH_2025, "05", gettext_noop("Thông báo dừng giải quyết hồ sơ"), UNIT_2025, BASIS_2025),
    (
        K.CONTROL,
        SWITCH_2025,
        "06",
        gettext_noop("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        UNIT_2025,
        BASIS_2025,
    ),
    (K.LOG, SWITCH_2025, "07", gettext_noop("Sổ theo dõi hồ sơ"), UNIT_2025, BASIS_2025),
]

# The print URL's old numbers (Thông tư 01/2018), still accepted: links and bookmarks keep working.
LEGACY_NUMBERS = {"01": K.RECEIPT, "02": K.SUPPLEMENT, "03": K.REFUSAL, "04": K.APOLOGY, "05": K.CONTROL}


@dataclass(frozen=True)
class FormText:
    """The words a printed form carries, in the reader's language when the catalogue knows them
    (an administrator's own wording prints as typed)."""

    kind: str
    number: str
    title: str
    unit_name: str
    legal_basis: str
    valid_from: date

    def unit_of(self, ward_name: str) -> str:
        """ "Trung tâm phục vụ hành chính công Phường Bình Hưng"."""
        return "{} {}".format(self.unit_name, ward_name)


def _text(kind, valid_from, number, title, unit, basis) -> FormText:
    return FormText(
        kind=kind,
        number=number,
        title=_(title),
        unit_name=_(unit),
        legal_basis=_(basis) if basis else "",
        valid_from=valid_from,
    )


def form_for(kind: str, day: date) -> FormText | None:
    """The form of ``kind`` in force on ``day``; None when the set in force has no such form."""
    row = PrintedForm.objects.filter(kind=kind, valid_from__lte=day).order_by("-valid_from").first()
    if row is not None:
        return _text(row.kind, row.valid_from, row.number, row.title, row.unit_name, row.legal_basis)
    if PrintedForm.objects.exists():
        return None
    defaults = [d for d in LEGAL_DEFAULTS if d[0] == kind and d[1] <= day]
    return _text(*max(defaults, key=lambda d: d[1])) if defaults else None


def kind_of(key: str) -> str | None:
    """The form kind a print URL names: a kind ("stop") or an old number ("05")."""
    if key in FormKind.values:
        return key
    return LEGACY_NUMBERS.get(key)


def document_day(dossier: Dossier, kind: str, *, subject=None) -> date:
    """The date of the document ``kind`` printed for ``dossier``; ``subject`` is the supplement
    request or the apology letter the form prints."""
    if kind == K.SUPPLEMENT and subject is not None:
        return calendar.local_date(subject.requested_at)
    if kind == K.APOLOGY and subject is not None:
        return calendar.local_date(subject.issued_at)
    if kind in (K.REFUSAL, K.STOP):
        move = "stop" if kind == K.STOP else None
        events = (
            dossier.events.filter(kind=move)
            if move
            else dossier.events.filter(kind__in=["reject_at_reception", "resolve"])
        )
        last = events.order_by("-at", "-id").values_list("at", flat=True).first()
        if last is not None:
            return calendar.local_date(last)
    return calendar.local_date(dossier.received_at)
