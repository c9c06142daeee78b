"""The annual reform plan (plans, tasks, evidence) and the PAR Index criteria tree of a ward.

State changes go through ``tasks/plans.py`` and ``tasks/criteria.py`` so the history rows record
who did what; the counts the dashboards need come from ``tasks/queries.py``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.base import uploads
from parindex.base.scoping import WardScopedQuerySet


class Component(models.TextChoices):
    """The eight PAR Index components (DOMAIN.md 5), in the order the index lists them."""

    DIRECTION = "direction", _("Công tác chỉ đạo, điều hành cải cách hành chính")
    INSTITUTIONS = "institutions", _("Cải cách thể chế")
    PROCEDURES = "procedures", _("Cải cách thủ tục hành chính")
    ORGANISATION = "organisation", _("Cải cách tổ chức bộ máy hành chính")
    CIVIL_SERVICE = "civil_service", _("Cải cách chế độ công vụ")
    PUBLIC_FINANCE = "public_finance", _("Cải cách tài chính công")
    DIGITAL = "digital", _("Xây dựng và phát triển chính quyền điện tử, chính quyền số")
    IMPACT = "impact", _("Tác động của cải cách hành chính đến người dân, tổ chức và phát triển")


COMPONENT_ORDER = {value: index for index, value in enumerate(Component.values, start=1)}


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Hoàn thành")
    CANCELLED = "cancelled", _("Hủy bỏ")


# Fixed progress per status: the plan's status-based progress is the mean over tasks that are not
# cancelled (a cancelled task leaves the denominator instead of counting as 0%).
STATUS_PROGRESS = {
    TaskStatus.NOT_STARTED: 0,
    TaskStatus.IN_PROGRESS: 50,
    TaskStatus.DONE: 100,
}


class Plan(models.Model):
    ward = models.ForeignKey(
        "parindex.Ward", on_delete=models.PROTECT, related_name="plans", verbose_name=_("phường")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    title = models.CharField(_("tên kế hoạch"), max_length=300)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kế hoạch CCHC")
        verbose_name_plural = _("kế hoạch CCHC")
        ordering = ["ward", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "year"], name="plan_one_per_ward_year"),
            models.CheckConstraint(
                name="plan_year_sane",
                condition=Q(year__gte=2000, year__lte=2100),
                violation_error_message=_("Năm kế hoạch không hợp lệ."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """One node of the PAR criteria tree: a criterion (no parent) or a sub-criterion (parent set).

    The component is a choice, not a row: the eight components are fixed by the index, while the
    criteria under them are what each province publishes (and is imported or edited here).
    Scores are entered on leaves; a criterion with sub-criteria scores the sum of its children,
    capped at its own maximum.
    """

    ward = models.ForeignKey(
        "parindex.Ward", on_delete=models.PROTECT, related_name="criteria", verbose_name=_("phường")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    component = models.CharField(_("lĩnh vực CCHC"), max_length=20, choices=Component.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("tiêu chí cha"),
    )
    code = models.CharField(_("mã"), max_length=20)
    title = models.CharField(_("tên tiêu chí"), max_length=500)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    max_score = models.DecimalField(_("điểm tối đa"), max_digits=6, decimal_places=2)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="par_criteria",
        verbose_name=_("người phụ trách"),
    )
    self_score = models.DecimalField(
        _("điểm tự đánh giá"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # The first appraisal by the city (kept under its original name: the dashboards read it).
    appraised_score = models.DecimalField(
        _("điểm thẩm định"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("nhận xét"), blank=True)
    not_applicable = models.BooleanField(
        _("không áp dụng"),
        default=False,
        help_text=_("Tiêu chí không áp dụng với phường: không tính vào điểm tối đa."),
    )
    not_applicable_reason = models.CharField(_("lý do không áp dụng"), max_length=500, blank=True)
    # Set by the city in the first appraisal; None until then.
    evidence_complete = models.BooleanField(_("minh chứng đầy đủ"), null=True, blank=True)
    first_comment = models.TextField(_("nhận xét thẩm định lần 1"), blank=True)
    explanation = models.TextField(_("giải trình của phường"), blank=True)
    second_score = models.DecimalField(
        _("điểm thẩm định lần 2"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    second_comment = models.TextField(_("nhận xét thẩm định lần 2"), blank=True)

    objects = WardScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tiêu chí Chỉ số CCHC")
        verbose_name_plural = _("tiêu chí Chỉ số CCHC")
        ordering = ["ward", "year", "position", "code"]
        indexes = [models.Index(fields=["ward", "year"])]
        constraints = [
            models.UniqueConstraint(fields=["ward", "year", "code"], name="criterion_code_unique_per_year"),
            models.CheckConstraint(
                name="criterion_max_not_negative",
                condition=Q(max_score__gte=0),
                violation_error_message=_("Điểm tối đa không được âm."),
            ),
            models.CheckConstraint(
                name="criterion_self_score_in_range",
                condition=Q(self_score__isnull=True) | Q(self_score__gte=0, self_score__lte=F("max_score")),
                violation_error_message=_("Điểm tự đánh giá phải từ 0 đến điểm tối đa."),
            ),
            models.CheckConstraint(
                name="criterion_appraised_score_in_range",
                condition=Q(appraised_score__isnull=True)
                | Q(appraised_score__gte=0, appraised_score__lte=F("max_score")),
                violation_error_message=_("Điểm thẩm định phải từ 0 đến điểm tối đa."),
            ),
            models.CheckConstraint(
                name="criterion_second_score_in_range",
                condition=Q(second_score__isnull=True)
                | Q(second_score__gte=0, second_score__lte=F("max_score")),
                violation_error_message=_("Điểm thẩm định lần 2 phải từ 0 đến điểm tối đa."),
            ),
            models.CheckConstraint(
                name="criterion_not_applicable_unscored",
                condition=Q(not_applicable=False)
                | Q(self_score__isnull=True, appraised_score__isnull=True, second_score__isnull=True),
                violation_error_message=_("Tiêu chí không áp dụng không được chấm điểm."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.code, self.title)

    @property
    def is_sub(self) -> bool:
        return self.parent_id is not None

    @property
    def needs_explanation(self) -> bool:
        """The ward must explain: the city found the evidence incomplete, or scored it lower."""
        if self.not_applicable:
            return False
        lower = (
            self.appraised_score is not None
            and self.self_score is not None
            and self.appraised_score < self.self_score
        )
        return self.evidence_complete is False or lower

    @property
    def final_score(self) -> Decimal | None:
        """The second appraisal where the city gave one, otherwise the first."""
        return self.second_score if self.second_score is not None else self.appraised_score


class AppraisalState(models.TextChoices):
    """The rounds of the PAR assessment of a ward and year, in order."""

    SELF = "self", _("Tự đánh giá")
    FIRST = "first", _("Thẩm định lần 1")
    EXPLANATION = "explanation", _("Giải trình")
    SECOND = "second", _("Thẩm định lần 2")
    FINAL = "final", _("Kết quả cuối cùng")


class Appraisal(models.Model):
    """Where the ward's PAR assessment of a year stands, and the report's free text.

    The state decides who may change what (``tasks/criteria.py``); the history rows record each
    move with its author.
    """

    ward = models.ForeignKey(
        "parindex.Ward", on_delete=models.PROTECT, related_name="par_appraisals", verbose_name=_("phường")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=AppraisalState.choices, default=AppraisalState.SELF
    )
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    submitted_at = models.DateTimeField(_("thời điểm nộp tự đánh giá"), null=True, blank=True)
    first_done_at = models.DateTimeField(_("thời điểm xong thẩm định lần 1"), null=True, blank=True)
    explained_at = models.DateTimeField(_("thời điểm nộp giải trình"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("thời điểm chốt kết quả"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đợt đánh giá Chỉ số CCHC")
        verbose_name_plural = _("đợt đánh giá Chỉ số CCHC")
        ordering = ["ward", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "year"], name="appraisal_one_per_ward_year"),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.ward_id, self.year)


def overdue_q(on) -> Q:
    """Tasks overdue on the day ``on``: due on an earlier day and neither cancelled nor done by
    ``on``. Done and cancelled tasks are never overdue; a task done after ``on`` was still open on
    that day (a report for an earlier period counts it). ``Task.is_overdue`` is the same rule."""
    return (
        Q(due_date__lt=on)
        & ~Q(status=TaskStatus.CANCELLED)
        & ~Q(status=TaskStatus.DONE, completed_on__lte=on)
    )


class TaskQuerySet(WardScopedQuerySet):
    ward_lookup = "plan__ward"

    def open(self) -> TaskQuerySet:
        """Not started or in progress: the tasks somebody still has to do."""
        return self.filter(status__in=[TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS])

    def overdue(self, on) -> TaskQuerySet:
        return self.filter(overdue_q(on))


class Task(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("kế hoạch"))
    code = models.CharField(_("mã"), max_length=20)
    title = models.CharField(_("nhiệm vụ"), max_length=500)
    description = models.TextField(_("mô tả"), blank=True)
    component = models.CharField(_("lĩnh vực CCHC"), max_length=20, choices=Component.choices)
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("tiêu chí"),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_tasks",
        verbose_name=_("người chủ trì"),
    )
    co_officials = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_tasks", verbose_name=_("người phối hợp")
    )
    due_date = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    cancel_reason = models.CharField(_("lý do hủy"), max_length=500, blank=True)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)

    objects = TaskQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["plan", "position", "code"]
        indexes = [models.Index(fields=["plan", "status", "due_date"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="task_code_unique_per_plan"),
            models.CheckConstraint(
                name="task_done_has_completion_date",
                condition=~Q(status="done") | Q(completed_on__isnull=False),
                violation_error_message=_("Nhiệm vụ hoàn thành phải có ngày hoàn thành."),
            ),
            models.CheckConstraint(
                name="task_cancel_has_reason",
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                violation_error_message=_("Nhiệm vụ bị hủy phải có lý do."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.code, self.title)

    @property
    def progress(self) -> int | None:
        """Fixed percentage for the status; None for a cancelled task (it is not counted)."""
        return STATUS_PROGRESS.get(self.status)

    def is_overdue(self, on) -> bool:
        """``overdue_q``'s rule for one loaded task."""
        done_by_then = (
            self.status == TaskStatus.DONE and self.completed_on is not None and self.completed_on <= on
        )
        return self.due_date < on and self.status != TaskStatus.CANCELLED and not done_by_then


def evidence_path(instance: Evidence, filename: str) -> str:
    # A random stored name: the original (possibly personal) name is kept in the row and only
    # given back by the permission-checked download view.
    suffix = Path(filename).suffix.lower()[:10]
    return "evidence/{}/{}{}".format(instance.ward_id, uuid.uuid4().hex, suffix)


class EvidenceStage(models.TextChoices):
    """Which step of the PAR assessment a criterion's evidence belongs to."""

    SELF = "self", _("Tự đánh giá")
    FIRST = "first", _("Thẩm định lần 1")
    EXPLANATION = "explanation", _("Giải trình")
    SECOND = "second", _("Thẩm định lần 2")


class EvidenceKind(models.TextChoices):
    FILE = "file", _("Tệp đính kèm")
    LINK = "link", _("Đường dẫn")
    NOTE = "note", _("Ghi chú")


class Evidence(models.Model):
    """A document, link or note proving a task's result or a criterion's self score."""

    ward = models.ForeignKey(
        "parindex.Ward", on_delete=models.PROTECT, related_name="+", verbose_name=_("phường")
    )
    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("nhiệm vụ"),
    )
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("tiêu chí"),
    )
    kind = models.CharField(_("loại"), max_length=10, choices=EvidenceKind.choices)
    stage = models.CharField(
        _("bước"), max_length=20, choices=EvidenceStage.choices, default=EvidenceStage.SELF
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path, blank=True, max_length=200)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    url = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người thêm")
    )
    added_at = models.DateTimeField(_("thời điểm thêm"), auto_now_add=True)

    objects = WardScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="evidence_belongs_to_one",
                condition=Q(task__isnull=False, criterion__isnull=True)
                | Q(task__isnull=True, criterion__isnull=False),
                violation_error_message=_("Minh chứng phải gắn với một nhiệm vụ hoặc một tiêu chí."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.url or self.note[:60]

    def clean(self) -> None:
        # The admin's change form stores a new file without going through plans.add_evidence;
        # an uncommitted file is one just uploaded, and gets the same checks.
        if self.file and not getattr(self.file, "_committed", True):
            try:
                uploads.check_upload(self.file.file, name=self.file.name, allowed=uploads.EVIDENCE)
            except uploads.UploadRefused as exc:
                raise ValidationError({"file": exc.message}) from None
