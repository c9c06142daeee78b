"""The dashboards' Python and template trims (issue 15 item 5): the same figures and markup, fewer
statements on the ward dashboard (the busiest officials follow the page), fixed query counts."""

# ruff: noqa: F811  (fixtures imported from other test modules)
from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parindex.analytics import workload
from parindex.analytics.indicators import DossierCounts, ServiceCounts, WardIndicators
from parindex.base.periods import custom
from tests.test_dashboard import MARCH_QUERY, defaults  # noqa: F401
from tests.test_indicators import fields_, scenario  # noqa: F401
from tests.test_staffing import ARTICLE_QUERY, demo  # noqa: F401

# The city table's cell loop as dashboard_city_body.html had it before the cells were written in
# Python: the rows' and the total's markup must stay exactly this.
OLD_ROW_CELLS = Template(
    '{% for cell in cells %}<td class="num">{% if cell.url %}<a href="{{ cell.url }}">{{ cell.text }}</a>'
    '{% else %}<span title="{{ cell.title }}"{% if cell.status %} class="badge status-{{ cell.status }}"'
    "{% endif %}>{{ cell.text }}</span>{% endif %}</td>{% endfor %}"
)
OLD_TOTAL_CELLS = Template(
    '{% for cell in cells %}<td class="num">{% if cell.url %}<a href="{{ cell.url }}">{{ cell.text }}</a>'
    '{% else %}<span title="{{ cell.title }}">{{ cell.text }}</span>{% endif %}</td>{% endfor %}'
)


def test_city_cells_are_written_as_the_template_wrote_them(
    client, city_viewer, scenario, ward, other_ward, defaults, django_assert_max_num_queries
):
    client.force_login(city_viewer)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("city_dashboard"), MARCH_QUERY)
    rows = response.context["rows"]
    assert [r["ward"].code for r in rows] == ["BH", "PTH"]
    html = response.content.decode()
    for row in rows:
        expected = OLD_ROW_CELLS.render(Context({"cells": row["cells"]}))
        assert row["cells_html"] == expected
        assert expected in html
    assert 'href="/dossiers/?bucket=received&amp;from=2024-03-01&amp;to=2024-03-31&amp;ward=BH">7</a>' in html
    total = OLD_TOTAL_CELLS.render(Context({"cells": response.context["total"]}))
    assert response.context["total_html"] == total and total in html
    # an indicator cell with a status badge and its definition as the tooltip
    assert 'class="badge status-' in rows[0]["cells_html"]
    assert 'title="(Trước hạn + Đúng hạn) / Tổng số đã giải quyết trong kỳ.' in rows[0]["cells_html"]


def test_ward_dashboard_leaves_the_workload_to_a_request_of_its_own(
    client, chairperson, ward, demo, django_assert_max_num_queries
):
    client.force_login(chairperson)
    client.get(reverse("dashboard"), ARTICLE_QUERY)  # the first visit may save the session
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("dashboard"), ARTICLE_QUERY)
    assert response.status_code == 200
    # 19 here: session, user, membership (3); summary (8); fields (1); position table (4); the
    # trend (1); received for other units (1); the context processor's current ward (1). No
    # statement reads the events (the workload's).
    assert len(page.captured_queries) <= 19
    assert not any("dossiers_dossierevent" in q["sql"] for q in page.captured_queries)
    body = response.content.decode()
    url = reverse("dashboard_workload") + "?ward=BH&amp;from=2023-01-01&amp;to=2023-05-31"
    assert 'hx-get="{}"'.format(url) in body and 'href="{}"'.format(url) in body
    assert response.context["staffing_totals"].vacant == 3

    busiest = workload.workload(ward.id, custom(date(2023, 1, 1), date(2023, 5, 31)))
    assert len(busiest) >= 3
    # session, user, membership (3); the ward (1); the workload (4); the current ward (1)
    with django_assert_max_num_queries(9):
        fragment = client.get(reverse("dashboard_workload"), ARTICLE_QUERY, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert "Khối lượng công việc cao nhất" in html
    names = [row.official.full_name for row in busiest[:3]]
    assert [html.index(name) for name in names] == sorted(html.index(name) for name in names)
    assert all(row.official.full_name not in html for row in busiest[3:])  # the top 3 only
    # without JavaScript the link opens a page of its own with the same list
    page = client.get(reverse("dashboard_workload"), ARTICLE_QUERY).content.decode()
    assert "<html" in page and all(name in page for name in names)


def test_workload_of_another_ward_is_not_found(client, chairperson, other_ward, demo):
    client.force_login(chairperson)
    response = client.get(reverse("dashboard_workload"), {**ARTICLE_QUERY, "ward": other_ward.code})
    assert response.status_code == 404


def test_add_cells_gives_what_adding_cell_by_cell_gave():
    rnd = random.Random(15)
    names_c = list(DossierCounts.__dataclass_fields__)
    names_s = list(ServiceCounts.__dataclass_fields__)
    cells = [
        (
            rnd.choice([3, 1, 7, 2]),
            (
                DossierCounts(**{n: rnd.randint(0, 50) for n in names_c}),
                ServiceCounts(**{n: rnd.randint(0, 50) for n in names_s}),
            ),
        )
        for _ in range(40)
    ]
    period = custom(date(2024, 1, 1), date(2024, 3, 31))
    one_by_one, at_once = WardIndicators(1, period), WardIndicators(1, period)
    for field_id, (counts, service) in cells:
        one_by_one.add_cell(field_id, counts, service)
    snapshot = [(f, (c.received, s.rated)) for f, (c, s) in cells]
    at_once.add_cells(cells)
    first_seen = list(dict.fromkeys(f for f, _cell in cells))
    assert list(at_once.by_field) == list(one_by_one.by_field) == first_seen
    assert at_once.by_field == one_by_one.by_field
    assert (at_once.counts, at_once.service) == (one_by_one.counts, one_by_one.service)
    assert at_once.counts.received == sum(c.received for _f, (c, _s) in cells)
    assert [(f, (c.received, s.rated)) for f, (c, s) in cells] == snapshot  # the cells are not changed


@pytest.mark.parametrize("n_wards", [1, 6])
def test_city_dashboard_queries_do_not_grow_with_wards(
    client, city, city_viewer, fields_, django_assert_max_num_queries, n_wards
):
    from parindex.base.models import Ward

    for i in range(n_wards):
        Ward.objects.create(city=city, code="W{}".format(i), name="P{}".format(i))
    client.force_login(city_viewer)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("city_dashboard"), MARCH_QUERY).status_code == 200
