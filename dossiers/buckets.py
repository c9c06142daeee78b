"""What each Biểu 06 bucket means as a condition on the dossier rows of a period.

The indicator engine (``parindex.analytics.indicators``) counts these conditions in grouped
aggregates and checks its facts against them; the register's drill-down lists exactly the dossiers
of one bucket (``bucket_queryset``). They are the register's own rules (the deadline predicates of
``dossiers.deadlines`` applied to a period's half-open bounds), so they live in the register app and
the register needs nothing above it to show the dossiers behind a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

from dossiers import deadlines
from dossiers.models import ApologyLetter, Channel, Dossier, Hop, Status
from parindex.base.periods import Period

DERIVED_BUCKETS = ("received_new", "received_offline")


SERVICE_BUCKETS = (
    "circulated",
    "e_circulated",
    "fee_due",
    "paid_online",
    "digitised",
    "electronic_result",
    "needs_apology",
    "apology_missing",
)


RATING_BUCKETS = ("rated", "rated_satisfied")


APOLOGY_BUCKETS = ("apology_issued",)


BUCKET_LABELS = {
    "received": _("Tổng số hồ sơ tiếp nhận"),
    "received_online": _("Tiếp nhận trực tuyến trong kỳ"),
    "received_in_person": _("Tiếp nhận trực tiếp trong kỳ"),
    "received_post": _("Tiếp nhận qua bưu chính trong kỳ"),
    "carried_over": _("Từ kỳ trước chuyển sang"),
    "resolved": _("Đã giải quyết"),
    "resolved_before": _("Giải quyết trước hạn"),
    "resolved_on_time": _("Giải quyết đúng hạn"),
    "resolved_late": _("Giải quyết quá hạn"),
    "in_progress": _("Đang giải quyết"),
    "in_progress_within": _("Đang giải quyết trong hạn"),
    "in_progress_overdue": _("Đang giải quyết quá hạn"),
    "received_new": _("Mới tiếp nhận trong kỳ"),
    "received_offline": _("Tiếp nhận trực tiếp và bưu chính trong kỳ"),
    "circulated": _("Có luân chuyển giữa các cơ quan"),
    "e_circulated": _("Luân chuyển điện tử"),
    "fee_due": _("Có phí, lệ phí"),
    "paid_online": _("Thanh toán trực tuyến"),
    "digitised": _("Số hóa khi tiếp nhận"),
    "electronic_result": _("Trả kết quả điện tử"),
    "needs_apology": _("Trễ hạn (cần thư xin lỗi)"),
    "apology_missing": _("Trễ hạn chưa có thư xin lỗi"),
    "apology_issued": _("Đã có thư xin lỗi trong kỳ"),
    "rated": _("Có đánh giá trong kỳ"),
    "rated_satisfied": _("Hài lòng, rất hài lòng"),
}


def for_handling_q(period: Period) -> Q:
    """Received for handling in the period: received before E, not resolved before S."""
    return Q(received_at__lt=period.end_at) & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.start_at)
    )


def conditions_by_bucket(period: Period, *, now: datetime | None = None) -> dict[str, Q]:
    """The condition of each bucket, to be applied inside ``for_handling_q``. Every deadline condition
    comes from ``dossiers.deadlines``: the due moment in force at the period's end, judged on its
    last day (or today, for a period not yet ended)."""

    start_at, end_at = period.start_at, period.end_at
    judge = deadlines.judged_at(end_at, now=now)
    new = Q(received_at__gte=start_at)
    resolved = Q(resolved_at__isnull=False, resolved_at__lt=end_at)
    in_progress = Q(resolved_at__isnull=True) | Q(resolved_at__gte=end_at)
    overdue = in_progress & deadlines.open_overdue_q(end_at, judge)
    within = in_progress & deadlines.open_within_q(end_at, judge)
    resolved_late = resolved & deadlines.resolved_late_q()
    needs_apology = resolved_late | overdue
    # "Has a hop / a letter" as a scalar subquery (first id or NULL), not EXISTS: inside a
    # COUNT(...) FILTER PostgreSQL may turn an EXISTS into a hashed subplan that reads the whole
    # hop and letter tables on every dashboard request, so the ward dashboard grew with the
    # province's data (160 ms at 1M dossiers). A scalar subquery is always an index probe per
    # dossier, and only for the rows that reach it (docs/performance.md).
    first_hop = Subquery(Hop.objects.filter(dossier_id=OuterRef("pk")).order_by().values("id")[:1])
    has_hop = Q(IsNull(first_hop, False))
    # Only a letter issued before the due moment is a timely apology.
    has_letter = deadlines.timely_letter_exists()
    circulated = new & (Q(e_circulated=True) | has_hop)
    fee_due = new & Q(fee__gt=0)
    return {
        "received": Q(),
        "received_online": new & Q(channel=Channel.ONLINE),
        "received_in_person": new & Q(channel=Channel.IN_PERSON),
        "received_post": new & Q(channel=Channel.POST),
        "carried_over": Q(received_at__lt=start_at),
        "resolved": resolved,
        "resolved_before": resolved & deadlines.resolved_before_q(),
        "resolved_on_time": resolved & deadlines.resolved_on_time_q(),
        "resolved_late": resolved_late,
        "in_progress": in_progress,
        "in_progress_within": within,
        "in_progress_overdue": overdue,
        "received_new": new,
        "received_offline": new & Q(channel__in=[Channel.IN_PERSON, Channel.POST]),
        "circulated": circulated,
        "e_circulated": new & Q(e_circulated=True),
        "fee_due": fee_due,
        "paid_online": fee_due & Q(paid_online=True),
        "digitised": new & Q(digitised_at_reception=True),
        "electronic_result": resolved & Q(electronic_result=True),
        "needs_apology": needs_apology,
        "apology_missing": needs_apology & ~has_letter,
    }


def bucket_conditions(period: Period, *, now: datetime | None = None) -> tuple[Q, dict[str, Q]]:
    """The period's "received for handling" condition and each bucket's condition inside it, for
    another grouped aggregate that must count exactly what the Biểu 06 counts (the service index)."""
    return for_handling_q(period), conditions_by_bucket(period, now=now)


def accepted_dossiers(ward_ids: Iterable[int], field_id: int | None):
    qs = Dossier.objects.filter(ward_id__in=list(ward_ids)).exclude(status=Status.REJECTED)
    if field_id is not None:
        qs = qs.filter(field_id=field_id)
    return qs


def bucket_queryset(
    ward_ids: Iterable[int],
    period: Period,
    bucket: str,
    *,
    field_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """Exactly the dossiers counted in ``bucket`` (drill-down). Unknown bucket: ValueError."""
    ward_ids = list(ward_ids)
    if bucket in RATING_BUCKETS:
        cond = Q(
            rating__ward_id__in=ward_ids,
            rating__rated_at__gte=period.start_at,
            rating__rated_at__lt=period.end_at,
        )
        if bucket == "rated_satisfied":
            cond &= Q(rating__value__in=SATISFIED_VALUES)
        if field_id is not None:
            cond &= Q(rating__field_id=field_id)
        return Dossier.objects.filter(cond)
    if bucket in APOLOGY_BUCKETS:
        letters = apology_letters(ward_ids, period, field_id).filter(dossier_id=OuterRef("pk"))
        return Dossier.objects.filter(Exists(letters))
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    condition = conditions_by_bucket(period, now=now)[bucket]
    return accepted_dossiers(ward_ids, field_id).filter(for_handling_q(period) & condition)


SATISFIED_VALUES = ("very", "yes")


def apology_letters(ward_ids: list[int], period: Period, field_id: int | None):
    qs = ApologyLetter.objects.filter(
        ward_id__in=ward_ids, issued_at__gte=period.start_at, issued_at__lt=period.end_at
    )
    if field_id is not None:
        qs = qs.filter(field_id=field_id)
    return qs


# Every bucket a figure or a drill-down can name.
BUCKETS = tuple(BUCKET_LABELS)
