"""The QĐ 766 scoreboard pages: who sees what, fixed query counts, Excel export, the city's
entries and the import of the official scores (never overwritten)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from dossiers import workflow
from dossiers.models import Channel
from parindex.analytics.service_index_data import OfficialScore, ServiceIndexEntry
from parindex.base.models import Role
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

BOARD = reverse("service_index")
WARD = reverse("service_index_ward")
MAY = {"kind": "month", "year": "2024", "month": "5"}


def _receive(ward, procedure, by, day, **kw):
    d = workflow.receive(
        ward=ward, procedure=procedure, channel=Channel.ONLINE, received_at=at(2024, 5, day, 9),
        applicant_name="Nguyễn Văn A", by=by, digitised_at_reception=True, **kw,
    )  # fmt: skip
    workflow.resolve(d, by=by, at=at(2024, 5, day, 10), electronic_result=True)
    return d


def _entries(wards, by):
    for w in wards:
        for code in ("publicity.publication", "publicity.national_sync", "digitisation.e_copies"):
            ServiceIndexEntry.objects.create(
                ward=w,
                code=code,
                kind="month",
                year=2024,
                number=5,
                numerator=1,
                denominator=1,
                entered_by=by,
            )


@pytest.fixture
def leader_other(make_user, other_ward):
    return make_user("chutich_pth", role=Role.LEADER, ward=other_ward)


@freeze_time("2024-06-10 09:00:00+07:00")
def test_city_board_ranks_wards_with_ties_and_the_total_only_when_complete(
    client, city_viewer, administrator, ward, other_ward, birth, officer_tuphap, leader_other
):
    for day in (6, 7):
        _receive(ward, birth, officer_tuphap, day)
        _receive(other_ward, birth, leader_other, day)
    client.force_login(city_viewer)
    page = client.get(BOARD, MAY)
    assert page.status_code == 200
    rows = page.context["rows"]
    # no city entries yet: every group but publicity scored, no total, no rank
    assert [r["rank"] for r in rows] == [None, None] and rows[0]["total"] is None
    assert rows[0]["groups"][1]["rank"] == 1 and rows[1]["groups"][1]["rank"] == 1  # progress tie
    _entries([ward, other_ward], administrator)
    rows = client.get(BOARD, MAY).context["rows"]
    assert [r["rank"] for r in rows] == [1, 1]  # the same records: equal totals share rank 1
    assert rows[0]["total"] == sum(g["points"] for g in rows[0]["groups"])


@freeze_time("2024-06-10 09:00:00+07:00")
def test_pages_keep_their_query_count_as_data_grows(
    client, city_viewer, chairperson, ward, other_ward, birth, officer_tuphap, leader_other,
    django_assert_max_num_queries,
):  # fmt: skip
    # The board: weights, catalogue, city entries, official scores, then 2 per period for the
    # chart's months January-May (April is also the previous period): 4 + 2 x 5 = 14. Around it,
    # the city page reads session, user, membership, the city, its wards and the menu's two
    # lookups (21); the ward page session, user and membership (17).
    client.force_login(city_viewer)
    with django_assert_max_num_queries(21):
        assert client.get(BOARD, MAY).status_code == 200
    client.force_login(chairperson)
    with django_assert_max_num_queries(17):
        assert client.get(WARD, MAY).status_code == 200
    for day in (6, 7, 8, 9, 10):
        _receive(ward, birth, officer_tuphap, day)
        _receive(other_ward, birth, leader_other, day)
    client.force_login(city_viewer)
    with django_assert_max_num_queries(21):
        assert client.get(BOARD, MAY).status_code == 200
    client.force_login(chairperson)
    with django_assert_max_num_queries(17):
        page = client.get(WARD, MAY)
    assert page.context["unit"].facts.new == 5


@freeze_time("2024-06-10 09:00:00+07:00")
def test_ward_members_see_only_their_ward(client, chairperson, officer_tuphap, ward, other_ward, far_ward):
    client.force_login(officer_tuphap)
    assert client.get(BOARD, MAY)["Location"] == WARD
    page = client.get(WARD, MAY)
    assert page.status_code == 200 and page.context["ward"] == ward and page.context["city_url"] is None
    assert client.get(WARD, {**MAY, "ward": other_ward.code}).status_code == 404
    assert client.get(WARD, {**MAY, "ward": far_ward.code}).status_code == 404


@freeze_time("2024-06-10 09:00:00+07:00")
def test_officials_of_another_city_never_see_it(client, make_user, other_city, ward, far_ward):
    far_viewer = make_user("xem_lg", role=Role.CITY_VIEWER, city=other_city)
    client.force_login(far_viewer)
    assert client.get(BOARD, {**MAY, "city": "PT"}).status_code == 404
    assert client.get(WARD, {**MAY, "ward": ward.code}).status_code == 404
    page = client.get(BOARD, MAY)
    assert [r["ward"] for r in page.context["rows"]] == [far_ward]
    assert client.get(reverse("service_index_entries"), MAY).status_code == 404  # not an administrator


@freeze_time("2024-06-10 09:00:00+07:00")
def test_ward_page_shows_numbers_definition_and_the_official_difference(
    client, chairperson, administrator, ward, birth, officer_tuphap
):
    _receive(ward, birth, officer_tuphap, 6)
    OfficialScore.objects.create(
        ward=ward,
        kind="month",
        year=2024,
        number=5,
        group="progress",
        points=Decimal("15"),
        imported_by=administrator,
    )
    client.force_login(chairperson)
    page = client.get(WARD, MAY)
    html = page.content.decode()
    progress = next(g for g in page.context["groups"] if g["group"].code == "progress")
    assert (
        progress["text"] == "20,00" and progress["official"] == "15,00" and progress["difference"] == "5,00"
    )
    assert 'data-testid="sub-progress.in_time"' in html and "Biểu 06" in html
    assert (
        "<svg" in html
        and 'x="' in html
        and "," not in html.split("<svg", 1)[1].split("</svg>")[0].split("<title")[0]
    )


@freeze_time("2024-06-10 09:00:00+07:00")
def test_excel_export_lists_the_board(client, city_viewer, ward, other_ward, birth, officer_tuphap):
    _receive(ward, birth, officer_tuphap, 6)
    client.force_login(city_viewer)
    response = client.get(BOARD, {**MAY, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:3] == ("Hạng", "Phường", "Công khai, minh bạch")
    assert {rows[2][1], rows[3][1]} == {ward.name, other_ward.name}
    assert rows[4][1] == "Toàn thành phố"


@freeze_time("2024-06-10 09:00:00+07:00")
def test_city_entries_are_saved_and_bad_input_writes_nothing(client, administrator, ward, other_ward):
    client.force_login(administrator)
    url = reverse("service_index_entries") + "?kind=month&year=2024&month=5"
    key = "publicity.publication"
    bad = client.post(url, {"num-{}-{}".format(ward.id, key): "5", "den-{}-{}".format(ward.id, key): "4"})
    assert bad.status_code == 400 and not ServiceIndexEntry.objects.exists()
    ok = client.post(url, {"num-{}-{}".format(ward.id, key): "3", "den-{}-{}".format(ward.id, key): "4"})
    assert ok.status_code == 302
    entry = ServiceIndexEntry.objects.get()
    assert (entry.ward, entry.numerator, entry.denominator, entry.entered_by) == (ward, 3, 4, administrator)
    assert entry.history.count() == 1


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã phường", "Kỳ", "Nhóm", "Điểm"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "diem.xlsx"
    return out


def _import(client, rows):
    page = client.get(BOARD, MAY)
    return client.post(
        reverse("service_index_import") + "?city=PT", {**form_token(page), "file": _xlsx(rows)}, follow=True
    )


@freeze_time("2024-06-10 09:00:00+07:00")
def test_official_scores_import_and_are_never_overwritten(client, administrator, ward, other_ward):
    client.force_login(administrator)
    _import(client, [["BH", "05/2024", "Tiến độ giải quyết", 18.5], ["PTH", "Q2/2024", "payment", "7,25"]])
    scores = {(s.ward.code, s.kind, s.number, s.group): s.points for s in OfficialScore.objects.all()}
    assert scores == {
        ("BH", "month", 5, "progress"): Decimal("18.50"),
        ("PTH", "quarter", 2, "payment"): Decimal("7.25"),
    }
    response = _import(client, [["BH", "05/2024", "progress", 12]])
    assert OfficialScore.objects.get(ward=ward, group="progress").points == Decimal("18.50")
    assert "Không ghi đè" in response.content.decode()
    # one bad row: nothing of the file is written
    _import(client, [["BH", "06/2024", "progress", 12], ["XX", "13/2024", "nhóm lạ", 120]])
    assert OfficialScore.objects.count() == 2
