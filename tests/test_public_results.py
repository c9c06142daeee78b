"""The ward's public results page: the engine's figures per month and field, satisfaction only from
the minimum number of ratings, no personal data, cached, no login."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow
from parindex.analytics import indicators
from parindex.base.periods import year_to_date
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def results(make_dossier, business, officer_datdai):
    """March 2024: three dossiers received, two resolved (one late), both rated; one in April."""
    a = make_dossier(business, at(2024, 3, 4, 9), name="Trần Thị Bích", applicant_phone="0905123456")
    b = make_dossier(business, at(2024, 3, 5, 9))
    make_dossier(business, at(2024, 3, 6, 9))
    make_dossier(business, at(2024, 4, 2, 9))
    workflow.resolve(a, by=officer_datdai, at=at(2024, 3, 6, 9))
    workflow.resolve(b, by=officer_datdai, at=at(2024, 3, 20, 9))
    for d, value in ((a, "very"), (b, "no")):
        workflow.rate(d, value=value, source="public", at=at(2024, 3, 21, 9))
    return a, b


def _page(client, ward, **params):
    with freeze_time("2024-04-15 10:00:00+07:00"):
        return client.get(reverse("public_results", args=[ward.code]), params)


def test_the_page_shows_the_engines_figures_without_login(client, ward, results, settings):
    settings.PUBLIC_MIN_RATINGS = 2
    response = _page(client, ward)
    assert response.status_code == 200
    march = response.context["months"][2]
    assert (march.label, march.received, march.resolved, str(march.on_time), str(march.satisfaction)) == (
        "03/2024",
        3,
        2,
        "50,0%",
        "50,0%",
    )
    engine = indicators.summary(
        [ward.id], year_to_date(results[0].received_at.date().replace(month=4, day=15))
    )
    total = response.context["total"]
    assert (total.received, total.resolved) == (engine.total.counts.received, engine.total.counts.resolved)
    assert str(total.on_time) == str(engine.total.value_of("on_time_rate"))
    (field_row,) = response.context["fields"]
    assert (field_row.received, field_row.resolved) == (4, 2)


def test_satisfaction_is_hidden_below_the_minimum_of_ratings(client, ward, results, settings):
    settings.PUBLIC_MIN_RATINGS = 3
    response = _page(client, ward)
    assert response.context["total"].satisfaction is None and response.context["total"].rated == 2
    assert 'data-testid="total-satisfaction"><small>2 đánh giá' in response.content.decode()


def test_no_personal_data_and_the_page_may_be_cached(client, ward, results):
    response = _page(client, ward)
    html = response.content.decode()
    assert "Trần Thị Bích" not in html and "0905123456" not in html and results[0].code not in html
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]


def test_the_figures_are_computed_once_then_cached(client, ward, results, django_assert_max_num_queries):
    _page(client, ward)
    # The ward; the figures come from the cache.
    with django_assert_max_num_queries(1):
        assert _page(client, ward).status_code == 200


def test_unknown_ward_or_bad_year_is_not_found(client, ward):
    assert client.get(reverse("public_results", args=["XX"])).status_code == 404
    assert _page(client, ward, nam="abc").status_code == 404
    assert _page(client, ward, nam="2031").status_code == 404
    assert _page(client, ward, nam="2023").status_code == 200


# -- average processing time and PAKN (issue 19 item 4) -------------------------------------------


def test_march_mean_processing_time_leaves_out_withdrawn_dossiers(client, ward, results, officer_datdai,
                                                                  make_dossier, business):  # fmt: skip
    # a: Mon 04/03 -> Wed 06/03 = 2 working days; b: Tue 05/03 -> Wed 20/03 = 11; (2 + 11) / 2 = 6.5.
    withdrawn = make_dossier(business, at(2024, 3, 7, 9))
    workflow.withdraw(withdrawn, by=officer_datdai, at=at(2024, 3, 28, 9), reason="Rút hồ sơ")
    response = _page(client, ward)
    march = response.context["months"][2]
    assert march.resolved == 3  # the engine's resolved count includes the withdrawn one
    assert (march.processing.resolved, march.processing.working_days, str(march.processing)) == (2, 13, "6,5")
    assert str(response.context["months"][3].processing) == "—"  # April: nothing resolved yet
    assert "Hồ sơ rút, dừng giải quyết không tính" in response.content.decode()


@pytest.fixture
def spring(make_dossier, business, birth, officer_datdai):
    """Around the Hùng Vương day (Thu 18/04/2024) and the 29/04-01/05 days off; Sat 04/05 a
    working day. Business: 17/04 -> 23/04 = 3, 25/04 -> 26/04 = 1, 26/04 -> 02/05 = 1; birth:
    03/05 -> 06/05 = 2 (Sat 04/05 and Mon 06/05)."""
    for procedure, received, resolved in (
        (business, at(2024, 4, 17, 9), at(2024, 4, 23, 10)),
        (business, at(2024, 4, 25, 9), at(2024, 4, 26, 10)),
        (business, at(2024, 4, 26, 9), at(2024, 5, 2, 10)),
        (birth, at(2024, 5, 3, 9), at(2024, 5, 6, 10)),
    ):
        workflow.resolve(make_dossier(procedure, received), by=officer_datdai, at=resolved)


def _may_page(client, ward):
    with freeze_time("2024-05-10 10:00:00+07:00"):
        return client.get(reverse("public_results", args=[ward.code]))


def test_mean_processing_time_per_month_and_field_counts_working_days_only(
    client, ward, spring, business, birth
):
    response = _may_page(client, ward)
    months = {r.label: str(r.processing) for r in response.context["months"]}
    assert (months["04/2024"], months["05/2024"]) == ("2,0", "1,5")  # (3 + 1) / 2, (1 + 2) / 2
    assert str(response.context["total"].processing) == "1,8"  # 7 / 4 = 1.75, rounded half up
    fields = {r.label: str(r.processing) for r in response.context["fields"]}
    assert fields == {business.field.name: "1,7", birth.field.name: "2,0"}  # 5 / 3 and 2 / 1


@pytest.fixture
def pakn(ward, officer_tuphap):
    """March 2024: three petitions received; one answered on time in March, one answered late in
    April; the third still open. One received in February, answered in March on time."""
    from dossiers import petitions
    from dossiers.models import PetitionSource, PetitionType

    kind = PetitionType.objects.get(code="PA-TTHC")  # 10 working days

    def log(received_at):
        return petitions.receive(ward=ward, petition_type=kind, source=PetitionSource.PUBLIC_PAGE,
                                 petitioner_name="Đỗ Văn Tư", petitioner_phone="0987654321",
                                 content="Chờ lâu", received_at=received_at, by=None)  # fmt: skip

    feb = log(at(2024, 2, 26, 9))  # due 11/03
    first, second, _open = (log(at(2024, 3, d, 9)) for d in (4, 5, 6))  # due 18/03, 19/03
    for petition, replied in (
        (feb, at(2024, 3, 8, 9)),
        (first, at(2024, 3, 18, 16)),
        (second, at(2024, 4, 2, 9)),
    ):
        petitions.reply(petition, text="Đã xử lý", outcome="upheld", by=officer_tuphap, at=replied)


def test_pakn_received_answered_and_on_time_per_month(client, ward, pakn):
    response = _page(client, ward)
    rows = {r.label: r.counts for r in response.context["petitions"]}
    assert [
        (rows[m].received, rows[m].answered, rows[m].answered_on_time)
        for m in ("02/2024", "03/2024", "04/2024")
    ] == [
        (1, 0, 0),
        (3, 2, 2),
        (0, 1, 0),
    ]
    assert str(rows["03/2024"].on_time) == "100,0%" and str(rows["04/2024"].on_time) == "0,0%"
    total = response.context["petitions_total"]
    assert (total.received, total.answered, total.answered_on_time, str(total.on_time)) == (4, 3, 2, "66,7%")
    html = response.content.decode()
    assert "Đỗ Văn Tư" not in html and "0987654321" not in html and "PA-BH-" not in html


@pytest.mark.parametrize("extra", [0, 8])
def test_the_first_computation_takes_a_fixed_number_of_queries(client, ward, spring, pakn, make_dossier, business,
                                                               officer_datdai, django_assert_max_num_queries, extra):  # fmt: skip
    for i in range(extra):
        workflow.resolve(
            make_dossier(business, at(2024, 3, 11 + i % 5, 9)), by=officer_datdai, at=at(2024, 3, 22, 9)
        )
    # the ward; processing times; per period of the engine (5 months and the whole period) the
    # facts, letters and ratings, the facts read from the monthly rollup for 4 of them and from the
    # daily rows plus one count of the dossiers still open at the cut-off for the other 2; field
    # names; PAKN received and answered: 1 + 1 + 4 x 3 + 2 x 4 + 1 + 2 = 25.
    with django_assert_max_num_queries(25):
        assert _may_page(client, ward).status_code == 200
