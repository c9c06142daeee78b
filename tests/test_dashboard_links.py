"""The ward dashboard's drill-down links (built from one ``reverse``) and its session (saved only
when something changed)."""

# ruff: noqa: F811  (fixtures imported from test_indicators)
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from parindex.analytics.dashboards import Drill
from parindex.base import periods
from tests.test_indicators import MARCH, fields_, scenario  # noqa: F401

MARCH_QUERY = {"from": "2024-03-01", "to": "2024-03-31"}


def _reference_url(period, ward_code, bucket, field_id=None) -> str:
    """How every link was built before: ``reverse`` and ``urlencode`` per link."""
    params = {"bucket": bucket, "from": period.start.isoformat(), "to": period.end.isoformat()}
    if ward_code:
        params["ward"] = ward_code
    if field_id:
        params["field"] = field_id
    return reverse("dossiers:index") + "?" + urlencode(params)


def test_drill_links_are_the_same_text_as_reverse_and_urlencode(db):
    period = periods.custom(date(2024, 3, 1), date(2024, 3, 31))
    for ward_code in ("BH", None, "P 1&x"):
        drill = Drill(period, ward_code)
        for bucket, field_id in [
            ("received", None),
            ("rated", 7),
            ("on time", None),
            ("late", 0),
            ("rated", 7),
        ]:
            assert drill.url(bucket, field_id) == _reference_url(period, ward_code, bucket, field_id)


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_ward_dashboard_does_not_save_the_session_each_time(
    client, chairperson, city_viewer, scenario, django_assert_max_num_queries
):
    for user, query in ((chairperson, MARCH_QUERY), (city_viewer, {**MARCH_QUERY, "ward": "BH"})):
        client.force_login(user)
        client.get(reverse("dashboard"), query)  # the first visit may stamp the session
        with django_assert_max_num_queries(26) as ctx:
            response = client.get(reverse("dashboard"), query)
        assert response.status_code == 200
        assert response.wsgi_request.session.modified is False, user
        assert _session_writes(ctx.captured_queries) == [], user
        links = [c.url for c in response.context["bieu06"]["total"]["cells"]]
        assert links and all(url.startswith("/dossiers/?bucket=") and "ward=BH" in url for url in links)
        client.logout()
