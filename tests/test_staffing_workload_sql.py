"""The workload's dossier figures in one SQL statement give what the three queries merged in
Python gave (the implementation before issue 15, kept here as the reference)."""

# ruff: noqa: F811  (fixtures imported from test_staffing)
from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import Count, Q

from dossiers.models import Dossier, DossierEvent, Status
from parindex.analytics import workload
from parindex.base.periods import custom
from parindex.staffing import services
from tests.test_staffing import JAN_1, _at, dossier, procedure  # noqa: F401


def _reference(ward_id: int, user_ids: list[int], period) -> dict[int, tuple[int, int]]:
    """The three queries and the Python merge of ``workload`` before the single statement."""
    start_at, end_at = period.start_at, period.end_at
    dossiers = Dossier.objects.filter(ward_id=ward_id).exclude(status=Status.REJECTED).order_by()
    received = dict(
        dossiers.filter(created_by_id__in=user_ids, received_at__gte=start_at, received_at__lt=end_at)
        .values_list("created_by_id")
        .annotate(n=Count("id"))
    )
    handled: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    assigned_open = dossiers.filter(assignee_id__in=user_ids, received_at__lt=end_at).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=start_at)
    )
    for user_id, dossier_id in assigned_open.values_list("assignee_id", "id"):
        handled[user_id].add(dossier_id)
    events = DossierEvent.objects.filter(
        by_id__in=user_ids, at__gte=start_at, at__lt=end_at, dossier__ward_id=ward_id
    ).exclude(dossier__status=Status.REJECTED)
    for user_id, dossier_id in events.order_by().values_list("by_id", "dossier_id").distinct():
        handled[user_id].add(dossier_id)
    return {u: (received.get(u, 0), len(handled[u])) for u in user_ids}


def test_single_statement_matches_the_python_merge(
    ward, other_ward, make_user, officer_other_ward, dossier, django_assert_num_queries
):
    rng = random.Random(2023)
    users = [make_user("cb{}".format(n), role="officer", ward=ward) for n in range(5)]
    for n, user in enumerate(users):
        services.create_official(ward=ward, full_name="Cán bộ {}".format(n), start=JAN_1, user=user)
    made = []
    for _ in range(120):
        received = _at(1, month=1) + timedelta(hours=rng.randint(0, 24 * 150))
        resolved = received + timedelta(hours=rng.randint(1, 24 * 40)) if rng.random() < 0.6 else None
        status = rng.choice(["received", "in_progress", "rejected"]) if resolved is None else "resolved"
        made.append(
            dossier(
                by=rng.choice(users),
                received_at=received,
                assignee=rng.choice(users + [None]),
                resolved_at=resolved,
                status=status,
            )
        )
    # another ward's dossier the same users act on: never counted for this ward
    stranger = Dossier.objects.create(
        ward=other_ward,
        code="TD-1",
        procedure=made[0].procedure,
        field=made[0].field,
        channel="in_person",
        received_at=_at(2),
        applicant_name="Phạm Thị Hoa",
        created_by=officer_other_ward,
        assignee=users[0],
    )
    for _ in range(300):
        target = rng.choice(made + [stranger])
        DossierEvent.objects.create(
            dossier=target,
            kind="note",
            to_status="in_progress",
            at=target.received_at + timedelta(hours=rng.randint(0, 24 * 60)),
            by=rng.choice(users),
        )
    user_ids = [u.pk for u in users]
    periods = [
        custom(date(2023, 3, 1), date(2023, 3, 31)),
        custom(date(2023, 1, 1), date(2023, 5, 31)),
        custom(date(2023, 2, 15), date(2023, 3, 14)),
        custom(date(2023, 4, 10), date(2023, 4, 10)),
        custom(date(2024, 1, 1), date(2024, 1, 31)),
    ]
    nonzero = 0
    for period in periods:
        expected = _reference(ward.id, user_ids, period)
        with django_assert_num_queries(1):
            got = workload._dossier_counts(ward.id, user_ids, period)
        assert {u: got.get(u, (0, 0)) for u in user_ids} == expected, period
        nonzero += sum(1 for r, h in expected.values() if r or h)
        rows = {r.official.user_id: r for r in workload.workload(ward.id, period)}
        assert {u: (rows[u].dossiers_received, rows[u].dossiers_handled) for u in user_ids} == expected
    assert nonzero > 10  # the fixture exercises the counts, not only zeros
    assert workload._dossier_counts(ward.id, [], periods[0]) == {}
