"""The national exchange format: OpenCPS's ``DongBoHoSoMC`` (one dossier) and
``CapNhatTienDoHoSoMC`` (one processing step), imported and exported.

Import validates the whole batch first (every field, with a message naming the record and the
field), then applies it in one transaction through the workflow functions: a batch with one bad
record writes nothing. Dossiers are matched on ``official_code`` (MaHoSo); a record's history is
replayed as a fixed list of moves (start, supplements, the closing move) and only the moves the
dossier has not had yet are applied, so replaying a batch changes nothing and a later batch of the
same dossier moves it on. Dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers import workflow
from dossiers.forms import validate_id_number, validate_phone
from dossiers.models import Channel, Dossier, DossierEvent, OnlineSubmission, Procedure, Status
from parindex.api.models import WAITING, ProgressEntry, StatusMapping
from parindex.base.models import Ward
from parindex.base.periods import Period, local_zone

DATE_FORMAT = "%Y%m%d%H%M%S"
MAX_RECORDS = 5000
# HinhThuc of the national format.
CHANNELS = {"0": Channel.IN_PERSON, "1": Channel.ONLINE, "2": Channel.POST}
CHANNEL_CODES = {value: key for key, value in CHANNELS.items()}
# Moves the import itself makes; other events (a move made on the screens) are not replayed.
SYNC_KINDS = (
    "start",
    "request_supplement",
    "resume",
    "resolve",
    "return_result",
    "reject_at_reception",
    "withdraw",
    "stop",
)
SYNC_NOTE = "Đồng bộ từ hệ thống liên thông"


class ExchangeError(Exception):
    """A bad batch: ``errors`` lists (record index, MaHoSo, field, lazy message, format kwargs)."""

    def __init__(self, errors: list[tuple]):
        super().__init__("; ".join(str(e[2]) for e in errors))
        self.errors = errors

    def render(self) -> list[dict]:
        """Each error as text in the active language."""
        return [
            {
                "record": index,
                "MaHoSo": code,
                "field": name,
                "message": str(message).format(**params),
            }
            for index, code, name, message, params in self.errors
        ]


@dataclass
class Step:
    move: str
    at: datetime
    data: dict = field(default_factory=dict)


@dataclass
class Record:
    index: int
    official_code: str
    procedure: Procedure | None = None
    channel: str = ""
    received_at: datetime | None = None
    applicant_name: str = ""
    applicant_id_number: str = ""
    applicant_phone: str = ""
    documents: str = ""
    fee: Decimal | None = None
    electronic_result: bool = False
    status: str = ""
    steps: list[Step] = field(default_factory=list)


class _Checker:
    """Collects field errors of one record; the helpers return the cleaned value or None."""

    def __init__(self, index: int, raw: dict, errors: list):
        self.index = index
        self.raw = raw
        self.code = str(raw.get("MaHoSo", ""))[:60] if isinstance(raw, dict) else ""
        self.errors = errors

    def fail(self, field_name: str, message, **params) -> None:
        self.errors.append((self.index, self.code, field_name, message, params))

    def text(self, name: str, *, required: bool = False, max_length: int = 300, source=None) -> str:
        value = (source if source is not None else self.raw).get(name)
        if value is None or value == "":
            if required:
                self.fail(name, _("Thiếu trường {name}."), name=name)
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.fail(name, _("Trường {name} phải là chuỗi ký tự."), name=name)
            return ""
        value = str(value).strip()
        if "\x00" in value:
            # PostgreSQL text cannot hold it; the screens' forms refuse it the same way.
            self.fail(name, _("Trường {name} chứa ký tự không hợp lệ."), name=name)
            return ""
        if len(value) > max_length:
            self.fail(name, _("Trường {name} dài tối đa {n} ký tự."), name=name, n=max_length)
            return ""
        return value

    def moment(self, name: str, *, required: bool = False, source=None) -> datetime | None:
        raw = self.text(name, required=required, max_length=40, source=source)
        if not raw:
            return None
        try:
            if len(raw) != 14 or not raw.isdigit():
                raise ValueError(raw)
            value = datetime.strptime(raw, DATE_FORMAT).replace(tzinfo=local_zone())
        except ValueError:
            self.fail(
                name,
                _("Trường {name} phải là ngày giờ dạng yyyyMMddHHmmss, nhận được “{value}”."),
                name=name,
                value=raw,
            )
            return None
        if workflow.future_time_error(value):
            self.fail(name, _("Trường {name} không được ở tương lai."), name=name)
            return None
        return value

    def items(self, name: str) -> list[dict]:
        value = self.raw.get(name)
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(name, _("Trường {name} phải là danh sách các đối tượng."), name=name)
            return []
        return value


def _mappings() -> dict[str, str]:
    return dict(StatusMapping.objects.values_list("national_code", "status"))


def _batch_records(batch) -> list:
    """The records of a batch (a list, or ``{"data": [...]}``), one to ``MAX_RECORDS`` of them;
    else ``ExchangeError``."""
    records_raw = batch.get("data") if isinstance(batch, dict) else batch
    if not isinstance(records_raw, list) or not records_raw:
        raise ExchangeError([(None, "", "data", _("Lô dữ liệu phải có danh sách hồ sơ “data”."), {})])
    if len(records_raw) > MAX_RECORDS:
        raise ExchangeError([(None, "", "data", _("Mỗi lô tối đa {n} hồ sơ."), {"n": MAX_RECORDS})])
    return records_raw


def parse_dossiers(batch, *, now=None) -> list[Record]:
    """Validate a DongBoHoSoMC batch (a list, or ``{"data": [...]}``); raise ``ExchangeError``."""
    records_raw = _batch_records(batch)
    mapping = _mappings()
    errors: list[tuple] = []
    records: list[Record] = []
    seen: set[str] = set()
    for index, raw in enumerate(records_raw):
        if not isinstance(raw, dict):
            errors.append((index, "", "data", _("Bản ghi phải là một đối tượng JSON."), {}))
            continue
        c = _Checker(index, raw, errors)
        errors_before = len(errors)
        rec = Record(index=index, official_code=c.text("MaHoSo", required=True, max_length=60))
        if rec.official_code in seen:
            c.fail("MaHoSo", _("Mã hồ sơ {code} lặp lại trong lô."), code=rec.official_code)
        seen.add(rec.official_code)
        rec.received_at = c.moment("NgayTiepNhan", required=True)
        c.text("TenTTHC", max_length=400)
        c.text("MaLinhVuc", max_length=50)
        c.text("LoaiDoiTuong", max_length=10)
        c.text("DonViXuLy", max_length=300)
        c.moment("NgayHenTra")
        returned_at = c.moment("NgayTra")
        proc_code = c.text("MaTTHC", required=True, max_length=30)
        if proc_code and rec.received_at:
            rec.procedure = (
                Procedure.objects.in_force_on(timezone.localdate(rec.received_at))
                .filter(code=proc_code)
                .order_by("-valid_from")
                .first()
            )
            if rec.procedure is None:
                c.fail("MaTTHC", _("Không có thủ tục {code} hiệu lực vào ngày tiếp nhận."), code=proc_code)
        rec.applicant_name = c.text("ChuHoSo", required=True, max_length=200)
        for name, validator, attr in (
            ("SoGiayToChuHoSo", validate_id_number, "applicant_id_number"),
            ("SoDienThoaiChuHoSo", validate_phone, "applicant_phone"),
        ):
            value = c.text(name, max_length=20)
            try:
                setattr(rec, attr, validator(value))
            except ValidationError as exc:
                c.fail(name, _("Trường {name}: {error}"), name=name, error=" ".join(exc.messages))
        channel = c.text("HinhThuc", required=True, max_length=2)
        if channel and channel not in CHANNELS:
            c.fail("HinhThuc", _("Trường HinhThuc phải là 0 (trực tiếp), 1 (trực tuyến) hoặc 2 (bưu chính)."))
        rec.channel = CHANNELS.get(channel, "")
        national = c.text("TrangThaiHoSo", required=True, max_length=20)
        if national and national not in mapping:
            c.fail("TrangThaiHoSo", _("Mã trạng thái {code} chưa có trong bảng chuyển đổi."), code=national)
        rec.status = mapping.get(national, "")
        names = []
        for i, doc in enumerate(c.items("TaiLieuNop")):
            name = c.text("TenTepDinhKem", max_length=300, source=doc) or c.text(
                "TenGiayTo", max_length=300, source=doc
            )
            if not name:
                c.fail("TaiLieuNop[{}]".format(i), _("Tài liệu nộp phải có TenTepDinhKem hoặc TenGiayTo."))
            names.append(name)
        rec.documents = "\n".join(names)
        fees = c.items("DanhSachLePhi")
        if fees:
            total = Decimal(0)
            for i, fee in enumerate(fees):
                try:
                    amount = Decimal(str(fee.get("Gia", "")))
                    if amount < 0 or amount != amount.to_integral_value() or amount >= 10**12:
                        raise InvalidOperation
                    total += amount
                except (InvalidOperation, ValueError):
                    c.fail("DanhSachLePhi[{}].Gia".format(i), _("Lệ phí phải là số đồng không âm."))
            rec.fee = total
        results = c.items("DanhSachGiayToKetQua")
        for i, doc in enumerate(results):
            c.text("TenGiayTo", max_length=300, source=doc)
            if c.text("DuongDanTepTinKetQua", max_length=1000, source=doc):
                rec.electronic_result = True
            del i
        supplements = []
        for i, item in enumerate(c.items("DanhSachHoSoBoSung")):
            asked = c.moment("NgayBoSung", required=True, source=item)
            back = c.moment("NgayTiepNhanBoSung", source=item)
            c.moment("NgayHenTraTruoc", source=item)
            c.moment("NgayHenTraMoi", source=item)
            content = c.text("NoiDungBoSung", max_length=5000, source=item) or SYNC_NOTE
            if asked and back and back < asked:
                c.fail(
                    "DanhSachHoSoBoSung[{}].NgayTiepNhanBoSung".format(i),
                    _("Ngày nhận bổ sung không được trước ngày yêu cầu."),
                )
            supplements.append((asked, back, content))
        if rec.status and rec.received_at and len(errors) == errors_before:
            rec.steps = _plan(c, rec, supplements, returned_at)
        records.append(rec)
    if errors:
        raise ExchangeError(errors)
    return records


def _plan(c: _Checker, rec: Record, supplements, returned_at) -> list[Step]:
    """The moves that take a freshly received dossier to the record's state, in order."""
    if rec.status == Status.REJECTED:
        return [Step("reject_at_reception", rec.received_at, {"reason": SYNC_NOTE})]
    if rec.status in (Status.RECEIVED, WAITING):
        if supplements:
            c.fail("DanhSachHoSoBoSung", _("Hồ sơ mới tiếp nhận không thể có yêu cầu bổ sung."))
        return []
    steps = [Step("start", rec.received_at)]
    for i, (asked, back, content) in enumerate(supplements):
        if asked is None:
            return steps
        steps.append(Step("request_supplement", asked, {"items": content}))
        if back is None:
            if i != len(supplements) - 1 or rec.status != Status.SUPPLEMENT:
                c.fail(
                    "DanhSachHoSoBoSung[{}].NgayTiepNhanBoSung".format(i),
                    _("Thiếu ngày nhận bổ sung (hồ sơ không còn ở trạng thái chờ bổ sung)."),
                )
            return steps
        steps.append(Step("resume", back))
    if rec.status == Status.SUPPLEMENT:
        if not supplements or supplements[-1][1] is not None:
            c.fail(
                "DanhSachHoSoBoSung", _("Hồ sơ chờ bổ sung phải có một yêu cầu bổ sung chưa được đáp ứng.")
            )
        return steps
    if rec.status == Status.IN_PROGRESS:
        return steps
    if returned_at is None:
        c.fail("NgayTra", _("Hồ sơ đã kết thúc phải có NgayTra."))
        return steps
    if rec.status in (Status.RESOLVED, Status.RETURNED):
        steps.append(Step("resolve", returned_at, {"electronic_result": rec.electronic_result}))
        if rec.status == Status.RETURNED:
            steps.append(Step("return_result", returned_at))
    else:
        move = "withdraw" if rec.status == Status.WITHDRAWN else "stop"
        steps.append(Step(move, returned_at, {"reason": SYNC_NOTE}))
    return steps


@dataclass
class ImportResult:
    created: int = 0
    moved: int = 0
    unchanged: int = 0
    progress_added: int = 0
    queued: int = 0


def _apply_step(step: Step, dossier: Dossier, *, by) -> None:
    if step.move == "start":
        workflow.start(dossier, by=by, at=step.at)
    elif step.move == "request_supplement":
        workflow.request_supplement(dossier, by=by, at=step.at, items=step.data["items"])
    elif step.move == "resume":
        workflow.resume(dossier, by=by, at=step.at)
    elif step.move == "resolve":
        workflow.resolve(
            dossier, by=by, at=step.at, note=SYNC_NOTE, electronic_result=step.data["electronic_result"]
        )
    elif step.move == "return_result":
        workflow.return_result(dossier, by=by, at=step.at)
    elif step.move == "reject_at_reception":
        workflow.reject_at_reception(dossier, by=by, at=step.at, reason=step.data["reason"])
    elif step.move == "withdraw":
        workflow.withdraw(dossier, by=by, at=step.at, reason=step.data["reason"])
    elif step.move == "stop":
        workflow.stop(dossier, by=by, at=step.at, reason=step.data["reason"])


def _dossier_fields(rec: Record) -> dict:
    """What a record gives both a queued submission and a received dossier."""
    return {
        "procedure": rec.procedure,
        "applicant_name": rec.applicant_name,
        "official_code": rec.official_code,
        "applicant_id_number": rec.applicant_id_number,
        "applicant_phone": rec.applicant_phone,
        "documents": rec.documents,
        "fee": rec.fee,
    }


def import_dossiers(batch, *, ward: Ward, by) -> ImportResult:
    """Validate then apply a DongBoHoSoMC batch to ``ward``, all or nothing."""
    records = parse_dossiers(batch)
    result = ImportResult()
    existing = {
        d.official_code: d
        for d in Dossier.objects.filter(official_code__in=[r.official_code for r in records]).select_related(
            "procedure"
        )
    }
    # How many of its import moves each known dossier already had: the plan resumes after them.
    done_counts = {
        row["dossier_id"]: row["n"]
        for row in DossierEvent.objects.filter(dossier__in=list(existing.values()), kind__in=SYNC_KINDS)
        .values("dossier_id")
        .annotate(n=Count("id"))
    }
    # Online submissions of these codes in the ward's inbox: a record still "waiting" is queued
    # there once; a later record of the same code (accepted nationally) accepts it.
    inbox = {
        s.official_code: s
        for s in OnlineSubmission.objects.filter(
            ward=ward, official_code__in=[r.official_code for r in records]
        )
    }
    with transaction.atomic():
        for rec in records:
            try:
                dossier = existing.get(rec.official_code)
                if dossier is not None and dossier.ward_id != ward.id:
                    raise workflow.WorkflowError(str(_("Mã hồ sơ đã thuộc phường khác.")))
                done = 0
                submission = inbox.get(rec.official_code)
                if dossier is None and rec.status == WAITING:
                    if submission is None:
                        workflow.submit_online(
                            ward=ward, submitted_at=rec.received_at, by=by, **_dossier_fields(rec)
                        )
                        result.queued += 1
                    else:
                        result.unchanged += 1
                    continue
                if dossier is None and submission is not None and submission.is_waiting:
                    # Accepted in the national system: received at its reception moment.
                    dossier = workflow.accept_submission(submission, by=by, at=rec.received_at)
                    result.created += 1
                elif dossier is None:
                    dossier = workflow.receive(
                        ward=ward,
                        channel=rec.channel,
                        received_at=rec.received_at,
                        by=by,
                        **_dossier_fields(rec),
                    )
                    result.created += 1
                else:
                    done = done_counts.get(dossier.pk, 0)
                pending = rec.steps[done:]
                for step in pending:
                    _apply_step(step, dossier, by=by)
                if pending and done:
                    result.moved += 1
                elif not pending and done == len(rec.steps) and rec.official_code in existing:
                    result.unchanged += 1
            except workflow.WorkflowError as exc:
                raise ExchangeError(
                    [
                        (
                            rec.index,
                            rec.official_code,
                            "MaHoSo",
                            _("Không áp dụng được: {error}"),
                            {"error": exc.message},
                        )
                    ]
                ) from exc
    return result


@dataclass
class Progress:
    index: int
    dossier: Dossier
    entry: ProgressEntry


def import_progress(batch, *, ward: Ward) -> ImportResult:
    """Validate then store a CapNhatTienDoHoSoMC batch of ``ward``'s dossiers, all or nothing.

    A step is identified by its content (digest): the same step imported twice is kept once.
    """
    records_raw = _batch_records(batch)
    mapping = _mappings()
    codes = [str(r.get("MaHoSo", ""))[:60] for r in records_raw if isinstance(r, dict)]
    dossiers = {d.official_code: d for d in Dossier.objects.filter(ward=ward, official_code__in=codes)}
    errors: list[tuple] = []
    entries: list[ProgressEntry] = []
    for index, raw in enumerate(records_raw):
        if not isinstance(raw, dict):
            errors.append((index, "", "data", _("Bản ghi phải là một đối tượng JSON."), {}))
            continue
        c = _Checker(index, raw, errors)
        code = c.text("MaHoSo", required=True, max_length=60)
        dossier = dossiers.get(code)
        if code and dossier is None:
            c.fail("MaHoSo", _("Không tìm thấy hồ sơ {code} của phường."), code=code)
        entry = ProgressEntry(
            dossier=dossier,
            handler=c.text("NguoiXuLy", required=True, max_length=200),
            title=c.text("ChucDanh", max_length=200),
            at=c.moment("ThoiDiemXuLy", required=True),
            department=c.text("PhongBanXuLy", max_length=200),
            content=c.text("NoiDungXuLy", max_length=5000),
            national_status=c.text("TrangThai", required=True, max_length=20),
            started_at=c.moment("NgayBatDau"),
            due_at=c.moment("NgayKetThucTheoQuyDinh"),
        )
        if entry.national_status and entry.national_status not in mapping:
            c.fail(
                "TrangThai",
                _("Mã trạng thái {code} chưa có trong bảng chuyển đổi."),
                code=entry.national_status,
            )
        entry.digest = hashlib.sha256(
            json.dumps({k: raw.get(k) for k in sorted(PROGRESS_FIELDS)}, sort_keys=True, default=str).encode()
        ).hexdigest()
        entries.append(entry)
    if errors:
        raise ExchangeError(errors)
    result = ImportResult()
    known = set(
        ProgressEntry.objects.filter(dossier__in=[e.dossier for e in entries]).values_list(
            "dossier_id", "digest"
        )
    )
    with transaction.atomic():
        for entry in entries:
            key = (entry.dossier.pk, entry.digest)
            if key in known:
                result.unchanged += 1
                continue
            known.add(key)
            entry.save()
            result.progress_added += 1
    return result


PROGRESS_FIELDS = (
    "MaHoSo",
    "NguoiXuLy",
    "ChucDanh",
    "ThoiDiemXuLy",
    "PhongBanXuLy",
    "NoiDungXuLy",
    "TrangThai",
    "NgayBatDau",
    "NgayKetThucTheoQuyDinh",
)


# --- export ------------------------------------------------------------------------------------


def _stamp(moment) -> str:
    return timezone.localtime(moment, local_zone()).strftime(DATE_FORMAT) if moment else ""


def _day_stamp(day) -> str:
    # A due date is a calendar date: the end of the working day reads best as its moment.
    return day.strftime("%Y%m%d") + "170000" if day else ""


def export_dossiers(ward: Ward, period: Period) -> dict:
    """The ward's dossiers received in ``period`` as a DongBoHoSoMC batch (``{"data": [...]}``)."""
    codes = dict(StatusMapping.objects.filter(for_export=True).values_list("status", "national_code"))
    qs = (
        Dossier.objects.filter(ward=ward, received_at__gte=period.start_at, received_at__lt=period.end_at)
        .select_related("procedure", "field", "ward")
        .prefetch_related("supplements")
        .order_by("received_at", "id")
    )
    data = []
    for d in qs:
        data.append(
            {
                "MaHoSo": d.official_code or d.code,
                "MaTTHC": d.procedure.code,
                "TenTTHC": d.procedure.name,
                "MaLinhVuc": d.field.code,
                "ChuHoSo": d.applicant_name,
                "LoaiDoiTuong": "1",
                "NgayTiepNhan": _stamp(d.received_at),
                "NgayHenTra": _day_stamp(d.due_date),
                "NgayTra": _stamp(d.returned_at or d.resolved_at),
                "TrangThaiHoSo": codes.get(d.status, ""),
                "HinhThuc": CHANNEL_CODES.get(d.channel, "0"),
                "DonViXuLy": d.ward.name,
                "TaiLieuNop": [{"TenGiayTo": line} for line in d.documents.splitlines() if line.strip()],
                "DanhSachLePhi": [{"TenPhiLePhi": "Phí, lệ phí", "Gia": int(d.fee)}] if d.fee else [],
                "DanhSachHoSoBoSung": [
                    {
                        "NoiDungBoSung": s.items,
                        "NgayBoSung": _stamp(s.requested_at),
                        "NgayTiepNhanBoSung": _stamp(s.resumed_at),
                    }
                    for s in d.supplements.all()
                ],
                "DanhSachGiayToKetQua": [],
            }
        )
    return {"data": data}
