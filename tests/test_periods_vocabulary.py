"""One period vocabulary: every screen, the API and the export command read the same query string
(``parindex.base.periods``) and answer the same period; bad input is a Vietnamese message, never a 500."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from parindex.api import tokens
from parindex.api.models import Scope
from parindex.base import periods
from parindex.base.periods import PeriodError, PeriodForm, parse_period, period_from_query, period_to_query

TODAY = date(2024, 5, 20)

EVERY_KIND = [
    periods.month(2024, 2),
    periods.quarter(2023, 4),
    periods.year(2023),
    periods.year_to_date(TODAY),
    periods.Period(date(2023, 1, 1), date(2023, 12, 31), "ytd"),  # the year to date of a past year
    periods.official_month(2024, 1),
    periods.official_quarter(2024, 1),
    periods.official_half(2023),
    periods.official_nine_months(2023),
    periods.official_year(2023),
    periods.custom(date(2023, 2, 3), date(2023, 7, 9)),
]


@pytest.mark.parametrize("period", EVERY_KIND, ids=lambda p: p.kind + p.start.isoformat())
def test_every_kind_round_trips_through_the_query_string(period):
    query = period_to_query(period)
    assert period_from_query(query, TODAY) == period
    assert PeriodForm(query, today=TODAY).period == period


def test_links_name_the_kind_and_clipped_periods_their_days():
    assert period_to_query(periods.official_quarter(2024, 1)) == {
        "kind": "official_quarter",
        "year": "2024",
        "quarter": "1",
    }
    assert period_to_query(periods.month(2024, 3)) == {"kind": "month", "year": "2024", "month": "3"}
    # months_of clips the first month of an official period: a "month" of 17 days is its days
    clipped = periods.months_of(periods.official_month(2024, 3))[0]
    assert period_to_query(clipped) == {"from": "2024-02-15", "to": "2024-02-29"}
    assert period_from_query(period_to_query(clipped), TODAY) == periods.custom(
        date(2024, 2, 15), date(2024, 2, 29)
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"period": "official_half", "year": "2023"}, {"kind": "official_half", "year": "2023"}),
        ({"kind": "month", "year": "2023", "n": "3"}, {"kind": "month", "year": "2023", "month": "3"}),
        ({"kind": "quarter", "year": "2023", "n": "2"}, {"kind": "quarter", "year": "2023", "quarter": "2"}),
        (
            {"period": "official_quarter", "year": "2024", "n": "1"},
            {"kind": "official_quarter", "year": "2024", "quarter": "1"},
        ),
    ],
)
def test_old_parameter_names_still_name_the_same_period(old, new):
    assert period_from_query(old, TODAY) == period_from_query(new, TODAY)


def test_the_default_period_is_the_screens_own():
    latest = periods.official_month(2024, 5)
    assert period_from_query({}, TODAY) == periods.year_to_date(TODAY)
    assert period_from_query({}, TODAY, default=latest) == latest
    assert PeriodForm({}, today=TODAY, default=latest).period == latest
    assert PeriodForm(None, today=TODAY).period == periods.year_to_date(TODAY)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"kind": "month", "year": "2024", "month": "13"}, "month", "tháng phải từ 1 đến 12"),
        ({"kind": "month", "year": "2024"}, "month", "Thiếu tháng"),
        ({"kind": "quarter", "year": "20x4", "quarter": "1"}, "year", "năm phải là số"),
        ({"from": "2024-03-31", "to": "2024-03-01"}, "to", "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu"),
        ({"from": "31/02/2024", "to": "2024-03-01"}, "from_", "Ngày bắt đầu không hợp lệ"),
        ({"kind": "fortnight"}, "kind", "Loại kỳ không hợp lệ"),
        ({"kind": "year", "year": "2099"}, None, "chưa bắt đầu"),
    ],
)
def test_the_form_puts_the_parsers_vietnamese_message_beside_the_field(params, field, message):
    latest = periods.official_month(2024, 5)
    form = PeriodForm(params, today=TODAY, default=latest)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field or "__all__"])
    assert message in form.error
    assert form.period == latest  # the screen shows its default beside the message
    with pytest.raises(PeriodError, match=message):
        period_from_query(params, TODAY)


def test_a_drill_down_may_look_ahead_but_a_screen_may_not():
    ahead = {"from": "2024-06-01", "to": "2024-06-30"}
    assert parse_period(ahead, TODAY) == periods.custom(date(2024, 6, 1), date(2024, 6, 30))
    with pytest.raises(PeriodError, match="chưa bắt đầu"):
        period_from_query(ahead, TODAY)


# --- every screen answers the same period for the same query -----------------------------------

QUARTER = {"kind": "official_quarter", "year": "2023", "quarter": "1"}
QUARTER_LABEL = "15/12/2022 - 14/03/2023"


@pytest.fixture
def api_client(ward):
    _token, raw = tokens.issue(name="Đọc Bình Hưng", scope=Scope.READ, wards=[ward])
    return Client(HTTP_AUTHORIZATION="Bearer " + raw)


@pytest.mark.django_db
def test_every_screen_shows_the_same_period_for_the_same_query(client, chairperson, ward, api_client):
    client.force_login(chairperson)
    expected = periods.official_quarter(2023, 1)

    dashboard = client.get(reverse("dashboard"), QUARTER)
    assert dashboard.status_code == 200
    assert dashboard.context["period"] == expected
    assert QUARTER_LABEL in dashboard.content.decode()
    # the picker shows the period asked for, in the same names
    assert dashboard.context["picker"]["kind"] == "official_quarter"
    assert dashboard.context["picker"]["quarter"] == "1"

    report = client.get(reverse("reports:index"), {"ward": ward.code, **QUARTER})
    assert report.status_code == 200
    assert report.context["period"] == expected
    assert "Từ ngày 15/12/2022 đến ngày 14/03/2023" in report.content.decode()

    staffing = client.get(reverse("staffing:index"), QUARTER)
    assert staffing.status_code == 200
    assert staffing.context["staffing_period"] == expected
    assert "Khối lượng công việc {}".format(QUARTER_LABEL) in staffing.content.decode()

    drill = client.get(reverse("dossiers:index"), {"bucket": "received", **QUARTER})
    assert drill.status_code == 200
    assert drill.context["drill_info"]["period"] == expected

    figures = api_client.get("/api/v1/figures", {"ward": ward.code, **QUARTER}).json()
    assert (figures["period"]["start"], figures["period"]["end"]) == ("2022-12-15", "2023-03-14")


@pytest.mark.django_db
def test_old_report_and_staffing_names_land_on_the_same_period(client, chairperson, ward):
    client.force_login(chairperson)
    expected = periods.official_quarter(2023, 1)
    report = client.get(
        reverse("reports:index"), {"ward": ward.code, "kind": "official_quarter", "year": 2023, "n": 1}
    )
    assert report.context["period"] == expected
    staffing = client.get(reverse("staffing:index"), {"period": "official_quarter", "year": "2023", "n": "1"})
    assert staffing.context["staffing_period"] == expected
    dashboard = client.get(reverse("dashboard"), {"kind": "official_quarter", "year": "2023", "n": "1"})
    assert dashboard.context["period"] == expected


@pytest.mark.django_db
def test_the_dashboards_report_link_opens_the_report_of_the_same_period(client, chairperson, ward):
    client.force_login(chairperson)
    dashboard = client.get(reverse("dashboard"), QUARTER)
    link = dashboard.context["export"]["index"]
    report = client.get(link)
    assert report.context["period"].label == QUARTER_LABEL


BAD_MONTH = {"kind": "month", "year": "2023", "month": "13"}


@pytest.mark.django_db
def test_bad_period_is_the_same_vietnamese_message_on_every_screen(
    client, chairperson, city_viewer, ward, api_client
):
    client.force_login(chairperson)
    message = "tháng phải từ 1 đến 12"
    for url, params in (
        (reverse("dashboard"), BAD_MONTH),
        (reverse("reports:index"), {"ward": ward.code, **BAD_MONTH}),
        (reverse("staffing:index"), BAD_MONTH),
        (reverse("dossiers:index"), {"bucket": "received", **BAD_MONTH}),
    ):
        response = client.get(url, params)
        assert response.status_code == 200, url
        assert message in response.content.decode(), url
    download = client.get(reverse("reports:download"), {"ward": ward.code, **BAD_MONTH})
    assert download.status_code == 400
    assert message in download.content.decode()
    api = api_client.get("/api/v1/figures", {"ward": ward.code, **BAD_MONTH})
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "bad_period"
    assert message in api.json()["error"]["message_vi"]
    client.force_login(city_viewer)
    for url in (reverse("city_dashboard"), reverse("service_index")):
        response = client.get(url, BAD_MONTH)
        assert response.status_code == 200, url
        assert message in response.content.decode(), url


@pytest.mark.django_db
def test_the_staffing_page_refuses_a_future_period_with_the_message(client, chairperson):
    client.force_login(chairperson)
    response = client.get(reverse("staffing:index"), {"kind": "year", "year": "2099"})
    assert response.status_code == 200
    assert "chưa bắt đầu" in response.content.decode()
    assert response.context["staffing_period"].kind == "ytd"


@pytest.mark.django_db
def test_export_report_reads_days_as_the_screens_do(ward, tmp_path):
    out = tmp_path / "bc.xlsx"
    call_command(
        "export_report",
        ward=ward.code,
        start="01/03/2023",
        end="31/03/2023",
        output=str(out),
        stdout=io.StringIO(),
    )
    assert out.exists()
    with pytest.raises(CommandError, match="Ngày kết thúc phải sau hoặc trùng ngày bắt đầu"):
        call_command("export_report", ward=ward.code, start="2023-03-31", end="2023-03-01", output=str(out))
    with pytest.raises(CommandError, match="Ngày bắt đầu không hợp lệ"):
        call_command("export_report", ward=ward.code, start="2023-13-01", end="2023-03-01", output=str(out))
