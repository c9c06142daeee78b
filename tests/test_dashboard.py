"""The ward dashboard, the city dashboard and the year-target pages."""

# ruff: noqa: F811  (fixtures imported from test_indicators)
from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from dossiers.buckets import bucket_queryset
from dossiers.models import Dossier
from parindex.analytics.targets import YearTarget, create_default_targets
from parindex.base import periods
from parindex.base.models import Ward
from tests.test_indicators import MARCH, _bulk, fields_, scenario  # noqa: F401

MARCH_QUERY = {"kind": "month", "year": "2024", "month": "3"}


@pytest.fixture
def defaults(city, fields_):
    return create_default_targets(city=city, year=2024)


def test_chairperson_sees_cards_bieu06_and_links(client, chairperson, scenario, defaults, ward):
    client.force_login(chairperson)
    response = client.get(reverse("dashboard"), MARCH_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bảng điều khiển: Phường Bình Hưng" in html
    assert "01/03/2024 - 31/03/2024" in html
    assert 'data-testid="kpi-satisfaction-DD"' in html
    # Every Biểu 06 total links to its bucket, and each link's list is exactly the number shown.
    total_cells = response.context["bieu06"]["total"]["cells"]
    assert [c.value for c in total_cells] == [7, 2, 2, 1, 2, 4, 1, 2, 1, 3, 1, 2]
    for cell in total_cells:
        query = parse_qs(urlparse(cell.url).query)
        assert urlparse(cell.url).path == reverse("dossiers:index")
        assert query["from"] == ["2024-03-01"] and query["to"] == ["2024-03-31"] and query["ward"] == ["BH"]
        qs = bucket_queryset([ward.id], periods.custom(MARCH.start, MARCH.end), query["bucket"][0])
        assert len(qs) == cell.value
    assert "✓" in html
    assert reverse("reports:index") + "?ward=BH&amp;from=2024-03-01&amp;to=2024-03-31" in html
    # Tooltips carry the definitions.
    assert 'title="(Trước hạn + Đúng hạn) / Tổng số đã giải quyết trong kỳ.' in html


def test_htmx_request_gets_the_body_fragment(client, chairperson, scenario):
    client.force_login(chairperson)
    response = client.get(reverse("dashboard"), MARCH_QUERY, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "parindex/dashboard_body.html"
    assert "<html" not in response.content.decode()


def test_bad_period_shows_an_error_not_a_500(client, chairperson):
    client.force_login(chairperson)
    response = client.get(reverse("dashboard"), {"kind": "month", "year": "2024", "month": "13"})
    assert response.status_code == 200
    assert "tháng phải từ 1 đến 12" in response.content.decode()


def test_officer_reads_own_ward_dashboard_but_not_another(client, officer_tuphap, other_ward):
    client.force_login(officer_tuphap)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("dashboard"), {"ward": other_ward.code}).status_code == 404


def test_city_viewer_picks_a_ward_but_not_another_city(client, city_viewer, other_ward, far_ward):
    client.force_login(city_viewer)
    response = client.get(reverse("dashboard"), {"ward": other_ward.code})
    assert response.status_code == 200
    assert response.context["ward"] == other_ward
    assert client.get(reverse("dashboard"), {"ward": far_ward.code}).status_code == 404


def test_officer_cannot_edit_targets(client, officer_tuphap, defaults, ward):
    client.force_login(officer_tuphap)
    target = defaults[0]
    assert client.get(reverse("target_edit", args=[target.pk])).status_code == 403
    assert (
        client.post(
            reverse("target_new"), {"indicator": "online_rate", "threshold": "40", "direction": ">="}
        ).status_code
        == 403
    )
    assert not YearTarget.objects.filter(ward=ward).exists()


def test_chairperson_overrides_a_city_default_with_history(client, chairperson, defaults, ward):
    client.force_login(chairperson)
    # A city default is not the chairperson's to change.
    assert client.get(reverse("target_edit", args=[defaults[0].pk])).status_code == 403
    response = client.post(
        reverse("target_new") + "?year=2024",
        {"indicator": "online_rate", "threshold": "40", "direction": ">="},
    )
    assert response.status_code == 302
    own = YearTarget.objects.get(ward=ward)
    assert (own.year, own.threshold) == (2024, Decimal("40"))
    client.post(
        reverse("target_edit", args=[own.pk]),
        {"indicator": "online_rate", "threshold": "45", "direction": ">="},
    )
    page = client.get(reverse("target_edit", args=[own.pk]))
    assert "40" in page.content.decode() and "45" in page.content.decode()
    listing = client.get(reverse("targets"), {"year": "2024"}).content.decode()
    assert "phường đã đặt riêng" in listing


def test_administrator_edits_city_default(client, administrator, defaults, ward):
    client.force_login(administrator)
    target = defaults[0]
    response = client.post(
        reverse("target_edit", args=[target.pk]) + "?ward=BH",
        {"indicator": target.indicator, "threshold": "85", "direction": ">="},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.threshold == Decimal("85")


def test_city_dashboard_sorts_and_totals(client, city_viewer, scenario, ward, other_ward, defaults):
    client.force_login(city_viewer)
    response = client.get(reverse("city_dashboard"), {**MARCH_QUERY, "sort": "-received"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["ward"].code for r in rows] == ["BH", "PTH"]
    assert [r["cells"][0]["text"] for r in rows] == [7, 1]
    assert response.context["total"][0]["text"] == 8
    ascending = client.get(reverse("city_dashboard"), {**MARCH_QUERY, "sort": "received"}).context["rows"]
    assert [r["ward"].code for r in ascending] == ["PTH", "BH"]
    html = response.content.decode()
    assert reverse("dashboard") + "?ward=BH&amp;from=2024-03-01&amp;to=2024-03-31" in html
    # An unknown sort key falls back to the ward name.
    assert client.get(reverse("city_dashboard"), {"sort": "nonsense"}).status_code == 200


def test_leader_sees_only_own_ward_on_city_dashboard(client, chairperson, scenario):
    client.force_login(chairperson)
    rows = client.get(reverse("city_dashboard"), MARCH_QUERY).context["rows"]
    assert [r["ward"].code for r in rows] == ["BH"]


@pytest.mark.parametrize(("n_dossiers", "n_wards"), [(10, 1), (10_000, 5)])
def test_dashboards_take_a_fixed_number_of_queries(
    client, city, city_viewer, officer_tuphap, fields_, django_assert_num_queries, n_dossiers, n_wards
):
    create_default_targets(city=city, year=2024)
    wards = [
        Ward.objects.create(city=city, code="W{}".format(i), name="P{}".format(i)) for i in range(n_wards)
    ]
    _bulk(wards, fields_[0], officer_tuphap, n_dossiers)
    assert Dossier.objects.count() == n_dossiers
    client.force_login(city_viewer)
    query = {"kind": "quarter", "year": "2024", "quarter": "1", "ward": "W0"}
    # Exactly, on both data sizes (so they cannot grow with the data). Ward dashboard (18):
    # session, user, membership (3); visible wards, the ?ward= lookup, its scope check (3);
    # staffing block (1 here: no posts, so no prefetches); summary (5: facts sums, apology
    # letters, targets, plan counts, PAR totals; the ward is the page's, the vacancies the
    # staffing block's);
    # fields (1); the trend from the facts (1); received for other units (1); the context
    # processor's current ward (1); the ward chosen with ?ward= kept in the session (3:
    # savepoint, update, release).
    with django_assert_num_queries(18):
        assert client.get(reverse("dashboard"), query).status_code == 200
    # City dashboard (13): session, user, membership (3); visible wards, the wards shown (2);
    # summary (6: facts sums, apology letters, targets, plan counts, PAR totals, vacancies; the
    # wards are the page's); received for other units, grouped by ward (1); the context
    # processor's current ward (1); the session is not written again (the same ward).
    with django_assert_num_queries(13):
        assert client.get(reverse("city_dashboard"), query).status_code == 200


def test_plain_submit_keeps_the_picker_values(client, chairperson):
    client.force_login(chairperson)
    html = client.get(
        reverse("dashboard"), {"kind": "quarter", "year": "2024", "quarter": "2"}
    ).content.decode()
    assert 'name="year" id="pp-year" value="2024"' in html
    assert '<option value="2" selected>2</option>' in html
    assert "01/04/2024 - 30/06/2024" in html


def test_empty_period_points_to_the_latest_months_with_dossiers(client, chairperson, ward, officer_tuphap):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dossiers import workflow
    from dossiers.demo import load_catalogue
    from dossiers.models import Procedure

    load_catalogue()
    workflow.receive(
        ward=ward,
        procedure=Procedure.objects.get(code="1.001193"),
        channel="in_person",
        received_at=datetime(2023, 5, 12, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        applicant_name="Nguyễn Văn An",
        by=officer_tuphap,
    )
    client.force_login(chairperson)
    body = client.get(reverse("dashboard"), {"kind": "year", "year": "2026"}).content.decode()
    assert 'data-testid="no-data"' in body
    assert "from=2023-01-01&amp;to=2023-05-31" in body
    body = client.get(
        reverse("dashboard"), {"kind": "custom", "from": "2023-01-01", "to": "2023-05-31"}
    ).content.decode()
    assert 'data-testid="no-data"' not in body


def test_dashboard_shows_the_staffing_block_with_the_vacancies(client, chairperson, ward):
    from datetime import date

    from parindex.staffing import services

    position = services.create_position(
        ward=ward,
        title="Văn phòng - Thống kê",
        office="Văn phòng HĐND-UBND",
        quota=2,
        valid_from=date(2023, 1, 1),
    )
    assert position.quota == 2
    client.force_login(chairperson)
    response = client.get(reverse("dashboard"), {"kind": "custom", "from": "2023-01-01", "to": "2023-05-31"})
    body = response.content.decode()
    assert 'data-testid="staffing-block"' in body
    assert "Văn phòng - Thống kê" in body
    assert response.context["staffing_totals"].vacant == 2
