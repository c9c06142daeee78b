"""Everything that changes the reform plan: plans, tasks, status moves, evidence, copying a year.

Views, the Excel import, the management command and the demo loader all call these functions, so
every change carries its author into the history tables (django-simple-history) the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from parindex.base import uploads
from parindex.base.models import Role, Ward
from parindex.base.names import full_name
from tasks.models import Criterion, Evidence, EvidenceKind, EvidenceStage, Plan, Task, TaskStatus

User = get_user_model()

# -- who takes part ----------------------------------------------------------------------------


def officials_of(ward: Ward | int) -> QuerySet:
    """Accounts that can lead or join a task of the ward: its officers and leaders."""
    ward_id = ward if isinstance(ward, int) else ward.id
    return (
        User.objects.filter(
            membership__ward_id=ward_id, membership__role__in=[Role.OFFICER, Role.LEADER], is_active=True
        )
        .select_related("membership")
        .order_by("last_name", "first_name", "username")
    )


def display_name(user) -> str:
    return full_name(user)


# -- plans and tasks ---------------------------------------------------------------------------


def default_title(ward: Ward, year: int) -> str:
    return _("Kế hoạch cải cách hành chính năm {year} của {ward}").format(year=year, ward=ward.name)


@transaction.atomic
def create_plan(*, ward: Ward, year: int, by, title: str = "") -> Plan:
    Ward.objects.lock(ward)
    if Plan.objects.filter(ward=ward, year=year).exists():
        raise ValidationError(_("Phường đã có kế hoạch năm {year}.").format(year=year))
    plan = Plan(ward=ward, year=year, title=title or default_title(ward, year))
    plan._history_user = by
    plan.full_clean()
    plan.save()
    return plan


def check_due_date(plan: Plan, due_date: date) -> None:
    if due_date.year != plan.year:
        raise ValidationError(
            {
                "due_date": _("Hạn hoàn thành {date} nằm ngoài năm kế hoạch {year}.").format(
                    date=due_date.strftime("%d/%m/%Y"), year=plan.year
                )
            }
        )


@transaction.atomic
def save_task(
    *,
    plan: Plan,
    by,
    task: Task | None = None,
    code: str,
    title: str,
    component: str,
    due_date: date,
    description: str = "",
    criterion: Criterion | None = None,
    lead=None,
    co_officials: list | None = None,
    position: int | None = None,
) -> Task:
    """Create a task in ``plan`` (``task`` None) or change its planning fields."""
    check_due_date(plan, due_date)
    if task is None:
        task = Task(plan=plan)
        if position is None:
            position = plan.tasks.count() + 1
    task.code = code
    task.title = title
    task.component = component
    task.due_date = due_date
    task.description = description
    task.criterion = criterion
    task.lead = lead
    if position is not None:
        task.position = position
    task._history_user = by
    task.full_clean(validate_unique=True)
    if co_officials is not None:
        before = {u.id for u in task.co_officials.all()} if task.pk else set()
        after = {u.id for u in co_officials}
        if before != after:
            # The M2M is not in the history row; the reason line keeps who was added.
            names = ", ".join(sorted(display_name(u) for u in co_officials)) or "—"
            task._change_reason = _("Người phối hợp: {names}").format(names=names)
    task.save()
    if co_officials is not None:
        task.co_officials.set(co_officials)
    return task


@transaction.atomic
def set_status(
    task: Task, *, status: str, by, on: date, cancel_reason: str = "", at: datetime | None = None
) -> Task:
    """Move a task to ``status``; ``on`` is the completion date when it becomes done.

    ``at`` back-dates the history row (demo data and imports of past years); None means now.
    """
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Trạng thái không hợp lệ.")})
    if status == TaskStatus.CANCELLED and not cancel_reason.strip():
        raise ValidationError({"cancel_reason": _("Nhập lý do hủy nhiệm vụ.")})
    task.status = status
    task.cancel_reason = cancel_reason.strip() if status == TaskStatus.CANCELLED else ""
    if status == TaskStatus.DONE:
        task.completed_on = on
    else:
        task.completed_on = None
    task._history_user = by
    if at is not None:
        task._history_date = at
    task.save()
    return task


# -- evidence ----------------------------------------------------------------------------------


def validate_upload(upload: UploadedFile) -> str:
    """Refuse a file of a disallowed type, too large, or a zip bomb; return its extension."""
    try:
        return uploads.check_upload(upload, allowed=uploads.EVIDENCE)
    except uploads.UploadRefused as exc:
        raise ValidationError({"file": exc.message}) from None


@transaction.atomic
def add_evidence(
    *,
    by,
    task: Task | None = None,
    criterion: Criterion | None = None,
    file: UploadedFile | None = None,
    url: str = "",
    note: str = "",
    stage: str = EvidenceStage.SELF,
) -> Evidence:
    """Attach a file, a link or a note to a task or a criterion (exactly one).

    A criterion's evidence goes through ``criteria.add_criterion_evidence``, which picks the stage
    from the assessment round and refuses it when the round is locked.
    """
    if (task is None) == (criterion is None):
        raise ValueError("evidence needs exactly one of task or criterion")
    ward_id = task.plan.ward_id if task is not None else criterion.ward_id
    evidence = Evidence(
        ward_id=ward_id, task=task, criterion=criterion, added_by=by, note=note.strip(), stage=stage
    )
    if file is not None:
        validate_upload(file)
        evidence.kind = EvidenceKind.FILE
        evidence.original_name = Path(file.name).name[:255]
        evidence.size = file.size
    elif url.strip():
        evidence.kind = EvidenceKind.LINK
        evidence.url = url.strip()
    elif evidence.note:
        evidence.kind = EvidenceKind.NOTE
    else:
        raise ValidationError(_("Chọn một tệp, nhập một đường dẫn hoặc một ghi chú."))
    evidence.full_clean(exclude=["file"])
    if file is not None:
        evidence.file.save(file.name, file, save=False)
    evidence._history_user = by
    evidence.save()
    return evidence


# -- copying a year ----------------------------------------------------------------------------


def _shift_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29/02 into a non-leap year
        return day.replace(year=year, day=28)


@transaction.atomic
def copy_plan(*, ward: Ward, from_year: int, to_year: int, by) -> Plan:
    """Start ``to_year``'s plan from ``from_year``'s tasks: same codes, titles, officials and
    components, due dates moved to the new year, every task back to "not started".

    Cancelled tasks are not copied: they were dropped from last year's plan for a reason.
    """
    try:
        source = Plan.objects.get(ward=ward, year=from_year)
    except Plan.DoesNotExist:
        raise ValidationError(_("Không có kế hoạch năm {year} để sao chép.").format(year=from_year)) from None
    plan = create_plan(ward=ward, year=to_year, by=by)
    criteria = {c.code: c for c in Criterion.objects.filter(ward=ward, year=to_year)}
    tasks = (
        source.tasks.exclude(status=TaskStatus.CANCELLED)
        .select_related("criterion")
        .prefetch_related("co_officials")
    )
    for old in tasks:
        save_task(
            plan=plan,
            by=by,
            code=old.code,
            title=old.title,
            description=old.description,
            component=old.component,
            criterion=criteria.get(old.criterion.code) if old.criterion else None,
            due_date=_shift_year(old.due_date, to_year),
            lead=old.lead,
            co_officials=list(old.co_officials.all()),
            position=old.position,
        )
    return plan
