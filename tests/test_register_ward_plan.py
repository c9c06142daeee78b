"""The ward's register reads ``ward_id = X`` alone: the user's scope (their wards OR what their
counter received for others) ANDed with it made PostgreSQL misestimate the ward's rows and sort
all of them for a 50-row page (43 ms at 1M dossiers; docs/performance.md, quiet 1M run)."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from dossiers import worklists
from dossiers.models import Dossier
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = "/dossiers/"


@freeze_time("2024-03-07 09:00:00+07:00")
@pytest.mark.parametrize("worklist", ["", "overdue"])
def test_ward_register_pages_filter_on_the_ward_alone(
    client, officer_datdai, make_dossier, business, worklist, django_assert_max_num_queries
):
    made = [make_dossier(business, at(2024, 3, 4, 8 + i), name="Trần Thị Lan {}".format(i)) for i in range(3)]
    client.force_login(officer_datdai)
    client.get(INDEX, {"list": worklist})  # remember the filters
    with django_assert_max_num_queries(12) as ctx:
        response = client.get(INDEX, {"list": worklist})
    assert response.status_code == 200
    page_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "dossiers_dossier"' in q["sql"]]
    assert page_sql
    # the page, its bounded count and the tab counts: no scope OR beside the ward's condition
    assert not any('"dossiers_dossier"."received_by_ward_id" IN' in sql for sql in page_sql), page_sql
    if not worklist:
        shown = [d.pk for d in response.context["page"].object_list]
        assert shown == [d.pk for d in sorted(made, key=lambda d: d.received_at, reverse=True)]
        assert shown == list(
            Dossier.objects.filter(ward=made[0].ward).order_by("-received_at").values_list("pk", flat=True)
        )


@freeze_time("2024-03-07 09:00:00+07:00")
def test_worklist_counts_are_one_union_of_each_lists_count(
    officer_datdai, make_dossier, business, ward, django_assert_num_queries
):
    make_dossier(business, at(2024, 3, 4, 8), name="Trần Thị Lan")
    qs = Dossier.objects.filter(ward=ward)
    with django_assert_num_queries(1) as ctx:
        sizes = worklists.counts(qs, officer_datdai, date(2024, 3, 7))
    assert "UNION ALL" in ctx.captured_queries[0]["sql"]
    assert list(sizes) == list(worklists.WORKLISTS)
    assert sizes == {key: worklists.apply(qs, key, officer_datdai, date(2024, 3, 7)).count() for key in sizes}
    assert sizes["mine"] == 1 and sizes["incoming"] == 0
