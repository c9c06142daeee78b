"""The report's other sheets: "Chỉ số", "Hồ sơ trễ hạn", "Nhiệm vụ", "Nhân sự".

Each is a small function writing one write-only sheet from the engine or the owning app's query
module; none computes a ratio of its own.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import buckets, calendar, deadlines
from dossiers.models import ApologyLetter, Dossier, Field, Hop
from parindex.analytics import indicators
from parindex.analytics.reports.figures import Scope
from parindex.base import xlsx
from parindex.base.names import full_name
from parindex.base.periods import Period
from parindex.base.xlsx import SheetWriter
from parindex.staffing.queries import position_table
from tasks.models import Task, TaskStatus

# --- Chỉ số -------------------------------------------------------------------------------------


def _plain(value):
    """An indicator value as Excel wants it: a percentage number, a count, or None."""
    if isinstance(value, indicators.Ratio):
        return value.value
    return value


def write_indicators(
    workbook, scope: Scope, period: Period, result: indicators.IndicatorSummary
) -> SheetWriter:
    """Every indicator of ``summary()`` with its definition, value, target and status: the scope's
    total first, then (city) each ward; per-field targets follow their overall line."""
    field_names = {f.id: f.name for f in Field.objects.all()}
    sheet = SheetWriter(
        workbook, "Chỉ số", widths=[18, 26, 16, 44, 9, 9, 11, 8, 9, 16], freeze="C4", repeat_rows=(3, 3)
    )
    sheet.line(
        _("CHỈ SỐ CẢI CÁCH HÀNH CHÍNH - {} - Từ ngày {} đến ngày {}").format(
            scope.name, period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")
        ),
        xlsx.TITLE,
    )
    sheet.blank()
    headers = [
        _("Đơn vị"),
        _("Chỉ số"),
        _("Lĩnh vực"),
        _("Cách tính"),
        _("Tử số"),
        _("Mẫu số"),
        # xgettext:no-python-format
        _("Giá trị (% hoặc số)"),
        _("So với chỉ tiêu"),
        _("Chỉ tiêu năm"),
        _("Đánh giá"),
    ]
    sheet.append([(h, xlsx.HEADER) for h in headers])
    blocks = [(scope.name, result.total)]
    if scope.is_city:
        blocks += [(w.name, result.wards[w.id]) for w in scope.wards if w.id in result.wards]
    # Reception for other units: the counter's own work, counted in Biểu 06 where handled.
    for_others = indicators.received_for_others(scope.ward_ids, period)
    for unit, ward_indicators in blocks:
        overall = ward_indicators.indicators
        per_field = [c for c in ward_indicators.cards if c.field_id is not None]
        items = []
        for code, item in overall.items():
            items.append(ward_indicators.value_of(code) if (code, None) in ward_indicators.targets else item)
            items += [c for c in per_field if c.code == code]
        for item in items:
            value = item.value
            is_ratio = isinstance(value, indicators.Ratio)
            target = item.target
            sheet.append(
                [
                    (unit, xlsx.CELL),
                    (str(item.definition.label), xlsx.CELL),
                    (field_names.get(item.field_id, "") if item.field_id else _("Chung"), xlsx.CELL),
                    (str(item.definition.definition), xlsx.CELL),
                    (value.numerator if is_ratio else None, xlsx.NUMBER),
                    (value.denominator if is_ratio else None, xlsx.NUMBER),
                    (_plain(value), xlsx.PERCENT if is_ratio else xlsx.NUMBER),
                    (target.direction if target is not None else "", xlsx.CELL_CENTER),
                    (target.threshold if target is not None else None, xlsx.PERCENT),
                    (item.assessment.label if item.assessment else "", xlsx.CELL),
                ]
            )
        ward_id = ward_indicators.ward_id
        count = for_others.get(ward_id, 0) if ward_id is not None else sum(for_others.values())
        sheet.append(
            [
                (unit, xlsx.CELL),
                (_("Tiếp nhận cho đơn vị khác"), xlsx.CELL),
                (_("Chung"), xlsx.CELL),
                (
                    _(
                        "Hồ sơ tiếp nhận tại đơn vị cho phường khác trong tỉnh; Biểu 06 tính ở đơn vị giải quyết."
                    ),
                    xlsx.CELL,
                ),
                (None, xlsx.NUMBER),
                (None, xlsx.NUMBER),
                (count, xlsx.NUMBER),
                ("", xlsx.CELL_CENTER),
                (None, xlsx.PERCENT),
                ("", xlsx.CELL),
            ]
        )
    return sheet


# --- Hồ sơ trễ hạn ------------------------------------------------------------------------------

LATE_BUCKETS = ("resolved_late", "in_progress_overdue")


def late_queryset(scope: Scope, period: Period):
    """Dossiers resolved late in the period or overdue at its end (Biểu 06 columns 10 and 13)."""
    late = buckets.bucket_queryset(scope.ward_ids, period, "resolved_late")
    overdue = buckets.bucket_queryset(scope.ward_ids, period, "in_progress_overdue")

    return (
        Dossier.objects.filter(Q(id__in=late.values("id")) | Q(id__in=overdue.values("id")))
        # The due moment as it stood at the period's end (a later pause does not rewrite the sheet).
        .annotate(due_at_end=deadlines.due_in_force_expr(period.end_at))
        .select_related("ward", "procedure", "field")
        .prefetch_related(
            Prefetch(
                "apologies", queryset=ApologyLetter.objects.select_related("agency_at_fault", "extension")
            ),
            Prefetch("hops", queryset=Hop.objects.select_related("agency")),
        )
        .order_by("ward__name", "due_date", "id")
    )


def extension_at(letters, end_at) -> str:
    """The request for more time (form 04 since Thông tư 03/2025) as it stood at ``end_at``:
    approved, refused or still awaiting the leader."""
    extensions = [
        ext for ext in (getattr(letter, "extension", None) for letter in letters) if ext is not None
    ]
    extensions = [ext for ext in extensions if ext.requested_at < end_at]
    if not extensions:
        return ""
    ext = extensions[-1]
    due = timezone.localtime(ext.new_due_at).strftime("%H:%M %d/%m/%Y")
    decided = ext.decided_at is not None and ext.decided_at < end_at
    if decided and ext.status == "approved":
        return _("Đã duyệt gia hạn đến {due}").format(due=due)
    if decided and ext.status == "refused":
        return _("Không duyệt gia hạn đến {due}").format(due=due)
    return _("Đề nghị gia hạn đến {due}, chờ duyệt").format(due=due)


def write_late(workbook, scope: Scope, period: Period) -> SheetWriter:
    widths = [5, 14, 18, 30, 14, 18, 16, 11, 16, 14, 9, 18, 11, 11, 28, 26]
    sheet = SheetWriter(workbook, "Hồ sơ trễ hạn", widths=widths, freeze="D4", repeat_rows=(3, 3))
    sheet.line(
        _("HỒ SƠ GIẢI QUYẾT QUÁ HẠN VÀ ĐANG QUÁ HẠN - {} - Từ ngày {} đến ngày {}").format(
            scope.name, period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")
        ),
        xlsx.TITLE,
    )
    sheet.blank()
    headers = [
        _("STT"),
        _("Phường"),
        _("Mã hồ sơ"),
        _("Thủ tục"),
        _("Lĩnh vực"),
        _("Người nộp"),
        _("Ngày nhận"),
        _("Hạn trả"),
        _("Ngày có kết quả"),
        _("Tình trạng"),
        _("Số ngày làm việc trễ"),
        _("Cơ quan để chậm"),
        _("Ngày thư xin lỗi"),
        _("Ngày hẹn trả mới"),
        _("Lý do chậm"),
        _("Gia hạn (mẫu 04)"),
    ]
    sheet.append([(h, xlsx.HEADER) for h in headers])
    late_ids = set(
        buckets.bucket_queryset(scope.ward_ids, period, "resolved_late").values_list("id", flat=True)
    )
    for index, d in enumerate(late_queryset(scope, period), start=1):
        resolved_late = d.id in late_ids
        # Days late in working days, the unit deadlines are set in; an open dossier is judged on
        # the period's last day, as the engine does.
        judged_on = d.resolved_on if resolved_late and d.resolved_on else period.end
        due_day = calendar.local_date(d.due_at_end) if d.due_at_end else None
        days_late = calendar.working_days_between(due_day, judged_on) if due_day else None
        letters = list(d.apologies.all())
        letter = letters[-1] if letters else None
        agencies = [h.agency.name for h in d.hops.all() if h.result == Hop.Result.LATE]
        if letter and letter.agency_at_fault:
            agencies.insert(0, letter.agency_at_fault.name)
        sheet.append(
            [
                (index, xlsx.CELL_CENTER),
                (d.ward.name, xlsx.CELL),
                (d.code, xlsx.CELL),
                (d.procedure.name, xlsx.CELL),
                (d.field.name, xlsx.CELL),
                (d.applicant_name, xlsx.CELL),
                (d.received_at, xlsx.DATETIME),
                (d.due_at_end, xlsx.DATETIME),
                (d.resolved_at if resolved_late else None, xlsx.DATETIME),
                (_("Đã giải quyết quá hạn") if resolved_late else _("Đang quá hạn"), xlsx.CELL),
                (days_late, xlsx.NUMBER),
                (", ".join(dict.fromkeys(agencies)) or _("Phường"), xlsx.CELL),
                (letter.issued_at.date() if letter else None, xlsx.DATE),
                (letter.new_due_date if letter else None, xlsx.DATE),
                (letter.reason if letter else _("Chưa có thư xin lỗi"), xlsx.CELL),
                (extension_at(letters, period.end_at), xlsx.CELL),
            ]
        )
    return sheet


# --- Trễ hạn theo cơ quan -----------------------------------------------------------------------


def write_lateness_by_agency(workbook, scope: Scope, period: Period) -> SheetWriter:
    """Each hop's lateness to its agency: late hops (also where the ward still finished in time)
    and the period's late dossiers by the agency that made them late."""
    sheet = SheetWriter(workbook, "Trễ hạn theo cơ quan", widths=[6, 44, 16, 22, 20], freeze="C4")
    sheet.line(
        _("TRỄ HẠN THEO CƠ QUAN - {} - Từ ngày {} đến ngày {}").format(
            scope.name, period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")
        ),
        xlsx.TITLE,
    )
    sheet.blank()
    headers = [
        _("STT"),
        _("Cơ quan"),
        _("Bước luân chuyển trễ hạn"),
        _("trong đó phường vẫn giải quyết đúng hạn"),
        _("Hồ sơ trễ hạn do cơ quan"),
    ]
    sheet.append([(h, xlsx.HEADER) for h in headers])
    for index, r in enumerate(indicators.lateness_by_agency(scope.ward_ids, period), start=1):
        sheet.append(
            [
                (index, xlsx.CELL_CENTER),
                (r.agency_name, xlsx.CELL),
                (r.late_hops, xlsx.NUMBER),
                (r.late_hops_ward_in_time, xlsx.NUMBER),
                (r.late_dossiers, xlsx.NUMBER),
            ]
        )
    return sheet


# --- Nhiệm vụ -----------------------------------------------------------------------------------


def write_tasks(workbook, scope: Scope, period: Period) -> SheetWriter:
    """The reform plan of the period's year: every task with its status on the period's last day."""
    widths = [18, 10, 50, 34, 22, 12, 16, 14, 10]
    sheet = SheetWriter(workbook, "Nhiệm vụ", widths=widths, freeze="C4", repeat_rows=(3, 3))
    year = period.end.year
    sheet.line(_("KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM {} - {}").format(year, scope.name), xlsx.TITLE)
    sheet.blank()
    headers = [
        _("Phường"),
        _("Mã"),
        _("Nhiệm vụ"),
        _("Lĩnh vực CCHC"),
        _("Người chủ trì"),
        _("Hạn hoàn thành"),
        _("Trạng thái"),
        _("Ngày hoàn thành"),
        _("Quá hạn"),
    ]
    sheet.append([(h, xlsx.HEADER) for h in headers])
    tasks = (
        Task.objects.filter(plan__ward_id__in=scope.ward_ids, plan__year=year)
        .select_related("plan__ward", "lead")
        .order_by("plan__ward__name", "position", "code")
    )
    on = period.end
    for t in tasks:
        # A task finished after the period's end was still open on the report's date.
        done_by_then = t.status == TaskStatus.DONE and t.completed_on and t.completed_on <= on
        if t.status == TaskStatus.DONE and not done_by_then:
            status = TaskStatus.IN_PROGRESS.label
        else:
            status = t.get_status_display()
        overdue = t.is_overdue(on)
        sheet.append(
            [
                (t.plan.ward.name, xlsx.CELL),
                (t.code, xlsx.CELL),
                (t.title, xlsx.CELL),
                (t.get_component_display(), xlsx.CELL),
                (full_name(t.lead) if t.lead else "", xlsx.CELL),
                (t.due_date, xlsx.DATE),
                (str(status), xlsx.CELL),
                (t.completed_on if done_by_then else None, xlsx.DATE),
                (_("Quá hạn") if overdue else "", xlsx.CELL),
            ]
        )
    return sheet


# --- Nhân sự ------------------------------------------------------------------------------------


def write_staffing(workbook, scope: Scope, period: Period) -> SheetWriter:
    """Posts in force on the period's last day: quota, filled, vacant, who covers a vacancy."""
    widths = [18, 30, 30, 10, 10, 10, 10, 34, 40]
    sheet = SheetWriter(workbook, "Nhân sự", widths=widths, freeze="C4", repeat_rows=(3, 3))
    sheet.line(
        _("VỊ TRÍ VIỆC LÀM, VỊ TRÍ CÒN TRỐNG VÀ KIÊM NHIỆM - {} - Ngày {}").format(
            scope.name, period.end.strftime("%d/%m/%Y")
        ),
        xlsx.TITLE,
    )
    sheet.blank()
    headers = [
        _("Phường"),
        _("Cơ quan, bộ phận"),
        _("Chức danh"),
        _("Định biên"),
        _("Đã bố trí"),
        _("Còn trống"),
        _("Có người kiêm nhiệm"),
        _("Người đảm nhiệm"),
        _("Người kiêm nhiệm"),
    ]
    sheet.append([(h, xlsx.HEADER) for h in headers])
    for ward in scope.wards:
        for row in position_table(ward.id, period.end):
            covers = "; ".join(
                "{} ({})".format(c.official.full_name, c.start.strftime("%d/%m/%Y")) for c in row.covers
            )
            sheet.append(
                [
                    (ward.name, xlsx.CELL),
                    (row.position.office, xlsx.CELL),
                    (row.position.title, xlsx.CELL),
                    (row.quota, xlsx.NUMBER),
                    (row.filled, xlsx.NUMBER),
                    (row.vacant, xlsx.NUMBER),
                    (row.covered, xlsx.NUMBER),
                    (", ".join(o.full_name for o in row.holders), xlsx.CELL),
                    (covers, xlsx.CELL),
                ]
            )
    return sheet
