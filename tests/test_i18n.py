"""Vietnamese by default, English on request; dates dd/mm/yyyy and Vietnamese number separators."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format, number_format


def render(source: str, **context) -> str:
    return Template("{% load humanize l10n %}" + source).render(Context(context))


def test_dates_show_as_day_month_year_in_both_languages():
    for lang in ("vi", "en"):
        with translation.override(lang):
            assert date_format(date(2024, 2, 7), "SHORT_DATE_FORMAT") == "07/02/2024"
            assert render("{{ d|date }}", d=date(2024, 2, 21)) == "21/02/2024"


def test_times_are_shown_in_ho_chi_minh_time():
    moment = datetime(2024, 2, 7, 8, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("vi"):
        assert render("{{ m|date:'SHORT_DATETIME_FORMAT' }}", m=moment) == "15:30 07/02/2024"


def test_numbers_use_vietnamese_separators():
    with translation.override("vi"):
        assert number_format(Decimal("1234567.5"), 1) == "1.234.567,5"
        assert render("{{ n }}", n=741000) == "741.000"
    with translation.override("en"):
        assert number_format(Decimal("1234567.5"), 1) == "1,234,567.5"


@pytest.mark.django_db
def test_portal_is_vietnamese_by_default(client, officer_tuphap):
    client.force_login(officer_tuphap)
    body = client.get("/").content.decode()
    assert '<html lang="vi">' in body
    assert ">Hồ sơ</a>" in body and ">Bảng điều khiển</a>" in body


@pytest.mark.django_db
def test_user_switches_to_english_and_back(client, officer_tuphap):
    client.force_login(officer_tuphap)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert ">Dossiers</a>" in body and ">Dashboard</a>" in body and "<h1>Home</h1>" in body
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "<h1>Trang chủ</h1>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_works_on_the_login_page_before_logging_in(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert "<h1>Log in</h1>" in body


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client, officer_tuphap):
    client.force_login(officer_tuphap)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in body and "<h1>Trang chủ</h1>" in body


def test_people_are_named_family_name_first(db, officer_tuphap):
    # officer_tuphap is "Nguyễn Thị Lan": given name "Lan", family and middle names "Nguyễn Thị"
    assert render("{% load portal %}{{ u|person }}", u=officer_tuphap) == "Nguyễn Thị Lan"


def test_years_in_form_fields_have_no_thousand_separator():
    with translation.override("vi"):
        assert render("{{ y }}", y=2023) == "2.023"  # why the templates must unlocalize years
        assert render('value="{{ y|unlocalize }}"', y=2023) == 'value="2023"'
