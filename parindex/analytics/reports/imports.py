"""Importing dossiers from Excel: the portal's own log ("Sổ theo dõi") or a provincial export.

Two steps, never mixed: ``preview`` reads and checks every row and writes nothing; ``apply`` runs
the planned changes in one transaction, through ``dossiers.workflow`` so every imported dossier
has a real history (received, started, resolved, returned...). A row with an error stops the whole
file: nothing is written.

Upsert by dossier code within the ward: a new code is received; a known code moves forward to the
file's status (never backwards: an older file cannot undo newer work) and gets its applicant
contact corrected while it is open; a row that says exactly what the database says changes nothing,
so importing the same file twice is harmless. Facts that identify a dossier (procedure, channel,
reception time) must agree with the database, or the row is refused.

The provincial layout and its mapping are documented in docs/import.md.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from unidecode import unidecode

from dossiers import deadlines, workflow
from dossiers.forms import validate_id_number, validate_phone
from dossiers.models import Channel, Dossier, Outcome, Procedure, Status
from parindex.analytics.reports.dossier_log import LOG_COLUMNS
from parindex.analytics.reports.dossier_log import SHEET_TITLE as LOG_SHEET
from parindex.base import periods, uploads
from parindex.base.models import Ward
from parindex.base.xlsx import clean_text

PORTAL = "portal"
PROVINCIAL = "provincial"
FORMAT_LABELS = {
    PORTAL: gettext_lazy("Sổ theo dõi của cổng"),
    PROVINCIAL: gettext_lazy("Tệp xuất từ hệ thống một cửa của tỉnh"),
}

# The provincial system's export (see docs/import.md): header -> our key. Columns not listed are
# ignored (e.g. "STT", "Lĩnh vực", "Đơn vị tiếp nhận").
PROVINCIAL_COLUMNS: dict[str, str] = {
    "Mã hồ sơ": "code",
    "Mã thủ tục": "procedure_code",
    "Tên thủ tục": "procedure_name",
    "Chủ hồ sơ": "applicant_name",
    "Số giấy tờ tùy thân": "applicant_id_number",
    "Địa chỉ chủ hồ sơ": "applicant_address",
    "Số điện thoại": "applicant_phone",
    "Thư điện tử": "applicant_email",
    "Kênh nộp": "channel",
    "Ngày tiếp nhận": "received_at",
    "Hạn xử lý": "due_date",
    "Ngày có kết quả": "resolved_at",
    "Ngày trả kết quả": "returned_at",
    "Trạng thái": "status",
    "Kết quả xử lý": "outcome",
    "Ghi chú": "note",
}
# Headers only the provincial layout has: their presence selects it.
PROVINCIAL_MARKERS = ("Chủ hồ sơ", "Kênh nộp", "Hạn xử lý")

PROVINCIAL_STATUS: dict[str, str] = {
    "Mới tiếp nhận": Status.RECEIVED,
    "Chờ xử lý": Status.RECEIVED,
    "Đang xử lý": Status.IN_PROGRESS,
    "Chờ bổ sung": Status.SUPPLEMENT,
    "Đang chuyển liên thông": Status.AT_AGENCY,
    "Đã có kết quả": Status.RESOLVED,
    "Đã xử lý xong": Status.RESOLVED,
    "Đã trả kết quả": Status.RETURNED,
    "Đã rút hồ sơ": Status.WITHDRAWN,
    "Dừng xử lý": Status.STOPPED,
    "Từ chối tiếp nhận": Status.REJECTED,
}
PROVINCIAL_CHANNEL: dict[str, str] = {
    "Trực tuyến": Channel.ONLINE,
    "Dịch vụ công trực tuyến": Channel.ONLINE,
    "Trực tiếp": Channel.IN_PERSON,
    "Bưu chính": Channel.POST,
    "BCCI": Channel.POST,
}
PROVINCIAL_OUTCOME: dict[str, str] = {
    "Đủ điều kiện": Outcome.APPROVED,
    "Không đủ điều kiện": Outcome.REFUSED,
}

REQUIRED = ("code", "applicant_name", "channel", "received_at", "status")
# The forward line of a dossier and the move that enters each status; closing moves branch off it.
LINE = [Status.RECEIVED, Status.IN_PROGRESS, Status.RESOLVED, Status.RETURNED]
MOVE_INTO = {Status.IN_PROGRESS: "start", Status.RESOLVED: "resolve", Status.RETURNED: "return_result"}
CLOSING = {Status.WITHDRAWN: "withdraw", Status.STOPPED: "stop", Status.REJECTED: "reject_at_reception"}


def moves_between(current: str, target: str) -> list[str] | None:
    """Workflow moves from ``current`` to ``target``; None when that would go backwards."""
    if current == target:
        return []
    if current in LINE and target in LINE:
        i, j = LINE.index(current), LINE.index(target)
        if j < i:
            return None
        # "start" only when the file says in progress: a resolved dossier need not have been started.
        return [
            MOVE_INTO[s]
            for s in LINE[i + 1 : j + 1]
            if s != Status.IN_PROGRESS or target == Status.IN_PROGRESS
        ]
    if target in CLOSING and current in workflow.ALLOWED[CLOSING[target]]:
        return [CLOSING[target]]
    return None


# Open statuses the file may report but the import cannot recreate without their details.
APPROXIMATED = {Status.SUPPLEMENT: Status.IN_PROGRESS, Status.AT_AGENCY: Status.IN_PROGRESS}
CONTACT_FIELDS = ("applicant_name", "applicant_address", "applicant_phone")


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is shown as is."""


@dataclass
class Problem:
    row: int
    column: str
    message: str
    error: bool = True


@dataclass
class PlannedRow:
    number: int  # Excel row number
    code: str
    action: str  # "create", "update", "unchanged"
    values: dict[str, Any]
    moves: list[str] = field(default_factory=list)
    contact_changes: dict[str, Any] = field(default_factory=dict)
    existing: Dossier | None = None


@dataclass
class Preview:
    format: str
    sheet: str
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def n_create(self) -> int:
        return self.count("create")

    @property
    def n_update(self) -> int:
        return self.count("update")

    @property
    def n_unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def format_label(self) -> str:
        return str(FORMAT_LABELS[self.format])


# A preview page lists at most this many problems (a file with 100k bad rows says so in the count).
SHOWN_PROBLEMS = 1000


@dataclass
class Summary:
    """What the preview page shows of a ``Preview``, as JSON the preview job keeps for the page
    (on whichever app server the person opens it)."""

    format: str
    sheet: str
    n_create: int
    n_update: int
    n_unchanged: int
    n_errors: int
    problems: list[Problem]

    @classmethod
    def of(cls, plan: Preview) -> Summary:
        return cls(
            plan.format, plan.sheet, plan.n_create, plan.n_update, plan.n_unchanged, len(plan.errors),
            plan.problems[:SHOWN_PROBLEMS],
        )  # fmt: skip

    def to_json(self) -> dict:
        return {**asdict(self), "problems": [asdict(p) for p in self.problems]}

    @classmethod
    def from_json(cls, data: dict) -> Summary:
        return cls(**{**data, "problems": [Problem(**p) for p in data.get("problems", [])]})

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    @property
    def ok(self) -> bool:
        return not self.n_errors

    @property
    def format_label(self) -> str:
        return str(FORMAT_LABELS[self.format])


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def normalise(text: Any) -> str:
    """Header/label comparison key: no accents, lower case, single spaces, no trailing colon."""
    text = unidecode(str(text or "")).lower().strip().rstrip(":").strip()
    return re.sub(r"\s+", " ", text)


def _label_map(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """value -> key for every label in Vietnamese and English, and the raw value itself."""
    result: dict[str, str] = {}
    pairs = list(pairs)
    for language in ("vi", "en"):
        with translation.override(language):
            for value, label in pairs:
                result[normalise(label)] = value
    for value, _label in pairs:
        result[normalise(value)] = value
    return result


def _portal_headers() -> dict[str, str]:
    return _label_map((c.key, c.header) for c in LOG_COLUMNS if c.importable)


def _choices(format_: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    status = _label_map(Status.choices)
    channel = _label_map(Channel.choices)
    outcome = _label_map(Outcome.choices)
    if format_ == PROVINCIAL:
        status.update({normalise(k): v for k, v in PROVINCIAL_STATUS.items()})
        channel.update({normalise(k): v for k, v in PROVINCIAL_CHANNEL.items()})
        outcome.update({normalise(k): v for k, v in PROVINCIAL_OUTCOME.items()})
    return status, channel, outcome


# --- reading the file ----------------------------------------------------------------------------


def _read_rows(source: IO[bytes]) -> tuple[str, list[tuple[int, list[Any]]]]:
    try:
        uploads.check_upload(source)
    except uploads.UploadRefused as exc:
        raise ImportFileError(exc.message) from None
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportFileError(_("Không đọc được tệp Excel ({}).").format(type(exc).__name__)) from None
    except Exception:  # openpyxl raises many types on a damaged file; the user only needs to know
        raise ImportFileError(_("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng.")) from None
    try:
        ws = workbook[LOG_SHEET] if LOG_SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = [(index, list(values)) for index, values in enumerate(ws.iter_rows(values_only=True), start=1)]
        return ws.title, rows
    except Exception:
        raise ImportFileError(_("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng.")) from None
    finally:
        workbook.close()


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, str, dict[int, str], dict[int, str]]:
    """(header row index in ``rows``, format, column index -> key, column index -> header text)."""
    code_headers = {normalise("Mã hồ sơ")} | {k for k, v in _portal_headers().items() if v == "code"}
    for position, (_number, values) in enumerate(rows[:20]):
        texts = [normalise(v) for v in values]
        if not code_headers & set(texts):
            continue
        markers = {normalise(m) for m in PROVINCIAL_MARKERS}
        format_ = PROVINCIAL if markers & set(texts) else PORTAL
        mapping = (
            {normalise(k): v for k, v in PROVINCIAL_COLUMNS.items()}
            if format_ == PROVINCIAL
            else _portal_headers()
        )
        columns = {i: mapping[t] for i, t in enumerate(texts) if t in mapping}
        headers = {i: str(values[i]) for i in columns}
        return position, format_, columns, headers
    raise ImportFileError(_("Không tìm thấy dòng tiêu đề có cột “Mã hồ sơ” trong 20 dòng đầu."))


# --- parsing cells -------------------------------------------------------------------------------

_DATE_PATTERNS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%H:%M %d/%m/%Y",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y",
)


def _parse_moment(value: Any, default_time: time) -> datetime:
    """A cell as an aware local datetime; a date alone gets ``default_time``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, default_time)
    else:
        text = str(value).strip()
        for pattern in _DATE_PATTERNS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
        if not any(token in pattern for token in ("%H",)):
            moment = datetime.combine(moment.date(), default_time)
    # The portal's years only (a PeriodError is a ValueError): 31/12/9999 would overflow below.
    periods.check_day(moment.date())
    # Excel keeps times as fractions of a day; round away the float noise.
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _identifier(value: Any, validate: Callable[[str], str]) -> str:
    """An ID number or phone checked by the entry form's own validator. A number cell has lost
    its leading zero to Excel (0912345678 -> 912345678): put it back when that makes it valid."""
    try:
        return validate(_text(value))
    except ValidationError:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return validate("0" + _text(value))
            except ValidationError:
                pass
        raise


# --- preview -------------------------------------------------------------------------------------


def preview(source: IO[bytes], *, ward: Ward) -> Preview:
    """Read and check every row; plan what ``apply`` would do. Writes nothing."""
    sheet, rows = _read_rows(source)
    position, format_, columns, headers = _find_header(rows)
    result = Preview(format=format_, sheet=sheet)
    header_of = {key: headers[i] for i, key in columns.items()}
    missing = [k for k in REQUIRED if k not in header_of]
    if "procedure_code" not in header_of and "procedure_name" not in header_of:
        missing.append("procedure_code")
    if missing:
        names = {c.key: str(c.header) for c in LOG_COLUMNS}
        inverse = {v: k for k, v in PROVINCIAL_COLUMNS.items()}
        for key in missing:
            label = inverse.get(key) if format_ == PROVINCIAL else names.get(key, key)
            result.problems.append(Problem(rows[position][0], label or key, _("Thiếu cột bắt buộc.")))
        return result
    status_map, channel_map, outcome_map = _choices(format_)
    raw_rows = []
    for number, values in rows[position + 1 :]:
        record = {key: values[i] if i < len(values) else None for i, key in columns.items()}
        if all(v is None or _text(v) == "" for v in record.values()):
            continue
        raw_rows.append((number, record))
    # Two queries whatever the file size: the procedures and the dossiers it names.
    codes = [_text(r.get("code")) for _n, r in raw_rows]
    existing = {d.code: d for d in Dossier.objects.filter(ward=ward, code__in=[c for c in codes if c])}
    procedures: dict[str, list[Procedure]] = {}
    for p in Procedure.objects.select_related("field").order_by("-valid_from"):
        procedures.setdefault(normalise(p.code), []).append(p)
        procedures.setdefault("name:" + normalise(p.name), []).append(p)
    seen: dict[str, int] = {}
    for number, record in raw_rows:
        planned = _check_row(
            number,
            record,
            header_of,
            ward,
            result,
            existing,
            procedures,
            seen,
            status_map,
            channel_map,
            outcome_map,
        )
        if planned is not None:
            result.rows.append(planned)
    return result


def _check_row(
    number, record, header_of, ward, result, existing, procedures, seen, status_map, channel_map, outcome_map
) -> PlannedRow | None:
    problems_before = len(result.errors)

    def problem(key: str, message: str, *, error: bool = True) -> None:
        result.problems.append(Problem(number, header_of.get(key, key), message, error))

    values: dict[str, Any] = {}
    code = _text(record.get("code"))
    if not code:
        problem("code", _("Thiếu mã hồ sơ."))
    elif code in seen:
        problem("code", _("Mã hồ sơ trùng với dòng {}.").format(seen[code]))
    else:
        seen[code] = number
    values["code"] = code
    row_ward = _text(record.get("ward"))
    if row_ward and row_ward != ward.code:
        problem(
            "ward", _("Hồ sơ thuộc phường {}, không phải phường đang nhập ({}).").format(row_ward, ward.code)
        )
    for key in (
        "applicant_name",
        "applicant_address",
        "applicant_phone",
        "applicant_id_number",
        "applicant_email",
        "note",
    ):
        values[key] = _text(record.get(key))
    if not values["applicant_name"]:
        problem("applicant_name", _("Thiếu tên người nộp hồ sơ."))
    for key, validate in (("applicant_id_number", validate_id_number), ("applicant_phone", validate_phone)):
        try:
            values[key] = _identifier(record.get(key), validate)
        except ValidationError as exc:
            problem(key, _("“{}”: {}").format(values[key], " ".join(exc.messages)))
    sets = record.get("sets")
    try:
        values["sets"] = int(sets) if _text(sets) else 1
        if values["sets"] < 1:
            raise ValueError
    except (TypeError, ValueError):
        problem("sets", _("Số bộ hồ sơ phải là số nguyên từ 1 trở lên."))
    channel = channel_map.get(normalise(record.get("channel")))
    if channel is None:
        problem(
            "channel",
            _("Hình thức nộp “{}” không hợp lệ (Trực tiếp, Trực tuyến, Bưu chính công ích).").format(
                _text(record.get("channel"))
            ),
        )
    values["channel"] = channel
    status = status_map.get(normalise(record.get("status")))
    if status is None:
        problem("status", _("Trạng thái “{}” không nhận ra.").format(_text(record.get("status"))))
    elif status in APPROXIMATED:
        problem(
            "status",
            _(
                "Trạng thái “{}” được nhập là “Đang giải quyết” (chi tiết bổ sung/luân chuyển không có trong tệp)."
            ).format(Status(status).label),
            error=False,
        )
        status = APPROXIMATED[status]
    values["status"] = status
    outcome_raw = _text(record.get("outcome"))
    outcome = outcome_map.get(normalise(outcome_raw)) if outcome_raw else None
    if outcome_raw and outcome is None:
        problem("outcome", _("Kết quả “{}” không nhận ra.").format(outcome_raw))
    values["outcome"] = outcome or (Outcome.APPROVED if status in (Status.RESOLVED, Status.RETURNED) else "")
    # Dates: reception at 08:00 and results at 17:00 when the file gives only the day.
    for key, default_time, needed in (
        ("received_at", time(8, 0), True),
        (
            "resolved_at",
            time(17, 0),
            status in (Status.RESOLVED, Status.RETURNED, Status.WITHDRAWN, Status.STOPPED),
        ),
        ("returned_at", time(17, 0), False),
    ):
        raw = record.get(key)
        values[key] = None
        if raw is None or _text(raw) == "":
            if needed:
                problem(key, _("Thiếu ngày (bắt buộc với trạng thái này)."))
            continue
        try:
            values[key] = _parse_moment(raw, default_time)
        except periods.PeriodError as exc:
            problem(key, str(exc))
        except ValueError:
            problem(key, _("Ngày “{}” không đúng dạng dd/mm/yyyy hoặc dd/mm/yyyy hh:mm.").format(_text(raw)))
    received, resolved, returned = values["received_at"], values["resolved_at"], values["returned_at"]
    if received and received > timezone.now() + timedelta(minutes=5):
        problem("received_at", _("Ngày tiếp nhận ở tương lai."))
    if received and resolved and resolved < received:
        problem("resolved_at", _("Ngày có kết quả trước ngày tiếp nhận."))
    if status == Status.RETURNED and returned is None and resolved is not None:
        values["returned_at"] = returned = resolved
        problem("returned_at", _("Thiếu ngày trả kết quả: dùng ngày có kết quả."), error=False)
    if resolved and returned and returned < resolved:
        problem("returned_at", _("Ngày trả kết quả trước ngày có kết quả."))
    if status in (Status.WITHDRAWN, Status.STOPPED, Status.REJECTED) and not values["note"]:
        values["note"] = _("Nhập từ tệp Excel")
    if values["outcome"] == Outcome.REFUSED and not values["note"]:
        values["note"] = _("Từ chối giải quyết (nhập từ tệp Excel)")
    # Procedure: by national code, else by exact name; the version in force on reception day.
    procedure = None
    pcode, pname = _text(record.get("procedure_code")), _text(record.get("procedure_name"))
    candidates = procedures.get(normalise(pcode)) if pcode else procedures.get("name:" + normalise(pname))
    if not candidates:
        key = "procedure_code" if pcode else "procedure_name"
        problem(key, _("Không có thủ tục “{}” trong danh mục.").format(pcode or pname))
    elif received:
        day = timezone.localtime(received).date()
        procedure = next(
            (p for p in candidates if p.valid_from <= day and (p.valid_to is None or p.valid_to >= day)), None
        )
        if procedure is None:
            problem(
                "procedure_code",
                _("Thủ tục {} không có hiệu lực vào ngày {}.").format(
                    candidates[0].code, day.strftime("%d/%m/%Y")
                ),
            )
    values["procedure"] = procedure
    due_raw = record.get("due_date")
    if procedure is not None and received and channel and due_raw not in (None, ""):
        # The portal computes the appointment date itself; a different date in the file is worth
        # a look (a supplement pause, a calendar difference) but does not block the import.
        try:
            file_due = _parse_moment(due_raw, time(17, 0)).date()
        except ValueError:
            file_due = None
        computed = deadlines.due_date_for(procedure, received, channel)
        if file_due is not None and file_due != computed:
            problem(
                "due_date",
                _("Hạn trong tệp là {}, cổng tính được {}; cổng dùng hạn của mình.").format(
                    file_due.strftime("%d/%m/%Y"), computed.strftime("%d/%m/%Y")
                ),
                error=False,
            )
    if len(result.errors) > problems_before:
        return None
    return _plan(number, values, existing.get(code), result, header_of)


def _plan(
    number: int, values: dict, dossier: Dossier | None, result: Preview, header_of
) -> PlannedRow | None:
    target = values["status"]
    if dossier is None:
        return PlannedRow(
            number, values["code"], "create", values, moves=moves_between(Status.RECEIVED, target)
        )

    def problem(key: str, message: str, *, error: bool = True) -> None:
        result.problems.append(Problem(number, header_of.get(key, key), message, error))

    mismatch = []
    if dossier.procedure.code != values["procedure"].code:
        mismatch.append("procedure_code")
    if dossier.channel != values["channel"]:
        mismatch.append("channel")
    if abs((dossier.received_at - values["received_at"]).total_seconds()) >= 60:
        mismatch.append("received_at")
    for key in mismatch:
        problem(
            key,
            _("Khác với hồ sơ {} đã có trong hệ thống; không được thay đổi khi nhập.").format(dossier.code),
        )
    if mismatch:
        return None
    moves = moves_between(dossier.status, target)
    if moves is None:
        problem(
            "status",
            _("Hồ sơ trong hệ thống đang ở trạng thái “{}”; giữ nguyên, không lùi về “{}”.").format(
                dossier.get_status_display(), Status(target).label
            ),
            error=False,
        )
        return PlannedRow(number, values["code"], "unchanged", values, existing=dossier)
    contact = {}
    # Contact details are corrected only on a dossier that stays open (closed records are final).
    if target in workflow.ALLOWED["edit"]:
        # Compared as the export wrote them: characters Excel cannot hold are not a change.
        contact = {
            k: values[k]
            for k in CONTACT_FIELDS
            if values[k] and clean_text(getattr(dossier, k)).strip() != values[k]
        }
    action = "update" if moves or contact else "unchanged"
    return PlannedRow(
        number, values["code"], action, values, moves=moves, contact_changes=contact, existing=dossier
    )


# --- apply ---------------------------------------------------------------------------------------


def apply(plan: Preview, *, ward: Ward, by) -> ImportResult:
    """Write the planned rows in one transaction (all or nothing). Refuses a plan with errors."""
    if not plan.ok:
        raise ImportFileError(_("Tệp còn lỗi; chưa nhập hồ sơ nào."))
    result = ImportResult()
    with transaction.atomic():
        for row in plan.rows:
            try:
                _apply_row(row, ward=ward, by=by)
            except workflow.WorkflowError as exc:
                # Rolls the whole file back: the caller shows the row and the message.
                raise ImportFileError(_("Dòng {}: {}").format(row.number, exc.message)) from exc
            if row.action == "create":
                result.created += 1
            elif row.action == "update":
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def _apply_row(row: PlannedRow, *, ward: Ward, by) -> None:
    v = row.values
    if row.action == "unchanged":
        return
    if row.action == "create":
        dossier = workflow.receive(
            ward=ward,
            procedure=v["procedure"],
            channel=v["channel"],
            received_at=v["received_at"],
            applicant_name=v["applicant_name"],
            applicant_id_number=v["applicant_id_number"],
            applicant_phone=v["applicant_phone"],
            applicant_email=v["applicant_email"],
            applicant_address=v["applicant_address"],
            sets=v["sets"],
            backdate_reason=_("Nhập từ tệp Excel"),
            code=v["code"],
            by=by,
        )
    else:
        dossier = row.existing
    for move in row.moves:
        if move == "start":
            workflow.start(dossier, by=by, at=max(v["received_at"], dossier.received_at))
        elif move == "resolve":
            workflow.resolve(dossier, by=by, at=v["resolved_at"], outcome=v["outcome"], note=v["note"])
        elif move == "return_result":
            workflow.return_result(dossier, by=by, at=v["returned_at"])
        elif move == "withdraw":
            workflow.withdraw(dossier, by=by, at=v["resolved_at"], reason=v["note"])
        elif move == "stop":
            workflow.stop(dossier, by=by, at=v["resolved_at"], reason=v["note"])
        elif move == "reject_at_reception":
            workflow.reject_at_reception(dossier, by=by, at=v["received_at"], reason=v["note"])
    if row.contact_changes:
        # After the moves: the edit event is stamped now, later than any move from the file.
        workflow.edit(
            dossier, by=by, at=timezone.now(), expected_version=dossier.version, changes=row.contact_changes
        )


def import_file(
    source: IO[bytes], *, ward: Ward, by, dry_run: bool = False
) -> tuple[Preview, ImportResult | None]:
    """Preview, then apply unless ``dry_run`` or the preview found errors."""
    plan = preview(source, ward=ward)
    if dry_run or not plan.ok:
        return plan, None
    return plan, apply(plan, ward=ward, by=by)
