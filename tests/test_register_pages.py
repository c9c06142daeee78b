"""Keyset pages of the register (``dossiers.pagination``): order, ties, filters, bad cursors,
links without JavaScript, and the same statements on page 1 and on a deep page."""

from __future__ import annotations

import html
import random
import re
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from dossiers import pagination, worklists
from dossiers.models import Dossier
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = "/dossiers/"
SIZE = 4


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("dossiers.views.PAGE_SIZE", SIZE)


@pytest.fixture
def register(make_dossier, business, land, officer_datdai, officer_tuphap):
    """23 dossiers on only 5 distinct moments (ties on the sort key), two procedures, two
    receiving officers."""
    rows = []
    for i in range(23):
        rows.append(
            make_dossier(
                business if i % 3 else land,
                at(2024, 3, 4, 8 + i % 5),
                name="Lê Văn Cường {}".format(i),
                by=officer_tuphap if i % 4 == 0 else officer_datdai,
            )
        )
    return rows


def _link(body: str, rel: str) -> str | None:
    """The href of the page link ``rel`` ("next" / "prev") as a browser without JS follows it."""
    match = re.search(r'<a href="([^"]*)"[^>]*rel="{}"'.format(rel), body)
    return html.unescape(match.group(1)) if match else None


def _walk(client, query: str, rel: str = "next") -> list[list[int]]:
    pages = []
    url = INDEX + query
    while url is not None:
        response = client.get(url if url.startswith("/") else INDEX + url)
        assert response.status_code == 200
        pages.append([d.pk for d in response.context["page"].object_list])
        url = _link(response.content.decode(), rel)
        assert len(pages) < 50
    return pages


def _expected(qs) -> list[int]:
    return list(qs.order_by("-received_at", "-id").values_list("pk", flat=True))


@freeze_time("2024-03-07 09:00:00+07:00")
def test_pages_follow_the_register_order_through_ties_both_ways(
    client, officer_datdai, register, small_pages
):
    client.force_login(officer_datdai)
    pages = _walk(client, "?list=")
    expected = _expected(Dossier.objects.all())
    assert len(expected) == 23
    assert [pk for page in pages for pk in page] == expected
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 3]
    # from the last page back to the first through the "previous" links: the same pages
    last = client.get(INDEX, {"list": "", "after": pagination.encode(Dossier.objects.get(pk=pages[-2][-1]))})
    assert [d.pk for d in last.context["page"].object_list] == pages[-1]
    assert not last.context["page"].has_next
    back = [pages[-1]]
    url = _link(last.content.decode(), "prev")
    while url is not None:
        response = client.get(INDEX + url)
        back.append([d.pk for d in response.context["page"].object_list])
        url = _link(response.content.decode(), "prev")
    assert back[::-1] == pages
    assert response.context["page"].is_first


@freeze_time("2024-03-07 09:00:00+07:00")
def test_pages_keep_filters_search_and_worklist(client, officer_datdai, register, business, small_pages):
    client.force_login(officer_datdai)
    mine = worklists.apply(Dossier.objects.all(), "mine", officer_datdai, date(2024, 3, 7))
    assert 0 < mine.count() < 23
    cases = [
        ("?procedure_ignored=1&q=cuong", Dossier.objects.all()),
        ("?field={}".format(business.field_id), Dossier.objects.filter(field=business.field)),
        ("?list=mine", mine),
        ("?list=mine&q=cuong&field={}".format(business.field_id), mine.filter(field=business.field)),
    ]
    for query, qs in cases:
        pages = _walk(client, query)
        assert [pk for page in pages for pk in page] == _expected(qs), query
        total = client.get(INDEX + query).context["page"]
        assert (total.count, total.count_capped) == (qs.count(), False), query
    # the export beside a deep page is the whole filtered list, not the page
    response = client.get(INDEX, {"field": business.field_id, "after": pagination.encode(register[-1])})
    export = re.search(r'href="([^"]*export=xlsx)"', response.content.decode()).group(1)
    assert "after" not in export and "field={}".format(business.field_id) in html.unescape(export)


@freeze_time("2024-03-07 09:00:00+07:00")
def test_deep_page_runs_the_same_statements_as_the_first(
    client, officer_datdai, register, small_pages, django_assert_max_num_queries
):
    client.force_login(officer_datdai)
    deep_row = Dossier.objects.order_by("-received_at", "-id")[18]
    counts = {}
    for worklist in ("", "mine"):
        client.get(INDEX, {"list": worklist})  # warm the calendar, remember the filters
        for name, params in {
            "first": {"list": worklist},
            "deep": {"list": worklist, "after": pagination.encode(deep_row)},
            "previous": {"list": worklist, "before": pagination.encode(deep_row)},
        }.items():
            with django_assert_max_num_queries(12) as ctx:
                response = client.get(INDEX, params)
            assert response.status_code == 200
            assert response.context["page"].object_list, (worklist, name)
            counts[worklist, name] = len(ctx.captured_queries)
            assert not any("OFFSET" in q["sql"] for q in ctx.captured_queries), name
    assert len(set(counts.values())) == 1, counts
    counts = {"first": counts["", "first"]}
    # and the htmx fragment of a deep page: fewer (no tabs), the same on any page
    fragment = {}
    client.get(INDEX, {"list": ""})
    for name, params in {
        "first": {"list": ""},
        "deep": {"list": "", "after": pagination.encode(deep_row)},
    }.items():
        with django_assert_max_num_queries(10) as ctx:
            client.get(INDEX, params, headers={"HX-Request": "true"})
        fragment[name] = len(ctx.captured_queries)
    assert fragment["first"] == fragment["deep"] < counts["first"]


@freeze_time("2024-03-07 09:00:00+07:00")
def test_paging_does_not_save_the_session(client, officer_datdai, register, small_pages):
    client.force_login(officer_datdai)
    client.get(INDEX, {"list": "mine"})
    deep_row = Dossier.objects.order_by("-received_at", "-id")[5]
    response = client.get(INDEX, {"list": "mine", "after": pagination.encode(deep_row)})
    assert response.wsgi_request.session.modified is False
    assert client.get(INDEX).context["worklist"] == "mine"  # still remembered


BAD_CURSORS = [
    "",
    "x",
    ".",
    "1.",
    ".1",
    "1.1.1",
    "-5.3",
    "1.0",
    "0.1",
    "99999999999999999.1",
    "1711000000000000.99999999999999999999",
    "1711000000000000.9223372036854775808",
    "1711000000000000,3",
    "１７１１０００００００００００００.３",
    "1711000000000000.3\n",
    "' OR 1=1 --",
    "9" * 5000,
    "4133980800000000.1",  # 2101-01-01: outside the calendar the portal knows
    "946684799999999.1",  # just before 2000
]


@freeze_time("2024-03-07 09:00:00+07:00")
def test_bad_cursors_show_the_first_page_with_a_note(client, officer_datdai, register, small_pages):
    client.force_login(officer_datdai)
    first = [d.pk for d in client.get(INDEX, {"list": ""}).context["page"].object_list]
    rng = random.Random(15)
    fuzz = ["".join(rng.choice("0123456789.-eE+ ") for _ in range(rng.randint(1, 30))) for _ in range(40)]
    for raw in BAD_CURSORS + fuzz:
        for key in ("after", "before"):
            response = client.get(INDEX, {"list": "", key: raw})
            assert response.status_code == 200, (key, raw)
            page = response.context["page"]
            if pagination.decode(raw) is None:
                assert [d.pk for d in page.object_list] == first, (key, raw)
                assert page.bad_cursor == bool(raw), (key, raw)
    # both at once: the first page too
    c = pagination.encode(register[3])
    response = client.get(INDEX, {"list": "", "after": c, "before": c})
    assert [d.pk for d in response.context["page"].object_list] == first
    assert "Liên kết trang không hợp lệ" in response.content.decode()


def test_cursor_round_trip_and_range(register):
    d = register[7]
    c = pagination.decode(pagination.encode(d))
    assert (c.received_at, c.id) == (d.received_at, d.pk)
    moved = d.received_at + timedelta(microseconds=1)
    assert pagination.decode("{}.{}".format((moved - pagination._EPOCH) // pagination._MICROSECOND, 5)) == (
        pagination.Cursor(moved, 5)
    )
    assert pagination.decode("946684800000000.1") is not None  # 2000-01-01 00:00 UTC
    assert pagination.decode("946684799999999.1") is None


def test_count_is_bounded(register):
    assert pagination.bounded_count(Dossier.objects.all(), 10) == (10, True)
    assert pagination.bounded_count(Dossier.objects.all(), 23) == (23, False)
    assert pagination.bounded_count(Dossier.objects.all(), 22) == (22, True)
    page = pagination.paginate(Dossier.objects.all(), {}, size=5, count_limit=10)
    assert (page.count, page.count_capped, len(page.object_list)) == (10, True, 5)


@freeze_time("2024-03-07 09:00:00+07:00")
def test_capped_total_reads_more_than(client, officer_datdai, register, monkeypatch):
    monkeypatch.setattr("dossiers.pagination.COUNT_LIMIT", 10)
    client.force_login(officer_datdai)
    body = client.get(INDEX, {"list": ""}).content.decode()
    assert "Hơn 10 hồ sơ" in body
