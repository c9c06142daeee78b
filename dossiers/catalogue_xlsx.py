"""The procedure catalogue as Excel: export (also the empty import template) and an
all-or-nothing import with a message per bad cell ("Dòng 5, cột Thời hạn: ...").

A row is identified by (Mã TTHC, Áp dụng từ ngày): an existing version is updated, a new one
created. A second sheet, "Thành phần hồ sơ", lists each version's papers (one row per paper, in
order); a version named there has its papers replaced by the sheet's. Nothing is written unless
every row of both sheets is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task
from openpyxl import load_workbook

from dossiers.models import Field, OnlineLevel, Procedure, ProcedureDocument
from parindex.base import exporting, periods, uploads, xlsx
from parindex.base.exporting import ListExporter
from parindex.base.jobs import services as jobs
from parindex.base.jobs.models import Job, JobKind

COLUMNS = [
    ("field", gettext_lazy("Mã lĩnh vực"), 12),
    ("code", gettext_lazy("Mã TTHC"), 12),
    ("name", gettext_lazy("Tên thủ tục"), 50),
    ("valid_from", gettext_lazy("Áp dụng từ ngày"), 14),
    ("valid_to", gettext_lazy("Áp dụng đến ngày"), 14),
    ("same_day", gettext_lazy("Giải quyết trong ngày (có/không)"), 14),
    ("processing_days", gettext_lazy("Thời hạn (ngày làm việc)"), 12),
    ("verification_days", gettext_lazy("Gia hạn xác minh (ngày làm việc)"), 12),
    ("fee", gettext_lazy("Phí, lệ phí (đồng)"), 12),
    ("online_level", gettext_lazy("Mức độ trực tuyến (toàn trình/một phần/không)"), 16),
    ("lead_agency", gettext_lazy("Cơ quan chủ trì"), 24),
    ("coordinating_agencies", gettext_lazy("Cơ quan phối hợp"), 30),
    # Last and optional, so catalogues written before it still import.
    ("processing_hours", gettext_lazy("Thời hạn (giờ làm việc, nửa ngày = giờ của một buổi)"), 14),
    # Thông tư 04/2025/TT-VPCP: dossiers numbered in the national format (dossiers/codes.py).
    # Optional: a file without it leaves the flag of the versions it updates as it is.
    ("nationally_centralised", gettext_lazy("Thủ tục tập trung toàn quốc (có/không)"), 14),
]
OPTIONAL = ("processing_hours", "nationally_centralised")

DOCUMENT_COLUMNS = [
    ("code", gettext_lazy("Mã TTHC"), 12),
    ("valid_from", gettext_lazy("Áp dụng từ ngày"), 14),
    ("name", gettext_lazy("Tên giấy tờ"), 50),
    ("kind", gettext_lazy("Bản chính / bản sao"), 22),
    ("copies", gettext_lazy("Số bản"), 8),
    ("required", gettext_lazy("Bắt buộc (có/không)"), 12),
]
DOCUMENTS_SHEET = gettext_lazy("Thành phần hồ sơ")
_KINDS = {
    "bản chính": ProcedureDocument.Kind.ORIGINAL,
    "ban chinh": ProcedureDocument.Kind.ORIGINAL,
    "original": ProcedureDocument.Kind.ORIGINAL,
    "bản sao": ProcedureDocument.Kind.COPY,
    "ban sao": ProcedureDocument.Kind.COPY,
    "copy": ProcedureDocument.Kind.COPY,
    "bản chính hoặc bản sao": ProcedureDocument.Kind.EITHER,
    "ban chinh hoac ban sao": ProcedureDocument.Kind.EITHER,
    "either": ProcedureDocument.Kind.EITHER,
}
_KIND_TEXT = {
    ProcedureDocument.Kind.ORIGINAL: "bản chính",
    ProcedureDocument.Kind.COPY: "bản sao",
    ProcedureDocument.Kind.EITHER: "bản chính hoặc bản sao",
}

_LEVELS = {
    "toan trinh": OnlineLevel.FULL,
    "toàn trình": OnlineLevel.FULL,
    "full": OnlineLevel.FULL,
    "mot phan": OnlineLevel.PARTIAL,
    "một phần": OnlineLevel.PARTIAL,
    "partial": OnlineLevel.PARTIAL,
    "khong": OnlineLevel.NONE,
    "không": OnlineLevel.NONE,
    "none": OnlineLevel.NONE,
    "": OnlineLevel.NONE,
}
_LEVEL_TEXT = {OnlineLevel.FULL: "toàn trình", OnlineLevel.PARTIAL: "một phần", OnlineLevel.NONE: "không"}
_YES = {"có", "co", "x", "1", "true", "yes"}
_NO = {"không", "khong", "", "0", "false", "no"}


class CatalogueExporter(ListExporter):
    """The procedure catalogue in the import's layout (two sheets: procedures and their papers);
    ``template_only``: the headings alone, a template to fill in."""

    identifier = "danh-muc-tthc"

    def __init__(self, *, template_only: bool = False) -> None:
        self.template_only = template_only

    def filename(self) -> str:
        return "mau-danh-muc-tthc.xlsx" if self.template_only else "danh-muc-tthc.xlsx"

    def write(self, wb, progress=None) -> None:
        _write(wb, template_only=self.template_only)


def _write(wb, *, template_only: bool) -> None:
    sheet = xlsx.SheetWriter(wb, _("Danh mục TTHC"), widths=[c[2] for c in COLUMNS], freeze="A2")
    sheet.append([str(c[1]) for c in COLUMNS], row_style=xlsx.HEADER)
    if not template_only:
        for p in Procedure.objects.select_related("field").order_by(
            "field__sort_order", "code", "valid_from"
        ):
            sheet.append(
                [
                    p.field.code,
                    p.code,
                    p.name,
                    p.valid_from,
                    p.valid_to,
                    _("có") if p.same_day else _("không"),
                    p.processing_days,
                    p.verification_days,
                    p.fee,
                    _LEVEL_TEXT[p.online_level],
                    p.lead_agency,
                    p.coordinating_agencies,
                    p.processing_hours,
                    _("có") if p.nationally_centralised else _("không"),
                ],
                row_style=xlsx.CELL,
            )
    papers = xlsx.SheetWriter(wb, str(DOCUMENTS_SHEET), widths=[c[2] for c in DOCUMENT_COLUMNS], freeze="A2")
    papers.append([str(c[1]) for c in DOCUMENT_COLUMNS], row_style=xlsx.HEADER)
    if not template_only:
        for d in ProcedureDocument.objects.select_related("procedure").order_by(
            "procedure__code", "procedure__valid_from", "position", "id"
        ):
            papers.append(
                [
                    d.procedure.code,
                    d.procedure.valid_from,
                    d.name,
                    _KIND_TEXT[d.kind],
                    d.copies,
                    _("có") if d.required else _("không"),
                ],
                row_style=xlsx.CELL,
            )


def export_response(*, template_only: bool = False) -> FileResponse:
    return exporting.export_response(CatalogueExporter(template_only=template_only))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    documents: int = 0
    errors: list[str] = field(default_factory=list)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(str(value).strip(), "%d/%m/%Y").date()


def _int(value) -> int:
    if value in (None, ""):
        return 0
    number = Decimal(str(value))
    if number != number.to_integral_value() or number < 0:
        raise ValueError
    return int(number)


def _labels(label) -> set[str]:
    """A column's header in both languages: a file exported in English imports too."""
    names = set()
    for language in ("vi", "en"):
        with translation.override(language):
            names.add(str(label))
    return names


def _has_column(header: list[str], key: str) -> bool:
    index = [c[0] for c in COLUMNS].index(key)
    return index < len(header) and header[index] in _labels(COLUMNS[index][1])


def import_file(upload) -> ImportResult:
    result = ImportResult()
    try:
        uploads.check_upload(upload)
    except uploads.UploadRefused as exc:
        result.errors.append(exc.message)
        return result
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types on a non-xlsx file
        result.errors.append(_("Tệp không phải là tệp Excel (.xlsx) hợp lệ."))
        return result
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, [])]
    required = [c for c in COLUMNS if c[0] not in OPTIONAL]
    if len(header) < len(required) or any(header[i] not in _labels(c[1]) for i, c in enumerate(required)):
        result.errors.append(_("Dòng tiêu đề không đúng mẫu. Hãy tải mẫu và giữ nguyên các cột."))
        return result
    centralised_column = _has_column(header, "nationally_centralised")
    fields = {f.code: f for f in Field.objects.all()}
    parsed = []
    seen = set()
    for number, row in enumerate(rows, start=2):
        if row is None or all(v in (None, "") for v in row):
            continue
        values = dict(zip([c[0] for c in COLUMNS], list(row) + [None] * len(COLUMNS), strict=False))
        errors_before = len(result.errors)

        def err(key: str, message: str, number=number) -> None:
            label = next(str(c[1]) for c in COLUMNS if c[0] == key)
            result.errors.append(
                _("Dòng {row}, cột “{col}”: {msg}").format(row=number, col=label, msg=message)
            )

        data = {}
        field_obj = fields.get(_text(values["field"]))
        if field_obj is None:
            err("field", _("không có lĩnh vực mã “{v}”.").format(v=_text(values["field"])))
        data["field"] = field_obj
        for key in ("code", "name"):
            data[key] = _text(values[key])
            if not data[key]:
                err(key, _("không được để trống."))
        bad_dates = set()
        for key in ("valid_from", "valid_to"):
            try:
                data[key] = _date(values[key])
                if data[key] is not None:
                    periods.check_day(data[key])
            except periods.PeriodError as exc:
                err(key, str(exc))
                data[key] = None
                bad_dates.add(key)
            except ValueError:
                err(key, _("ngày phải có dạng dd/mm/yyyy."))
                data[key] = None
                bad_dates.add(key)
        # One message per cell: a malformed date is not also reported as missing.
        if data.get("valid_from") is None and "valid_from" not in bad_dates:
            err("valid_from", _("không được để trống."))
        if data["valid_from"] and data["valid_to"] and data["valid_to"] < data["valid_from"]:
            err("valid_to", _("phải sau ngày áp dụng."))
        same = _text(values["same_day"]).lower()
        if same in _YES:
            data["same_day"] = True
        elif same in _NO:
            data["same_day"] = False
        else:
            err("same_day", _("ghi “có” hoặc “không”."))
        for key in ("processing_days", "verification_days"):
            try:
                data[key] = _int(values[key])
            except (ValueError, InvalidOperation):
                err(key, _("phải là số nguyên không âm."))
                data[key] = 0
        try:
            hours = Decimal(_text(values["processing_hours"]).replace(",", ".") or "0")
        except InvalidOperation:
            hours = Decimal(-1)
        if not hours.is_finite() or hours < 0 or hours >= 1000 or hours != hours.quantize(Decimal("0.01")):
            err("processing_hours", _("phải là số giờ không âm (tối đa hai chữ số thập phân)."))
            hours = Decimal(0)
        data["processing_hours"] = hours
        if data.get("same_day") is False and data["processing_days"] <= 0 and data["processing_hours"] <= 0:
            err("processing_days", _("thủ tục không giải quyết trong ngày phải có thời hạn lớn hơn 0."))
        try:
            data["fee"] = Decimal(_int(values["fee"]))
        except (ValueError, InvalidOperation):
            err("fee", _("phải là số tiền (đồng), không âm."))
        level = _LEVELS.get(_text(values["online_level"]).lower())
        if level is None:
            err("online_level", _("ghi “toàn trình”, “một phần” hoặc “không”."))
        data["online_level"] = level
        if centralised_column:
            central = _text(values["nationally_centralised"]).lower()
            if central in _YES:
                data["nationally_centralised"] = True
            elif central in _NO:
                data["nationally_centralised"] = False
            else:
                err("nationally_centralised", _("ghi “có” hoặc “không”."))
        data["lead_agency"] = _text(values["lead_agency"])[:200]
        data["coordinating_agencies"] = _text(values["coordinating_agencies"])[:400]
        if len(result.errors) == errors_before:
            # The model's own limits (text lengths, number ranges), per cell, before any write.
            try:
                Procedure(**data).clean_fields(exclude=["field"])
            except ValidationError as exc:
                keys = {c[0] for c in COLUMNS}
                for name, messages in exc.message_dict.items():
                    err(name if name in keys else "code", " ".join(messages))
        key = (data["code"], data["valid_from"])
        if key in seen:
            err("code", _("trùng mã và ngày áp dụng với một dòng phía trên."))
        seen.add(key)
        if len(result.errors) == errors_before:
            parsed.append(data)
    papers = _parse_documents(wb, {(d["code"], d["valid_from"]) for d in parsed}, result)
    if result.errors:
        return result
    if not parsed:
        result.errors.append(_("Tệp không có dòng dữ liệu nào."))
        return result
    with transaction.atomic():
        versions = {}
        for data in parsed:
            code, valid_from = data.pop("code"), data.pop("valid_from")
            obj, created = Procedure.objects.update_or_create(code=code, valid_from=valid_from, defaults=data)
            versions[(code, valid_from)] = obj
            if created:
                result.created += 1
            else:
                result.updated += 1
        for key, rows in papers.items():
            procedure = versions.get(key) or Procedure.objects.get(code=key[0], valid_from=key[1])
            procedure.documents.all().delete()
            for position, row in enumerate(rows, start=1):
                ProcedureDocument.objects.create(procedure=procedure, position=position, **row)
        result.documents = sum(len(rows) for rows in papers.values())
    return result


def _parse_documents(wb, in_file: set, result: ImportResult) -> dict[tuple, list[dict]]:
    """The "Thành phần hồ sơ" sheet, if the workbook has one: papers per (code, valid_from).

    A version must be in the first sheet or already in the catalogue."""
    title = str(DOCUMENTS_SHEET)
    if title not in wb.sheetnames:
        return {}
    rows = wb[title].iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, [])]
    expected = [str(c[1]) for c in DOCUMENT_COLUMNS]
    if header[: len(expected)] != expected:
        result.errors.append(
            _("Trang “{sheet}”: dòng tiêu đề không đúng mẫu. Hãy tải mẫu và giữ nguyên các cột.").format(
                sheet=title
            )
        )
        return {}
    existing = set(Procedure.objects.values_list("code", "valid_from"))
    papers: dict[tuple, list[dict]] = {}
    for number, row in enumerate(rows, start=2):
        if row is None or all(v in (None, "") for v in row):
            continue
        values = dict(zip([c[0] for c in DOCUMENT_COLUMNS], list(row) + [None] * 6, strict=False))

        def err(key: str, message: str, number=number) -> None:
            label = next(str(c[1]) for c in DOCUMENT_COLUMNS if c[0] == key)
            result.errors.append(
                _("Trang “{sheet}”, dòng {row}, cột “{col}”: {msg}").format(
                    sheet=title, row=number, col=label, msg=message
                )
            )

        code = _text(values["code"])
        try:
            valid_from = _date(values["valid_from"])
        except ValueError:
            err("valid_from", _("ngày phải có dạng dd/mm/yyyy."))
            continue
        if (code, valid_from) not in in_file and (code, valid_from) not in existing:
            err("code", _("không có thủ tục mã “{v}” áp dụng từ ngày này.").format(v=code))
            continue
        name = _text(values["name"])
        if not name:
            err("name", _("không được để trống."))
        kind = _KINDS.get(_text(values["kind"]).lower())
        if kind is None:
            err("kind", _("ghi “bản chính”, “bản sao” hoặc “bản chính hoặc bản sao”."))
        try:
            copies = _int(values["copies"]) or 1
        except (ValueError, InvalidOperation):
            err("copies", _("phải là số nguyên không âm."))
            copies = 1
        required = _text(values["required"]).lower()
        if required not in _YES and required not in _NO:
            err("required", _("ghi “có” hoặc “không”."))
        papers.setdefault((code, valid_from), []).append(
            {"name": name[:300], "kind": kind, "copies": copies, "required": required in _YES}
        )
    return papers


# --- on the background worker ---------------------------------------------------------------------


def start_import(upload, *, by) -> Job:
    """Queue the import of an upload ``uploads.check_upload`` has passed. The catalogue belongs
    to no ward: the job is its owner's alone."""
    return jobs.start_with_upload(
        import_catalogue, upload, kind=JobKind.CATALOGUE_IMPORT, owner=by, title=_("Nhập danh mục thủ tục")
    )


def _import(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    def commit() -> str:
        # Read, checked and written inside the transaction that marks the job done.
        with jobs.open_upload(job) as handle:
            result = import_file(handle)
        if result.errors:
            raise jobs.import_refused(result.errors)
        job.message = _("Đã nhập danh mục: {created} thủ tục mới, {updated} thủ tục cập nhật.").format(
            created=result.created, updated=result.updated
        )
        return reverse("dossiers:catalogue")

    return jobs.Outcome(commit=commit)


@task()
def import_catalogue(job_id: str) -> None:
    jobs.run_with_upload(job_id, _import)
