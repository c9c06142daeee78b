"""Lists at province scale (issue 15): keyset pages for the petitions and the API's dossier list,
fixed query counts whatever the rows, clear answers to bad cursors, and the late hops per agency
from the facts equal to the live engine."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from dossiers import pagination, petitions, workflow
from dossiers.fact_models import AgencyDayFact
from dossiers.models import PetitionSource, PetitionType
from dossiers.petition_views import ORDER as PETITION_ORDER
from dossiers.petition_views import PAGE_SIZE
from parindex.analytics import indicators
from parindex.api import tokens
from parindex.api.models import Scope
from parindex.base import periods
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

# -- petitions: keyset pages ------------------------------------------------------------------------


@pytest.fixture
def many_petitions(ward, officer_tuphap):
    def make(n: int) -> list:
        kind = PetitionType.objects.get(code="PA-TTHC")
        return [
            petitions.receive(
                ward=ward,
                petition_type=kind,
                source=PetitionSource.COUNTER,
                petitioner_name="Người {}".format(i),
                content="Hẹn trả nhiều lần",
                # Several petitions share a reception moment, so the id breaks the ties.
                received_at=at(2023, 3, 1 + i % 9, 8 + i % 2),
                by=officer_tuphap,
            )
            for i in range(n)
        ]

    return make


def _walk(client, url: str, first: dict) -> tuple[list[int], list[dict]]:
    """Follow the "next" links from ``first``; returns the ids in page order and the pages' params."""
    seen, params, pages = [], dict(first), []
    while True:
        response = client.get(url, params)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [p.pk for p in page.object_list]
        pages.append(dict(params))
        if not page.has_next:
            return seen, pages
        params = dict(first, after=page.next_cursor)


def test_petition_pages_cover_every_row_once_forward_and_back(client, officer_tuphap, many_petitions):
    made = many_petitions(2 * PAGE_SIZE + 7)
    client.force_login(officer_tuphap)
    url = reverse("petitions:index")
    seen, pages = _walk(client, url, {"list": "all"})
    expected = [p.pk for p in sorted(made, key=lambda p: (p.due_on, p.received_at, p.pk))]
    assert seen == expected and len(pages) == 3
    # Back from the last page with the "previous" links: the same rows, page by page.
    last = client.get(url, pages[-1]).context["page"]
    back = [p.pk for p in last.object_list]
    page = last
    while page.has_previous:
        page = client.get(url, {"list": "all", "before": page.previous_cursor}).context["page"]
        back = [p.pk for p in page.object_list] + back
    assert back == expected and page.is_first
    # The links carry the list and the filters, never a page number.
    body = client.get(url, {"list": "all", "q": "Người"}).content.decode()
    nav = body[body.find('class="pagination"') :]
    assert re.search(r'href="\?list=all&amp;q=Ng[^"&]+&amp;after=\d+\.\d+\.\d+"', nav), nav[:600]
    assert "page=" not in body


def test_old_page_numbers_still_open_their_page_and_bad_cursors_say_so(
    client, officer_tuphap, many_petitions
):
    made = many_petitions(PAGE_SIZE + 3)
    client.force_login(officer_tuphap)
    url = reverse("petitions:index")
    ordered = [p.pk for p in sorted(made, key=lambda p: (p.due_on, p.received_at, p.pk))]
    second = client.get(url, {"list": "all", "page": "2"}).context["page"]
    assert [p.pk for p in second.object_list] == ordered[PAGE_SIZE:]
    assert not second.has_next and second.previous_cursor
    for bad in ({"after": "1.2"}, {"after": "abc.1.2"}, {"before": "9" * 40}, {"page": "x"}, {"page": "99"}):
        response = client.get(url, {"list": "all", **bad})
        assert response.status_code == 200
        page = response.context["page"]
        assert page.bad_cursor and page.is_first
        assert [p.pk for p in page.object_list] == ordered[:PAGE_SIZE]
        assert "Liên kết trang không hợp lệ" in response.content.decode()


@pytest.mark.parametrize("rows", [3, PAGE_SIZE + 20])
def test_petition_list_queries_are_fixed_and_never_offset(
    client, officer_tuphap, many_petitions, django_assert_max_num_queries, rows
):
    made = many_petitions(rows)
    client.force_login(officer_tuphap)
    url = reverse("petitions:index")
    ordered = sorted(made, key=lambda p: (p.due_on, p.received_at, p.pk))
    first, last = PETITION_ORDER.encode(ordered[0]), PETITION_ORDER.encode(ordered[-1])
    for params in ({"list": "all"}, {"list": "open", "after": first}, {"list": "all", "before": last}):
        client.get(url, params)  # the session's first write
        # session, user, membership, the tab counts (the total of the list too), the rows, the
        # log of the personal data shown (one insert for the page): 6.
        with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as done:
            assert client.get(url, params).status_code == 200
        assert not any("OFFSET" in q["sql"].upper() for q in done.captured_queries)


def test_keyset_cursors_refuse_what_is_not_a_position():
    assert PETITION_ORDER.decode("738000.1700000000000000.5") is not None
    for bad in (None, "", "1.2", "1.2.3.4", "-1.2.3", "1.2.x", "738000.1700000000000000.0", "1e3.2.3"):
        assert PETITION_ORDER.decode(bad) is None
    # The register's cursors keep their format.
    assert pagination.decode("1700000000000000.12").id == 12


# -- the API's dossier list -------------------------------------------------------------------------


@freeze_time("2026-03-10 10:00:00+07:00")
@pytest.mark.parametrize("rows", [3, 40])
def test_api_list_queries_do_not_grow_and_bad_cursors_are_400(ward, birth, make_dossier, rows):
    _token, raw = tokens.issue(name="Đọc Bình Hưng", scope=Scope.READ, wards=[ward])
    api = Client(HTTP_AUTHORIZATION="Bearer " + raw)
    made = [make_dossier(birth, at(2026, 3, 2 + i % 5, 8 + i % 3)) for i in range(rows)]
    seen, cursor, counts = [], None, []
    while True:
        url = "/api/v1/dossiers?limit=10" + ("&cursor=" + cursor if cursor else "")
        with CaptureQueriesContext(connection) as done:
            page = api.get(url).json()
        counts.append(len(done.captured_queries))
        assert not any("OFFSET" in q["sql"].upper() for q in done.captured_queries)
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(d.pk for d in made) and len(seen) == len(set(seen))
    # token, its wards, the call log, the rows (and their related rows in the same statement): a
    # fixed number whatever the rows and the page.
    assert max(counts) <= 8 and len(set(counts)) == 1, counts
    for bad in ("!!!", "MjAyNnwx", "MjAyNi0wMy0xMFQxMDowMDowMCswNzowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"):
        response = api.get("/api/v1/dossiers?cursor=" + bad)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "bad_cursor" and error["message_en"]


# -- late hops per agency in the facts --------------------------------------------------------------


@pytest.fixture
def late_hop_history(ward, officer_datdai, land, birth, land_office):
    """Two land dossiers sent to the land office in September 2026: one returned late (and then
    resolved late), one returned on time; a birth registration resolved late with no hop."""
    late = workflow.receive(
        ward=ward, procedure=land, channel="in_person", received_at=at(2026, 9, 7, 9),
        applicant_name="Lê Thị Hoa", by=officer_datdai,
    )  # fmt: skip
    timely = workflow.receive(
        ward=ward, procedure=land, channel="in_person", received_at=at(2026, 9, 8, 9),
        applicant_name="Phạm Văn Tú", by=officer_datdai,
    )  # fmt: skip
    own = workflow.receive(
        ward=ward, procedure=birth, channel="in_person", received_at=at(2026, 9, 9, 9),
        applicant_name="Võ Văn Sang", by=officer_datdai,
    )  # fmt: skip
    for d, sent in ((late, at(2026, 9, 8, 9)), (timely, at(2026, 9, 9, 9))):
        workflow.start(d, by=officer_datdai, at=sent - timedelta(hours=1))
        workflow.send_to_agency(
            d, agency=land_office, by=officer_datdai, at=sent, due_date=sent.date() + timedelta(days=2)
        )
    workflow.return_from_agency(
        late, by=officer_datdai, at=at(2026, 9, 18, 9)
    )  # 8 days after its step's due date
    workflow.return_from_agency(timely, by=officer_datdai, at=at(2026, 9, 10, 9))
    workflow.resolve(late, by=officer_datdai, at=at(2026, 10, 20, 9))
    workflow.start(own, by=officer_datdai, at=at(2026, 9, 9, 10))
    workflow.resolve(own, by=officer_datdai, at=at(2026, 10, 20, 9))
    return late, timely, own


def _figures(rows) -> dict:
    return {(r.agency_id, r.late_hops, r.late_hops_ward_in_time, r.late_dossiers) for r in rows}


def test_late_hops_per_agency_from_the_facts_equal_the_live_engine(
    late_hop_history, ward, land_office, django_assert_max_num_queries
):
    september, october = periods.month(2026, 9), periods.month(2026, 10)
    for period, expected in (
        # September: the land office's late hop (returned 18/09, the ward not in time), and at the
        # month's end its dossier overdue; the on-time hop's dossier and the birth registration are
        # overdue with no late hop: the ward's own.
        (september, {(land_office.id, 1, 0, 1), (None, 0, 0, 2)}),
        # October: the land-office dossier resolved late in the month; the birth registration
        # resolved late and the other land dossier still overdue: the ward's own.
        (october, {(land_office.id, 0, 0, 1), (None, 0, 0, 2)}),
        (periods.custom(date(2026, 9, 1), date(2026, 10, 31)), {(land_office.id, 1, 0, 1), (None, 0, 0, 2)}),
    ):
        with django_assert_max_num_queries(2):  # the agency facts, the ward's late total
            facts_rows = indicators.lateness_by_agency([ward.id], period)
        live_rows = indicators.lateness_by_agency([ward.id], period, live=True)
        assert _figures(facts_rows) == _figures(live_rows), period
        assert _figures(facts_rows) == expected, period
    # The late hop is the land office's, returned in September, the dossier not in time.
    hops = {r.agency_id: r.late_hops for r in indicators.lateness_by_agency([ward.id], september)}
    assert hops[land_office.id] == 1
    assert AgencyDayFact.objects.get(ward=ward, agency=land_office, day=date(2026, 9, 18)).late_hops == 1
    assert indicators.facts_differences([ward.id], october) == []


def test_facts_check_names_a_late_hops_difference(late_hop_history, ward, land_office, capsys):
    call_command("facts", "check", "--ward", "BH")
    assert "agree" in capsys.readouterr().out
    AgencyDayFact.objects.filter(ward=ward, agency=land_office, day=date(2026, 9, 18)).update(late_hops=3)
    with pytest.raises(CommandError, match="differences"):
        call_command("facts", "check", "--ward", "BH")
    err = capsys.readouterr().err
    found = re.search(
        r"01/09/2026-30/09/2026 BH \*: agency {} late_hops facts 3 != live 1".format(land_office.id), err
    )
    assert found, err
    call_command("facts", "rebuild", "--ward", "BH")
    call_command("facts", "check", "--ward", "BH")
    assert "agree" in capsys.readouterr().out
