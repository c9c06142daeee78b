"""generate_load: bulk-written load data is what the workflow would have written, and --cleanup
removes exactly it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F, Q

from bench import generate_load
from dossiers import calendar, deadlines
from dossiers.models import ApologyLetter, CodeCounter, Dossier, DossierEvent, Hop, Rating, Status
from parindex.analytics import indicators
from parindex.base import periods
from parindex.base.models import City, Membership, Ward
from tasks.models import Plan

END = date(2024, 6, 28)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _generate(**extra):
    options = {"wards": 2, "years": 2, "per_ward_year": 60, "seed": 7, "city": "LOADTEST", "end": END}
    options.update(extra)
    call_command(generate_load.Command(), **{k.replace("-", "_"): v for k, v in options.items()})


def _fingerprint() -> list[tuple]:
    return list(
        Dossier.objects.filter(ward__city__code="LOADTEST")
        .order_by("code")
        .values_list("code", "received_at", "channel", "status", "due_date", "resolved_at")
    )


@pytest.mark.django_db(transaction=True)
def test_load_data_reconciles_through_the_engine_and_cleanup_removes_it(ward):
    _generate()
    wards = list(Ward.objects.filter(city__code="LOADTEST"))
    assert len(wards) == 2
    ward_ids = [w.id for w in wards]
    dossiers = Dossier.objects.filter(ward_id__in=ward_ids)
    assert dossiers.count() == 2 * 2 * 60

    # Every period's Biểu 06 identities hold, per ward and field and in total.
    for period in (periods.year(2023), periods.year(2024), periods.month(2024, 6), periods.quarter(2023, 4)):
        result = indicators.summary(ward_ids, period)
        assert result.total.counts.identity_errors() == []
        for ward_indicators in result.wards.values():
            for counts, _service in ward_indicators.by_field.values():
                assert counts.identity_errors() == []
    total = indicators.summary(ward_ids, periods.custom(date(2023, 1, 1), END)).total
    assert total.counts.received == dossiers.exclude(status=Status.REJECTED).count()
    assert total.counts.resolved == dossiers.filter(resolved_at__isnull=False).count()
    assert (
        total.counts.in_progress
        == dossiers.filter(status__in=["received", "in_progress", "supplement", "at_agency"]).count()
    )
    assert (
        total.counts.resolved_late
        == dossiers.filter(status__in=["resolved", "returned"], resolved_at__gt=F("due_at")).count()
    )

    # The row facts are the workflow's: due dates from the calendar, closing facts with the status.
    for d in dossiers.select_related("procedure"):
        assert d.original_due_date == deadlines.due_date_for(d.procedure, d.received_at, d.channel)
        # The due moment moves by the working minutes paused (issue 12), from the close of the day.
        original = calendar.close_of(d.original_due_date)
        assert d.due_at == deadlines.moved_by(original, d.paused_minutes)
        assert d.due_date == calendar.local_date(d.due_at)
        changes = list(d.due_changes.all())
        assert changes[0].kind == "reception" and changes[0].due_at == original
        assert (changes[-1].effective_at, changes[-1].due_at is None) == (d.due_since, d.due_paused)
        assert d.field_id == d.procedure.field_id
        closed = d.status in ("resolved", "returned", "withdrawn", "stopped")
        assert (d.resolved_at is not None) == closed
        if closed:
            assert d.resolved_on == calendar.local_date(d.resolved_at)
        events = list(d.events.order_by("at", "id"))
        assert events[0].kind == "receive" and events[0].at == d.received_at
        assert [e.at for e in events] == sorted(e.at for e in events)
        moves = [e for e in events if e.kind != "rate"]
        assert moves[-1].to_status == d.status
        assert d.search_text.startswith(d.code.lower())
    assert not dossiers.filter(status=Status.AT_AGENCY).exclude(hops__returned_at__isnull=True).exists()
    assert not Hop.objects.filter(returned_at__lt=F("sent_at")).exists()
    assert not ApologyLetter.objects.filter(~Q(ward_id=F("dossier__ward_id"))).exists()
    assert not Rating.objects.filter(~Q(field_id=F("dossier__field_id"))).exists()
    assert Rating.objects.filter(ward_id__in=ward_ids).exists()
    assert CodeCounter.objects.filter(ward_id__in=ward_ids, year=2024, last=60).count() == 2
    assert Plan.objects.filter(ward_id__in=ward_ids).count() == 4
    assert Membership.objects.filter(ward_id__in=ward_ids).count() == 12

    # Deterministic: the same arguments give the same rows.
    first = _fingerprint()
    with pytest.raises(CommandError):
        _generate()
    call_command(generate_load.Command(), city="LOADTEST", cleanup=True)
    _generate()
    assert _fingerprint() == first

    call_command(generate_load.Command(), city="LOADTEST", cleanup=True)
    assert not City.objects.filter(code="LOADTEST").exists()
    assert not Dossier.objects.filter(ward_id__in=ward_ids).exists()
    assert not DossierEvent.objects.filter(dossier__ward_id__in=ward_ids).exists()
    assert not get_user_model().objects.filter(username__startswith="loadtest_").exists()
    assert Ward.objects.filter(pk=ward.pk).exists()  # other wards are untouched


def test_city_code_must_carry_the_load_prefix(db):
    with pytest.raises(CommandError):
        call_command(generate_load.Command(), city="PT", cleanup=True)


def test_remove_dossiers_takes_the_benchs_creations_and_their_facts_away(ward, officer_datdai):
    """The HTTP bench logs dossiers through the counter form; ``remove_dossiers`` deletes them with
    their events and rebuilds the ward's facts, so the next run measures the same data."""
    from dossiers import workflow
    from dossiers.fact_models import DayFact
    from dossiers.models import Channel, Procedure

    _generate()
    load_ward = Ward.objects.filter(city__code="LOADTEST").order_by("code").first()
    officer = get_user_model().objects.get(username="loadtest_001_motcua")
    kept = sorted(DayFact.objects.filter(ward=load_ward).values_list("field_id", "day", "new_in_person"))
    made = workflow.receive(
        ward=load_ward,
        procedure=Procedure.objects.get(code="2.000815"),
        channel=Channel.IN_PERSON,
        received_at=datetime(2024, 6, 28, 9, tzinfo=VN),
        applicant_name="Nguyễn Văn Tải",
        by=officer,
    )
    workflow.start(made, by=officer, at=datetime(2024, 6, 28, 10, tzinfo=VN))
    assert (
        sorted(DayFact.objects.filter(ward=load_ward).values_list("field_id", "day", "new_in_person")) != kept
    )
    assert generate_load.remove_dossiers([made.id]) == 1
    assert not Dossier.objects.filter(id=made.id).exists()
    assert not DossierEvent.objects.filter(dossier_id=made.id).exists()
    assert not Dossier.history.model.objects.filter(id=made.id).exists()
    assert (
        sorted(DayFact.objects.filter(ward=load_ward).values_list("field_id", "day", "new_in_person")) == kept
    )
    assert indicators.facts_differences([load_ward.id], periods.month(2024, 6)) == []
    # Never a real ward's dossier.
    real = workflow.receive(
        ward=ward,
        procedure=Procedure.objects.get(code="2.000815"),
        channel=Channel.IN_PERSON,
        received_at=datetime(2024, 6, 28, 9, tzinfo=VN),
        applicant_name="Trần Thị Bình",
        by=officer_datdai,
    )
    with pytest.raises(CommandError):
        generate_load.remove_dossiers([real.id])
    assert Dossier.objects.filter(id=real.id).exists()
    call_command(generate_load.Command(), city="LOADTEST", cleanup=True)
