"""The demo tells the article's story: its figures come out of the engine, not out of the seeder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from dossiers.models import ApologyLetter, Dossier, DossierEvent, Hop, OnlineSubmission, Status
from parindex import demo
from parindex.analytics import indicators
from parindex.base import periods
from parindex.base.models import Ward

PERIOD = periods.custom(date(2023, 1, 1), date(2023, 5, 31))


@pytest.fixture(scope="module")
def binh_hung(django_db_setup, django_db_blocker):
    """Bình Hưng's story, seeded once for this module and rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo.seed(other_wards=False)
            yield Ward.objects.get(code="BH")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_article_figures_come_out_of_the_engine(binh_hung):
    counts = sum(indicators.dossier_counts([binh_hung.id], PERIOD).values(), indicators.DossierCounts())
    assert counts.received == 741
    assert counts.carried_over == 33
    assert counts.received_online == 236
    assert counts.received_offline == 472
    assert (counts.received_in_person, counts.received_post) == (445, 27)
    assert counts.resolved == 710
    assert (counts.resolved_before, counts.resolved_on_time, counts.resolved_late) == (643, 50, 17)
    assert (counts.in_progress, counts.in_progress_within, counts.in_progress_overdue) == (31, 31, 0)
    assert counts.identity_errors() == []


@pytest.mark.django_db
def test_seventeen_apology_letters_in_the_land_field_blame_the_land_office(binh_hung):
    letters = ApologyLetter.objects.filter(
        ward=binh_hung, issued_at__gte=PERIOD.start_at, issued_at__lt=PERIOD.end_at
    ).select_related("field", "agency_at_fault", "dossier")
    assert len(letters) == 17
    assert {letter.field.code for letter in letters} == {"DD"}
    assert {letter.agency_at_fault.code for letter in letters} == {"CN-VPDKDD"}
    for letter in letters:
        # issued before the appointment, and the dossier was really late at the land office
        assert letter.issued_at.date() < letter.dossier.due_date < letter.dossier.resolved_on
        assert Hop.objects.filter(dossier=letter.dossier, result=Hop.Result.LATE).exists()


@pytest.mark.django_db
def test_plan_staffing_and_ratios_tell_the_story(binh_hung):
    ward = indicators.summary([binh_hung.id], PERIOD).total
    values = {(v.definition.code, v.field_id): v for v in ward.cards}
    assert values[("tasks_done_rate", None)].value == indicators.Ratio(42, 56)
    assert values[("tasks_done_rate", None)].value.value == Decimal("75.0")
    assert values[("on_time_rate", None)].value == indicators.Ratio(693, 710)
    assert values[("online_rate", None)].value == indicators.Ratio(236, 708)
    assert values[("online_rate", None)].assessment.status == "met"
    e_circulation = values[("e_circulation_rate", None)]
    assert Decimal("40") < e_circulation.value.value < Decimal("50")
    assert e_circulation.assessment.status in {"at_risk", "missed"}
    assert values[("satisfaction", None)].value.value >= Decimal("84")
    land = next(v for (code, field_id), v in values.items() if code == "satisfaction" and field_id)
    assert land.value.value < Decimal("82")
    assert ward.indicators["vacancies"].value == 3


@pytest.mark.django_db
def test_demo_dossiers_have_real_workflow_history(binh_hung):
    dossiers = Dossier.objects.filter(ward=binh_hung)
    assert dossiers.filter(status=Status.REJECTED).count() == 3
    # every dossier starts with its reception event, and every closed one has its closing move
    assert DossierEvent.objects.filter(dossier__ward=binh_hung, kind="receive").count() == dossiers.count()
    closed = dossiers.filter(status__in=[Status.RETURNED, Status.RESOLVED])
    assert DossierEvent.objects.filter(dossier__in=closed, kind="resolve").count() == closed.count()
    assert dossiers.filter(supplements__isnull=False).distinct().exists()
    historical = Dossier.history.model.objects.filter(ward_id=binh_hung.id)
    assert historical.values("id").distinct().count() == dossiers.count()
    assert historical.filter(history_user__username="tuphap").exists()


@pytest.mark.django_db
def test_seed_command_is_idempotent(binh_hung, capsys):
    before = Dossier.objects.count()
    call_command("seed_demo", "--if-empty")
    out = capsys.readouterr().out
    assert "already present" in out and "chutich" in out
    assert Dossier.objects.count() == before


@pytest.mark.django_db
def test_the_inbox_holds_online_submissions_that_no_figure_counts(binh_hung):
    states = sorted(OnlineSubmission.objects.filter(ward=binh_hung).values_list("state", flat=True))
    assert states == ["refused", "waiting", "waiting"]
    assert not Dossier.objects.filter(official_code__startswith="G22.44-2305").exists()


def test_service_index_shows_binh_hung_what_to_act_on(binh_hung):
    """QĐ 766 from the same records: online payment only from April, PAKN answered late, few
    results synced to the citizen's storage; the official May score stands beside ours."""
    from parindex.analytics import service_index

    march, april, may = (service_index.board([binh_hung.id], periods.month(2023, m)) for m in (3, 4, 5))
    assert march.wards[binh_hung.id].facts.paid_online == 0
    assert april.wards[binh_hung.id].facts.paid_online > 0
    first_half = service_index.board([binh_hung.id], periods.year(2023))
    facts = first_half.wards[binh_hung.id].facts
    assert facts.pakn_due == 6 and facts.pakn_on_time == 2
    unit = may.wards[binh_hung.id]
    digitisation = {s.sub.code: s for s in unit.groups["digitisation"].subs}
    assert digitisation["digitisation.synced"].ratio.value < Decimal("40")
    assert unit.total is not None and unit.official_total == Decimal("75.00")
    # the index of the ward is the sum of its groups
    assert unit.total == sum(g.points for g in unit.groups.values())
