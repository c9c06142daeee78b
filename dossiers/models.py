"""The one-stop register: procedure catalogue, working-day calendar overrides, dossiers and their
history (events, hand-overs to other agencies, supplement pauses, apology letters, ratings).

The dossier row carries every fact the indicators count (ward, field, channel, received_at, the
pause-adjusted due_date, resolved_at/resolved_on, status, outcome, flags); the workflow functions in
``dossiers/workflow.py`` keep them current in the same transaction that appends the event row.
No aggregate ever replays the events.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.base.access import dossier_scope_q, visible_dossiers_q
from parindex.base.models import Ward
from parindex.base.periods import start_of_day
from parindex.base.scoping import WardScopedQuerySet


class Field(models.Model):
    """Lĩnh vực: the report's row (Tư pháp - Hộ tịch, Chứng thực, Đất đai, ...)."""

    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="dossier_fields",
        verbose_name=_("cán bộ phụ trách"),
        help_text=_(
            "Cán bộ phụ trách lĩnh vực: xem đầy đủ CCCD, điện thoại, địa chỉ của người nộp hồ sơ lĩnh vực này "
            "tại phường mình; người khác chỉ thấy dữ liệu đã che."
        ),
    )

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """An agency a dossier may pass through (e.g. the city land registration office)."""

    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=200)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class ProcedureQuerySet(models.QuerySet):
    def in_force_on(self, day) -> ProcedureQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Procedure(models.Model):
    """One version of an administrative procedure (thủ tục hành chính), in force from valid_from."""

    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    code = models.CharField(_("mã TTHC"), max_length=30, help_text=_("Mã thủ tục quốc gia, ví dụ 1.001193."))
    name = models.CharField(_("tên thủ tục"), max_length=400)
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    same_day = models.BooleanField(
        _("giải quyết trong ngày"),
        default=False,
        help_text=_("Nhận sau 15:00 thì hẹn trả ngày làm việc tiếp theo."),
    )
    processing_days = models.PositiveSmallIntegerField(_("thời hạn (ngày làm việc)"), default=0)
    # Procedures measured in hours or half days (a half day is one shift of the city's working
    # hours, so 0.5 day is entered as the hours of that shift); added after the whole days.
    processing_hours = models.DecimalField(
        _("thời hạn (giờ làm việc)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("Thủ tục tính theo giờ làm việc hoặc nửa ngày (ví dụ 4 giờ = buổi sáng)."),
    )
    verification_days = models.PositiveSmallIntegerField(_("gia hạn xác minh (ngày làm việc)"), default=0)
    fee = models.DecimalField(_("phí, lệ phí (đồng)"), max_digits=12, decimal_places=0, default=0)
    online_level = models.CharField(
        _("mức độ trực tuyến"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    # The counter's defaults and the service index's catalogue shares (QĐ 766): a procedure
    # offers an online service when its level is not "none"; fee-bearing and online payment are
    # flags because the amount may vary per case (0 in the catalogue, charged at the counter).
    fee_bearing = models.BooleanField(
        _("có thu phí, lệ phí"),
        default=False,
        help_text=_("Thủ tục có thu phí, lệ phí (kể cả khi mức thu tùy từng hồ sơ)."),
    )
    online_payment = models.BooleanField(
        _("có thanh toán trực tuyến"),
        default=False,
        help_text=_("Phí, lệ phí của thủ tục thanh toán được trực tuyến; mặc định khi nộp trực tuyến."),
    )
    lead_agency = models.CharField(_("cơ quan chủ trì"), max_length=200, blank=True)
    coordinating_agencies = models.CharField(_("cơ quan phối hợp"), max_length=400, blank=True)
    # Thông tư 04/2025/TT-VPCP: a nationally centralised service numbers its dossiers in the
    # national format (dossiers/codes.py), whatever the ward's own scheme.
    nationally_centralised = models.BooleanField(
        _("thủ tục tập trung toàn quốc"),
        default=False,
        help_text=_("Mã hồ sơ theo Thông tư 04/2025/TT-VPCP: MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX."),
    )

    objects = ProcedureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["field__sort_order", "code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="procedure_version_unique"),
            models.CheckConstraint(
                name="procedure_time_given",
                condition=Q(same_day=True) | Q(processing_days__gt=0) | Q(processing_hours__gt=0),
                violation_error_message=_("Thủ tục phải giải quyết trong ngày hoặc có thời hạn lớn hơn 0."),
            ),
            models.CheckConstraint(
                name="procedure_validity_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày áp dụng."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    @property
    def offers_online(self) -> bool:
        return self.online_level != OnlineLevel.NONE

    @property
    def charges_fee(self) -> bool:
        return self.fee_bearing or self.fee > 0


class ProcedureDocument(models.Model):
    """One paper of a procedure's dossier (thành phần hồ sơ), as the catalogue lists it: the
    counter's checklist and the receipt's list of documents come from these rows."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Bản chính")
        COPY = "copy", _("Bản sao")
        EITHER = "either", _("Bản chính hoặc bản sao")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="documents", verbose_name=_("thủ tục")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên giấy tờ"), max_length=300)
    kind = models.CharField(
        _("bản chính / bản sao"), max_length=10, choices=Kind.choices, default=Kind.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField(_("số bản"), default=1)
    required = models.BooleanField(_("bắt buộc"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["procedure", "position", "id"]
        constraints = [
            models.CheckConstraint(
                name="procedure_document_copies_positive",
                condition=Q(copies__gte=1),
                violation_error_message=_("Số bản phải từ 1 trở lên."),
            ),
        ]

    def __str__(self) -> str:
        return self.line()

    def line(self) -> str:
        """How the receipt lists it: "Tờ khai (bản chính, 1)"."""
        return "{} ({}, {})".format(self.name, self.get_kind_display().lower(), self.copies)


class CalendarDay(models.Model):
    """An administrator's override of the `holidays` VN calendar for one date."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Ngày nghỉ")
        WORKING = "work", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=4, choices=Kind.choices)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class WorkingHours(models.Model):
    """A city's office hours from ``valid_from`` on: the working time deadlines are counted in.

    Without a row the national default applies (07:30-11:30 and 13:30-17:00, Monday to Friday).
    Saturday-morning reception lets the counter take dossiers on Saturday mornings; their clock
    still starts at the next working time, because Saturday is not a working day for deadlines.
    """

    city = models.ForeignKey(
        "parindex.City", on_delete=models.CASCADE, related_name="working_hours", verbose_name=_("thành phố")
    )
    valid_from = models.DateField(_("áp dụng từ ngày"))
    morning_start = models.TimeField(_("sáng từ"), default=time(7, 30))
    morning_end = models.TimeField(_("sáng đến"), default=time(11, 30))
    afternoon_start = models.TimeField(_("chiều từ"), default=time(13, 30))
    afternoon_end = models.TimeField(_("chiều đến"), default=time(17, 0))
    saturday_morning = models.BooleanField(_("tiếp nhận sáng thứ Bảy"), default=False)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        ordering = ["city", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["city", "valid_from"], name="working_hours_unique"),
            models.CheckConstraint(
                name="working_hours_ordered",
                condition=Q(morning_start__lt=F("morning_end"))
                & Q(morning_end__lte=F("afternoon_start"))
                & Q(afternoon_start__lt=F("afternoon_end")),
                violation_error_message=_(
                    "Giờ làm việc phải theo thứ tự: sáng từ < sáng đến ≤ chiều từ < chiều đến."
                ),
            ),
        ]

    def __str__(self) -> str:
        return "{} {:%d/%m/%Y}".format(self.city, self.valid_from)


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Bưu chính công ích")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    IN_PROGRESS = "in_progress", _("Đang giải quyết")
    SUPPLEMENT = "supplement", _("Chờ bổ sung")
    AT_AGENCY = "at_agency", _("Đang ở cơ quan khác")
    RESOLVED = "resolved", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    REJECTED = "rejected", _("Từ chối tiếp nhận")
    WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")
    STOPPED = "stopped", _("Dừng giải quyết")


# Statuses in which the clock still runs or is paused: the dossier is "in progress".
OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT, Status.AT_AGENCY)
# Statuses that count as "resolved" in Biểu 06 (resolved_at is set for all of them).
CLOSED_STATUSES = (Status.RESOLVED, Status.RETURNED, Status.WITHDRAWN, Status.STOPPED)


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Chấp thuận")
    REFUSED = "refused", _("Từ chối giải quyết")
    WITHDRAWN = "withdrawn", _("Rút hồ sơ")
    STOPPED = "stopped", _("Dừng giải quyết")


class ResultDelivery(models.TextChoices):
    """How the applicant receives the result, recorded at the counter (form 01)."""

    COUNTER = "counter", _("Nhận trực tiếp tại nơi tiếp nhận")
    POST = "post", _("Qua dịch vụ bưu chính công ích")
    ONLINE = "online", _("Trực tuyến")


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class DossierQuerySet(WardScopedQuerySet):
    ward_lookup = "ward"

    def scope_q(self, user) -> Q:
        """What ``user`` may find: their wards' dossiers and those their counter received for
        another unit (``parindex.base.access.dossier_scope_q``, the one predicate)."""
        return visible_dossiers_q(user)

    def for_wards(self, ward_ids) -> DossierQuerySet:
        """The same predicate for an integration's wards (API tokens)."""
        return self.filter(dossier_scope_q(ward_ids))

    def received_for_others(self, ward) -> DossierQuerySet:
        """Taken in at ``ward``'s counter for another unit: the counter's own work."""
        return self.filter(received_by_ward=ward).exclude(ward=ward)

    def awaiting_acceptance(self) -> DossierQuerySet:
        return self.filter(received_by_ward__isnull=False, transfer_accepted_at__isnull=True).exclude(
            status=Status.REJECTED
        )

    def for_ward(self, ward) -> DossierQuerySet:
        return self.filter(ward=ward)

    def accepted(self) -> DossierQuerySet:
        """Dossiers taken in for handling (refused at the counter never were)."""
        return self.exclude(status=Status.REJECTED)

    def open_at(self, moment) -> DossierQuerySet:
        """Received before ``moment`` and not closed before it."""
        return (
            self.accepted()
            .filter(received_at__lt=moment)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=moment))
        )

    # Reusable filters for worklists and the indicator engine. Dates are local calendar dates
    # (Asia/Ho_Chi_Minh); ``moment`` arguments are aware datetimes (half-open bounds).

    def open_now(self) -> DossierQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def received_between(self, start_at, end_at) -> DossierQuerySet:
        return self.accepted().filter(received_at__gte=start_at, received_at__lt=end_at)

    def resolved_between(self, start_at, end_at) -> DossierQuerySet:
        """Closed (resolved, returned, withdrawn, stopped) within [start_at, end_at)."""
        return self.filter(status__in=CLOSED_STATUSES, resolved_at__gte=start_at, resolved_at__lt=end_at)

    def open_on(self, day) -> DossierQuerySet:
        """Still open at the end of local ``day``."""
        return self.open_at(start_of_day(day + timedelta(days=1)))

    # Deadline filters: the rules live in dossiers/deadlines.py (imported late: it imports us).

    def overdue_at(self, now) -> DossierQuerySet:
        """Open now, clock running, due moment already passed at ``now``."""
        from dossiers import deadlines

        return self.filter(deadlines.overdue_now_q(now))

    def overdue_on(self, day) -> DossierQuerySet:
        """Overdue as the working day ``day`` begins."""
        return self.overdue_at(start_of_day(day))

    def due_on(self, day) -> DossierQuerySet:
        from dossiers import deadlines

        return self.filter(deadlines.due_on_q(day))

    def at_risk_on(self, day) -> DossierQuerySet:
        """Open, clock running, due on ``day`` or the next working day."""
        from dossiers import calendar, deadlines

        return self.filter(
            deadlines.running_q(), due_date__gte=day, due_date__lte=calendar.next_working_day(day)
        )

    def needing_apology_on(self, day) -> DossierQuerySet:
        """Running and due by the next working day (or overdue) without a timely letter; and
        closed late without one: a late-but-resolved dossier stays listed until a letter exists."""
        from dossiers import calendar, deadlines

        soon = calendar.next_working_day(day)
        running = deadlines.running_q() & Q(due_date__lte=soon) & ~deadlines.timely_letter_exists()
        return self.filter(running | deadlines.late_without_timely_letter_q())

    def late_without_apology(self) -> DossierQuerySet:
        """Closed late with no timely apology letter: the compliance gap of DOMAIN.md 1."""
        from dossiers import deadlines

        return self.filter(deadlines.late_without_timely_letter_q())

    def at_agency(self) -> DossierQuerySet:
        return self.filter(status=Status.AT_AGENCY)

    def waiting_supplement(self) -> DossierQuerySet:
        return self.filter(status=Status.SUPPLEMENT)

    def search(self, text: str) -> DossierQuerySet:
        """Accent-insensitive search over code, applicant name, phone and ID ("nguyen van a")."""
        from unidecode import unidecode

        qs = self
        for word in unidecode(text.lower()).split():
            qs = qs.filter(search_text__contains=word)
        return qs


class Dossier(models.Model):
    # The competent unit: it handles the dossier, numbers it and counts it in Biểu 06.
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("phường")
    )
    # Reception regardless of administrative boundary (Nghị định 118/2025): the counter of another
    # ward of the same city/province took the dossier in and transferred it electronically. That
    # counter sees the dossier in its role (parindex.base.access.is_receiving_counter); empty otherwise.
    received_by_ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_received_for_others",
        verbose_name=_("nơi tiếp nhận"),
    )
    transfer_accepted_at = models.DateTimeField(
        _("thời điểm đơn vị có thẩm quyền nhận"), null=True, blank=True
    )
    transfer_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhận hồ sơ chuyển đến"),
    )
    # The applicant collects the result at the counter that received the dossier.
    result_at_counter = models.BooleanField(_("trả kết quả tại nơi tiếp nhận"), default=False)
    code = models.CharField(_("mã hồ sơ"), max_length=40)
    # The national portal's / provincial system's dossier code (MaHoSo): exchange de-duplicates on it.
    official_code = models.CharField(_("mã hồ sơ quốc gia"), max_length=60, blank=True, db_index=True)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục")
    )
    # Denormalised from the procedure so the report groups without a join.
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("lĩnh vực")
    )
    channel = models.CharField(_("hình thức nộp"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices, blank=True)

    received_at = models.DateTimeField(_("thời điểm tiếp nhận"))
    backdate_reason = models.CharField(_("lý do nhập lùi ngày"), max_length=300, blank=True)
    # The due moment in force (dossiers/deadlines.py), moved by pauses and verification
    # extensions; every change is a DueChange row. due_date is its local date (lists, sorting).
    due_at = models.DateTimeField(_("thời điểm hẹn trả"), null=True, blank=True)
    due_date = models.DateField(_("ngày hẹn trả"), null=True, blank=True)
    original_due_date = models.DateField(_("ngày hẹn trả ban đầu"), null=True, blank=True)
    # When the latest DueChange took effect, and whether the clock is stopped since then: the
    # engine reads the row for every cut-off after due_since and the history only before it.
    due_since = models.DateTimeField(_("hẹn trả áp dụng từ"), null=True, blank=True)
    due_paused = models.BooleanField(_("đang tạm dừng tính thời hạn"), default=False)
    paused_minutes = models.PositiveIntegerField(_("số phút làm việc tạm dừng"), default=0)
    # Set when the dossier is closed (resolved, withdrawn, stopped): the "resolved" columns count it.
    resolved_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    resolved_on = models.DateField(_("ngày có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)

    applicant_name = models.CharField(_("họ tên người nộp"), max_length=200)
    applicant_id_number = models.CharField(_("số CCCD / mã số thuế"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    documents = models.TextField(_("thành phần hồ sơ"), blank=True, help_text=_("Mỗi giấy tờ một dòng."))
    sets = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)
    fee = models.DecimalField(_("phí, lệ phí (đồng)"), max_digits=12, decimal_places=0, default=0)
    paid_online = models.BooleanField(_("thanh toán trực tuyến"), default=False)
    payment_reference = models.CharField(
        _("mã giao dịch thanh toán"),
        max_length=100,
        blank=True,
        help_text=_("Mã giao dịch trên cổng thanh toán."),
    )
    # With documents listed one by one (DossierDocument) these two are derived from them: every
    # document digitised or reused; at least one reused from stored data.
    digitised_at_reception = models.BooleanField(_("số hóa khi tiếp nhận"), default=False)
    reused_data = models.BooleanField(_("tái sử dụng dữ liệu đã số hóa"), default=False)
    citizen_data_connected = models.BooleanField(
        _("kết nối dữ liệu dân cư"),
        default=False,
        help_text=_("Thông tin công dân được lấy, xác thực từ Cơ sở dữ liệu quốc gia về dân cư."),
    )
    e_circulated = models.BooleanField(_("luân chuyển điện tử"), default=False)
    electronic_result = models.BooleanField(_("trả kết quả điện tử"), default=False)
    result_synced = models.BooleanField(
        _("đồng bộ kết quả vào kho dữ liệu cá nhân"),
        default=False,
        help_text=_("Kết quả điện tử đã đồng bộ vào kho quản lý dữ liệu điện tử của công dân."),
    )
    cancel_reason = models.CharField(_("lý do hủy, dừng, từ chối"), max_length=300, blank=True)
    cancel_basis = models.CharField(_("căn cứ pháp lý dừng, từ chối"), max_length=300, blank=True)
    result_delivery = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=8,
        choices=ResultDelivery.choices,
        default=ResultDelivery.COUNTER,
    )
    # The dossier log (Sổ theo dõi hồ sơ): volume and entry number, gap-free per ward and year
    # (``LogCounter``), printed on form 01.
    log_year = models.PositiveSmallIntegerField(_("năm sổ theo dõi"), null=True, blank=True)
    log_volume = models.PositiveSmallIntegerField(_("quyển số"), null=True, blank=True)
    log_number = models.PositiveIntegerField(_("số thứ tự trong sổ"), null=True, blank=True)
    # Recorded at the counter (Nghị định 13/2023): no notice is sent without the applicant's consent.
    notify_consent = models.BooleanField(_("đồng ý nhận thông báo"), default=False)
    notify_channel = models.CharField(
        _("kênh nhận thông báo"), max_length=5, choices=NoticeChannel.choices, blank=True
    )

    # Accent-free, lower-case copy of code, name, phone and ID for search ("nguyen van a").
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dossiers_created",
        verbose_name=_("người tiếp nhận"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_assigned",
        verbose_name=_("cán bộ xử lý"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "code"], name="dossier_code_unique_per_ward"),
            models.UniqueConstraint(
                fields=["official_code"], condition=~Q(official_code=""), name="dossier_official_code_unique"
            ),
            models.CheckConstraint(
                name="dossier_resolved_after_received",
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("received_at")),
                violation_error_message=_("Thời điểm có kết quả không được trước thời điểm tiếp nhận."),
            ),
            models.CheckConstraint(
                name="dossier_closed_has_resolved_at",
                condition=~Q(status__in=["resolved", "returned", "withdrawn", "stopped"])
                | Q(resolved_at__isnull=False, resolved_on__isnull=False),
                violation_error_message=_("Hồ sơ đã kết thúc phải có thời điểm có kết quả."),
            ),
            models.UniqueConstraint(
                fields=["ward", "log_year", "log_number"],
                condition=Q(log_number__isnull=False),
                name="dossier_log_entry_unique",
            ),
            models.CheckConstraint(
                name="dossier_sets_positive",
                condition=Q(sets__gte=1),
                violation_error_message=_("Số bộ hồ sơ phải từ 1 trở lên."),
            ),
        ]
        indexes = [
            models.Index(fields=["ward", "received_at"], name="dossier_ward_received"),
            # The register's order (newest first, id breaking ties) for its keyset pages.
            models.Index(fields=["ward", "received_at", "id"], name="dossier_ward_received_id"),
            models.Index(fields=["ward", "resolved_at"], name="dossier_ward_resolved"),
            models.Index(fields=["ward", "status", "due_date"], name="dossier_ward_status_due"),
            models.Index(fields=["ward", "search_text"], name="dossier_ward_search"),
            models.Index(
                fields=["received_by_ward", "received_at"],
                condition=Q(received_by_ward__isnull=False),
                name="dossier_counter_received",
            ),
            # The dossiers resolved after their due moment (a few percent of a ward's register),
            # for the "apology" worklist's closed-late part: 9.3 -> 1.3 ms at 1M (docs/performance.md).
            models.Index(
                fields=["ward"], condition=Q(resolved_at__gt=F("due_at")), name="dossier_ward_closed_late"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.applicant_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def received_elsewhere(self) -> bool:
        return self.received_by_ward_id is not None and self.received_by_ward_id != self.ward_id

    @property
    def awaiting_acceptance(self) -> bool:
        """Transferred from another ward's counter, not yet accepted by the competent unit."""
        return (
            self.received_elsewhere and self.transfer_accepted_at is None and self.status != Status.REJECTED
        )


class LogCounter(models.Model):
    """The dossier log of a ward and year: its volume (quyển số) and last entry number (số thứ
    tự). Row-locked when a dossier is logged, so numbers have no gaps and no duplicates."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    volume = models.PositiveSmallIntegerField(_("quyển số"), default=1)
    last = models.PositiveIntegerField(_("số thứ tự cuối"), default=0)

    # Who changed the volume and when (the ward's leader or an administrator, in the admin). The
    # receptions' increments of ``last`` are queryset updates: no history row per dossier.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sổ theo dõi hồ sơ")
        verbose_name_plural = _("sổ theo dõi hồ sơ")
        constraints = [models.UniqueConstraint(fields=["ward", "year"], name="log_counter_unique")]

    def __str__(self) -> str:
        return "{}-{}: {}/{}".format(self.ward_id, self.year, self.volume, self.last)


class DocumentSource(models.TextChoices):
    PAPER = "paper", _("Bản giấy, chưa số hóa")
    DIGITISED = "digitised", _("Số hóa khi tiếp nhận")
    REUSED = "reused", _("Tái sử dụng dữ liệu đã số hóa")


class DossierDocument(models.Model):
    """One paper handed in with the dossier, as form 01 lists it (name, original or copy, number
    of copies), and how it is held: digitised at the counter, reused from data already stored
    (the citizen's storage, an earlier result), or paper only (QĐ 766). Written from the
    dossier's list of documents by ``workflow``."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="papers")
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên giấy tờ"), max_length=300)
    # Empty when the line typed at the counter did not say.
    kind = models.CharField(
        _("bản chính / bản sao"), max_length=10, choices=ProcedureDocument.Kind.choices, blank=True
    )
    copies = models.PositiveSmallIntegerField(_("số bản"), default=1)
    source = models.CharField(
        _("số hóa"), max_length=10, choices=DocumentSource.choices, default=DocumentSource.DIGITISED
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("giấy tờ của hồ sơ")
        verbose_name_plural = _("giấy tờ của hồ sơ")
        ordering = ["dossier", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_digital(self) -> bool:
        return self.source != DocumentSource.PAPER


class DossierEvent(models.Model):
    """One move of the workflow: the dossier's timeline and audit."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("thao tác"), max_length=30)
    from_status = models.CharField(_("từ trạng thái"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=12, choices=Status.choices)
    at = models.DateTimeField(_("thời điểm"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("người thực hiện")
    )
    note = models.TextField(_("ghi chú"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("sự kiện hồ sơ")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.at:%d/%m/%Y %H:%M}"


class DueChange(models.Model):
    """One change of a dossier's due moment, from the moment it took effect (``effective_at``).

    ``due_at`` is empty while the clock is stopped (waiting for a supplement). The due moment in
    force at any cut-off is the latest row that took effect before it, so later events never
    rewrite an ended period.
    """

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("Tiếp nhận")
        PAUSE = "pause", _("Tạm dừng chờ bổ sung")
        RESUME = "resume", _("Tiếp tục sau bổ sung")
        VERIFICATION = "verification", _("Gia hạn xác minh")
        # Form 04 since Thông tư 03/2025: the leader approved a request for more time.
        EXTENSION = "extension", _("Gia hạn được lãnh đạo duyệt")
        MIGRATED = "migrated", _("Chuyển đổi dữ liệu")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="due_changes")
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    effective_at = models.DateTimeField(_("có hiệu lực từ"))
    due_at = models.DateTimeField(_("thời điểm hẹn trả"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thay đổi hạn giải quyết")
        verbose_name_plural = _("thay đổi hạn giải quyết")
        ordering = ["effective_at", "id"]
        indexes = [models.Index(fields=["dossier", "effective_at"], name="duechange_dossier_effective")]

    def __str__(self) -> str:
        return "{} {} {:%d/%m/%Y %H:%M}".format(self.dossier_id, self.kind, self.effective_at)


class Hop(models.Model):
    """A hand-over to another agency and back (process control slip row, form 05)."""

    class Result(models.TextChoices):
        BEFORE = "before", _("Trước hạn")
        ON_TIME = "on_time", _("Đúng hạn")
        LATE = "late", _("Quá hạn")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="hops")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="hops", verbose_name=_("cơ quan")
    )
    sent_at = models.DateTimeField(_("thời điểm chuyển"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người giao")
    )
    receiver = models.CharField(_("người nhận"), max_length=200, blank=True)
    # This agency's own share of the time, as a due date for its step.
    due_date = models.DateField(_("hạn của bước"))
    returned_at = models.DateTimeField(_("thời điểm trả về"), null=True, blank=True)
    result = models.CharField(_("kết quả bước"), max_length=10, choices=Result.choices, blank=True)
    electronic = models.BooleanField(_("chuyển điện tử"), default=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bước luân chuyển")
        verbose_name_plural = _("bước luân chuyển")
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="hop_returned_after_sent",
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("sent_at")),
                violation_error_message=_("Thời điểm trả về không được trước thời điểm chuyển."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.sent_at:%d/%m/%Y}"


class SupplementRequest(models.Model):
    """A request to supplement the dossier (form 02): the clock pauses until it is resumed."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="supplements")
    requested_at = models.DateTimeField(_("thời điểm yêu cầu"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("giai đoạn"), max_length=100, blank=True)
    items = models.TextField(_("nội dung cần bổ sung"))
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=300, blank=True)
    resumed_at = models.DateTimeField(_("thời điểm nhận đủ bổ sung"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("số phút làm việc tạm dừng"), default=0)

    class Meta:
        verbose_name = _("yêu cầu bổ sung")
        verbose_name_plural = _("yêu cầu bổ sung")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%d/%m/%Y}"


class ApologyLetter(models.Model):
    """Thư xin lỗi (form 04): reason, agency at fault and a new appointment date."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="apologies")
    # Denormalised for counting per ward, field and period without joins.
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="+")
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("ngày phát hành"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("lý do chậm"))
    agency_at_fault = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("cơ quan để chậm")
    )
    new_due_date = models.DateField(_("ngày hẹn trả mới"))
    # Issued after the due moment: recorded, but not a timely apology (the dossier stays in
    # "late without a timely apology").
    issued_late = models.BooleanField(_("phát hành sau thời điểm hẹn trả"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thư xin lỗi")
        verbose_name_plural = _("thư xin lỗi")
        ordering = ["issued_at", "id"]
        indexes = [models.Index(fields=["ward", "issued_at"], name="apology_ward_issued")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.issued_at:%d/%m/%Y}"


class Extension(models.Model):
    """A request for more time (form 04 since Thông tư 03/2025: apology and request to extend the
    processing time) with the new appointment moment. It takes effect only when the ward's leader
    approves it: then, and only then, a ``DueChange`` moves the due moment."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ lãnh đạo duyệt")
        APPROVED = "approved", _("Đã duyệt")
        REFUSED = "refused", _("Không duyệt")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="extensions")
    letter = models.OneToOneField(
        ApologyLetter, on_delete=models.PROTECT, related_name="extension", verbose_name=_("thư xin lỗi")
    )
    requested_at = models.DateTimeField(_("thời điểm đề nghị"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("lý do gia hạn"))
    previous_due_at = models.DateTimeField(_("thời điểm hẹn trả cũ"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("thời điểm hẹn trả mới"))
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(_("thời điểm duyệt"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người duyệt"),
    )
    decision_note = models.CharField(_("ý kiến lãnh đạo"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đề nghị gia hạn")
        verbose_name_plural = _("đề nghị gia hạn")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(status="pending"), name="extension_one_pending"
            ),
            models.CheckConstraint(
                name="extension_decided_has_moment",
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                violation_error_message=_("Đề nghị đã duyệt phải có thời điểm duyệt."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.dossier_id, self.status)


class FormKind(models.TextChoices):
    """The printed forms of the one-stop mechanism, whatever their number in a given set."""

    RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT = "supplement", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận, giải quyết hồ sơ")
    APOLOGY = "apology", _("Phiếu xin lỗi")
    STOP = "stop", _("Thông báo dừng giải quyết hồ sơ")
    CONTROL = "control", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    LOG = "log", _("Sổ theo dõi hồ sơ")


class PrintedForm(models.Model):
    """One form of one set, in force from ``valid_from``: its number, title, the name of the unit
    that issues it and the text it is issued under. A document prints with the row of its kind in
    force on the document's date (``dossiers/printed_forms.py``); no row, no form (the 2018 set
    has no stop notice)."""

    kind = models.CharField(_("loại mẫu"), max_length=10, choices=FormKind.choices)
    valid_from = models.DateField(_("áp dụng từ ngày"))
    number = models.CharField(_("mẫu số"), max_length=10)
    title = models.CharField(_("tên mẫu"), max_length=300)
    unit_name = models.CharField(
        _("tên đơn vị tiếp nhận"),
        max_length=200,
        help_text=_("Ví dụ: Bộ phận Một cửa; Trung tâm phục vụ hành chính công. Tên phường in sau."),
    )
    legal_basis = models.CharField(_("ban hành kèm theo"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mẫu in")
        verbose_name_plural = _("mẫu in")
        ordering = ["-valid_from", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"], name="printed_form_unique")]

    def __str__(self) -> str:
        return "{} {} ({:%d/%m/%Y})".format(self.number, self.title, self.valid_from)


class Rating(models.Model):
    """The applicant's satisfaction with one dossier (one rating per dossier)."""

    class Value(models.TextChoices):
        VERY_SATISFIED = "very", _("Rất hài lòng")
        SATISFIED = "yes", _("Hài lòng")
        NOT_SATISFIED = "no", _("Không hài lòng")

    class Source(models.TextChoices):
        OFFICER = "officer", _("Cán bộ ghi nhận")
        PUBLIC = "public", _("Công dân tự đánh giá")

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="rating")
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="+")
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("mức độ hài lòng"), max_length=4, choices=Value.choices)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    comment = models.CharField(_("góp ý"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("thời điểm đánh giá"))

    class Meta:
        verbose_name = _("đánh giá")
        verbose_name_plural = _("đánh giá")
        indexes = [models.Index(fields=["ward", "rated_at"], name="rating_ward_rated")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.value}"


class CodeCounter(models.Model):
    """Next sequence number of dossier codes per ward and year (row-locked when incremented)."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ward", "year"], name="code_counter_unique")]

    def __str__(self) -> str:
        return f"{self.ward_id}-{self.year}: {self.last}"


class DailyCodeCounter(models.Model):
    """Next sequence number of dossier codes per ward, series and local day (row-locked when
    incremented): the Thông tư 04/2025 format, and ward schemes that restart every day."""

    class Series(models.TextChoices):
        WARD = "ward", _("Mẫu mã của phường")
        TT04 = "tt04", _("Thông tư 04/2025/TT-VPCP")

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=4, choices=Series.choices)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ward", "series", "day"], name="daily_code_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ward_id}-{self.series}-{self.day}: {self.last}"


DEFAULT_CODE_PATTERN = "{ward}-{year}-{seq:06d}"


class CodeScheme(models.Model):
    """How one ward numbers its dossiers (data, edited by the administrator).

    Without a row the default pattern applies, the one every existing code was made with. The
    pattern's fields: {ward} (the ward's code), {year}, {yy}, {mm}, {dd}, {seq} (with a width,
    e.g. {seq:06d}); the sequence restarts every year, or every day when the pattern names the day.
    The e-ID code and the platform owner are those of Thông tư 04/2025/TT-VPCP, used for
    nationally centralised procedures."""

    class Reset(models.TextChoices):
        YEAR = "year", _("Đánh số lại mỗi năm")
        DAY = "day", _("Đánh số lại mỗi ngày")

    ward = models.OneToOneField(
        Ward, on_delete=models.CASCADE, related_name="code_scheme", verbose_name=_("phường")
    )
    pattern = models.CharField(
        _("mẫu mã hồ sơ"),
        max_length=80,
        default=DEFAULT_CODE_PATTERN,
        help_text=_("Các trường: {ward}, {year}, {yy}, {mm}, {dd}, {seq:06d}."),
    )
    reset = models.CharField(_("đánh số lại"), max_length=4, choices=Reset.choices, default=Reset.YEAR)
    agency_code = models.CharField(
        _("mã định danh điện tử của cơ quan"),
        max_length=12,
        blank=True,
        help_text=_("Dạng MX1X2.Y1Y2Y3.Z1Z2 (Thông tư 04/2025/TT-VPCP), ví dụ H43.021.09."),
    )
    platform_owner = models.CharField(
        _("mã đơn vị chủ quản nền tảng"),
        max_length=2,
        blank=True,
        help_text=_("Hai ký tự AA của mã hồ sơ theo Thông tư 04/2025/TT-VPCP."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mẫu mã hồ sơ")
        verbose_name_plural = _("mẫu mã hồ sơ")

    def __str__(self) -> str:
        return "{} · {}".format(self.ward, self.pattern)


# -- PAKN: citizens' petitions and recommendations (phản ánh, kiến nghị) ---------------------------

# The handling time when a type names none: 10 working days from receipt [L: the usual figure in
# provincial PAKN rules]; each type carries its own, editable by the administrator.
PETITION_DEFAULT_WORKING_DAYS = 10


class PetitionSubject(models.TextChoices):
    PROCEDURE = "procedure", _("Thủ tục hành chính, quy định hành chính")
    STAFF = "staff", _("Hành vi, thái độ của cán bộ, công chức")
    OTHER = "other", _("Nội dung khác")


class PetitionType(models.Model):
    """A kind of petition and its handling time in working days (data, not code)."""

    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên loại phản ánh, kiến nghị"), max_length=200)
    subject = models.CharField(_("đối tượng"), max_length=12, choices=PetitionSubject.choices)
    deadline_working_days = models.PositiveSmallIntegerField(
        _("thời hạn xử lý (ngày làm việc)"), default=PETITION_DEFAULT_WORKING_DAYS
    )
    active = models.BooleanField(_("đang dùng"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loại phản ánh, kiến nghị")
        verbose_name_plural = _("loại phản ánh, kiến nghị")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="petition_type_deadline_positive",
                condition=Q(deadline_working_days__gte=1, deadline_working_days__lte=90),
                violation_error_message=_("Thời hạn xử lý phải từ 1 đến 90 ngày làm việc."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class PetitionSource(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp tại Bộ phận Một cửa")
    PUBLIC_PAGE = "public", _("Trang công khai của phường")
    PHONE = "phone", _("Điện thoại, đường dây nóng")
    NATIONAL_PORTAL = "portal", _("Cổng Dịch vụ công quốc gia")


class PetitionStatus(models.TextChoices):
    RECEIVED = "received", _("Mới tiếp nhận")
    HANDLING = "handling", _("Đang xử lý")
    REPLIED = "replied", _("Đã trả lời")


class PetitionOutcome(models.TextChoices):
    UPHELD = "upheld", _("Phản ánh đúng, đã khắc phục")
    PARTLY = "partly", _("Đúng một phần, đã khắc phục")
    UNFOUNDED = "unfounded", _("Phản ánh không đúng, đã giải thích")
    REFERRED = "referred", _("Không thuộc thẩm quyền, đã chuyển cơ quan có thẩm quyền")


class PetitionSatisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Hài lòng")
    DISSATISFIED = "dissatisfied", _("Không hài lòng")


class PetitionQuerySet(WardScopedQuerySet):
    ward_lookup = "ward"

    def open(self) -> PetitionQuerySet:
        return self.exclude(status=PetitionStatus.REPLIED)


class Petition(models.Model):
    """One petition or recommendation: who sent it, about what, who handles it, by when, the reply,
    the outcome and whether the petitioner was satisfied. Its events are the timeline."""

    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("phường")
    )
    code = models.CharField(_("mã tra cứu"), max_length=40, unique=True)
    type = models.ForeignKey(
        PetitionType, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("loại")
    )
    source = models.CharField(_("nguồn tiếp nhận"), max_length=10, choices=PetitionSource.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=PetitionStatus.choices, default=PetitionStatus.RECEIVED
    )
    petitioner_name = models.CharField(_("họ tên người phản ánh"), max_length=200)
    petitioner_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    petitioner_email = models.EmailField(_("thư điện tử"), blank=True)
    petitioner_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    petitioner_id_number = models.CharField(_("số CCCD"), max_length=12, blank=True)
    content = models.TextField(_("nội dung phản ánh, kiến nghị"))
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"))
    due_on = models.DateField(_("hạn xử lý"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions_handled",
        verbose_name=_("cán bộ xử lý"),
    )
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("hồ sơ liên quan"),
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions_about",
        verbose_name=_("cán bộ bị phản ánh"),
    )
    outcome = models.CharField(_("kết quả xử lý"), max_length=10, choices=PetitionOutcome.choices, blank=True)
    replied_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    replied_on = models.DateField(_("ngày trả lời"), null=True, blank=True)
    satisfaction = models.CharField(
        _("mức độ hài lòng"), max_length=12, choices=PetitionSatisfaction.choices, blank=True
    )
    # None: sent by the citizen from the public page, nobody of the ward typed it in.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions_created",
        verbose_name=_("người tiếp nhận"),
    )

    objects = PetitionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["ward", "status", "due_on"]),
            models.Index(fields=["ward", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="petition_replied_has_outcome",
                condition=~Q(status="replied")
                | (Q(replied_at__isnull=False, replied_on__isnull=False) & ~Q(outcome="")),
                violation_error_message=_("Phản ánh đã trả lời phải có thời điểm trả lời và kết quả."),
            ),
            models.CheckConstraint(
                name="petition_satisfaction_after_reply",
                condition=Q(satisfaction="") | Q(status="replied"),
                violation_error_message=_("Chỉ ghi nhận mức độ hài lòng sau khi đã trả lời."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status != PetitionStatus.REPLIED

    @property
    def handled_on_time(self) -> bool | None:
        """Replied on or before the due day; None while open."""
        return None if self.replied_on is None else self.replied_on <= self.due_on

    def is_overdue(self, on) -> bool:
        return self.is_open and self.due_on < on


class PetitionEvent(models.Model):
    """One step of a petition (received, assigned, linked, replied, rated): its timeline."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("thao tác"), max_length=20)
    at = models.DateTimeField(_("thời điểm"))
    # None: the petitioner's own step on the public page (sending it, rating the reply).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("người thực hiện"),
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("sự kiện phản ánh")
        verbose_name_plural = _("sự kiện phản ánh")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return "{} {}".format(self.petition_id, self.kind)


class PetitionReply(models.Model):
    """A written reply to the petitioner: progress notes before the answer, then the answer."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(_("nội dung trả lời"))
    final = models.BooleanField(_("trả lời chính thức"), default=False)
    at = models.DateTimeField(_("thời điểm"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("người trả lời")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trả lời phản ánh")
        verbose_name_plural = _("trả lời phản ánh")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return "{} {}".format(self.petition_id, self.at)


class NoticeEvent(models.TextChoices):
    RECEPTION = "reception", _("Tiếp nhận hồ sơ")
    SUPPLEMENT = "supplement", _("Yêu cầu bổ sung")
    APPOINTMENT_MOVED = "moved", _("Dời ngày hẹn trả")
    APOLOGY = "apology", _("Thư xin lỗi, hẹn lại")
    RESULT_READY = "result", _("Đã có kết quả")
    RATING = "rating", _("Mời đánh giá")


class NoticeTemplate(models.Model):
    """The text of one notice on one channel, edited by the administrator (Django template
    syntax: {{ code }}, {{ procedure }}, {{ ward }}, {{ due }}, {{ items }}, {{ new_due }}, {{ link }})."""

    event = models.CharField(_("sự kiện"), max_length=12, choices=NoticeEvent.choices)
    channel = models.CharField(_("kênh"), max_length=5, choices=NoticeChannel.choices)
    subject = models.CharField(_("tiêu đề thư"), max_length=200, blank=True)
    text = models.TextField(_("nội dung"))

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        ordering = ["event", "channel"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="notice_template_unique")]

    def __str__(self) -> str:
        return "{} · {}".format(self.get_event_display(), self.get_channel_display())


class Notice(models.Model):
    """One notice to the applicant, its delivery logged on the dossier's timeline."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="notices")
    event = models.CharField(_("sự kiện"), max_length=12, choices=NoticeEvent.choices)
    channel = models.CharField(_("kênh"), max_length=5, choices=NoticeChannel.choices)
    address = models.CharField(_("địa chỉ nhận (đã che)"), max_length=254)
    status = models.CharField(_("trạng thái"), max_length=6, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("lỗi"), blank=True)
    subject = models.CharField(_("tiêu đề"), max_length=200, blank=True)
    text = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)
    sent_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return "{} · {} · {}".format(self.dossier_id, self.event, self.status)


class OfficerDigest(models.Model):
    """One officer's morning summary (``manage.py send_digests``), shown on the home page and
    e-mailed when e-mail is configured. Leaders also get their ward's counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    due_today = models.PositiveIntegerField(_("đến hạn hôm nay"), default=0)
    due_next = models.PositiveIntegerField(_("đến hạn ngày làm việc tiếp theo"), default=0)
    overdue = models.PositiveIntegerField(_("quá hạn"), default=0)
    # The ward's online submissions waiting for an officer to accept them.
    online_waiting = models.PositiveIntegerField(_("hồ sơ trực tuyến chờ tiếp nhận"), default=0)
    ward_overdue = models.PositiveIntegerField(_("phường: quá hạn"), null=True, blank=True)
    ward_late_without_apology = models.PositiveIntegerField(
        _("phường: trễ hạn chưa có thư xin lỗi"), null=True, blank=True
    )
    emailed = models.BooleanField(_("đã gửi thư"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bản tin hằng ngày")
        verbose_name_plural = _("bản tin hằng ngày")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="officer_digest_once_a_day")]

    def __str__(self) -> str:
        return "{} · {}".format(self.user_id, self.day)

    @property
    def is_empty(self) -> bool:
        return not (
            self.due_today
            or self.due_next
            or self.overdue
            or self.online_waiting
            or self.ward_overdue
            or self.ward_late_without_apology
        )


class OnlineSubmission(models.Model):
    """A dossier submitted online (national or provincial portal, or typed in from an e-mail),
    waiting in the ward's inbox until an officer accepts it or refuses it.

    It is not a dossier yet: no Biểu 06 figure, worklist or export of dossiers counts it. Accepting
    it receives the dossier (``workflow.accept_submission``) at the acceptance moment, so the clock
    starts then (docs/deadlines.md); refusing it records the reason and nothing else.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Chờ tiếp nhận")
        ACCEPTED = "accepted", _("Đã tiếp nhận")
        REFUSED = "refused", _("Từ chối tiếp nhận")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Cổng dịch vụ công")
        MANUAL = "manual", _("Nhập tay")

    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="online_submissions", verbose_name=_("phường")
    )
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="online_submissions", verbose_name=_("thủ tục")
    )
    # Denormalised from the procedure: the personal-data rule reads the field's officers.
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+", verbose_name=_("lĩnh vực"))
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    # The portal's dossier code (MaHoSo): a portal sending the same submission twice finds the first.
    official_code = models.CharField(_("mã hồ sơ quốc gia"), max_length=60, blank=True)
    submitted_at = models.DateTimeField(_("thời điểm nộp trực tuyến"))
    # One working day after the first working moment at or after submission (dossiers/deadlines.py):
    # waiting past it, the submission is listed as waiting too long.
    accept_by = models.DateTimeField(_("hạn tiếp nhận"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.WAITING)

    applicant_name = models.CharField(_("họ tên người nộp"), max_length=200)
    applicant_id_number = models.CharField(_("số CCCD / mã số thuế"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    documents = models.TextField(_("thành phần hồ sơ"), blank=True)
    fee = models.DecimalField(_("phí, lệ phí (đồng)"), max_digits=12, decimal_places=0, null=True, blank=True)
    paid_online = models.BooleanField(_("thanh toán trực tuyến"), default=False)

    decided_at = models.DateTimeField(_("thời điểm xử lý"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xử lý"),
    )
    refusal_reason = models.CharField(_("lý do từ chối"), max_length=300, blank=True)
    dossier = models.OneToOneField(
        Dossier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_submission",
        verbose_name=_("hồ sơ"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người ghi nhận")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hồ sơ nộp trực tuyến")
        verbose_name_plural = _("hồ sơ nộp trực tuyến")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "official_code"],
                condition=~Q(official_code=""),
                name="online_submission_code_unique",
            ),
            models.CheckConstraint(
                name="online_submission_decided",
                condition=Q(state="waiting", decided_at__isnull=True)
                | Q(state__in=["accepted", "refused"], decided_at__isnull=False),
                violation_error_message=_("Hồ sơ đã xử lý phải có thời điểm xử lý."),
            ),
        ]
        indexes = [models.Index(fields=["ward", "state", "accept_by"], name="online_ward_state")]

    def __str__(self) -> str:
        return "{} · {:%d/%m/%Y %H:%M}".format(self.official_code or self.pk, self.submitted_at)

    @property
    def is_waiting(self) -> bool:
        return self.state == self.State.WAITING


# The facts tables maintained on write (dossiers/facts.py).
from dossiers.fact_models import DayFact, DossierFact, MonthFact, YearFact  # noqa: E402, F401
