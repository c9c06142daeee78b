"""Follow-ups of issue 17: the catalogue Excel carries the "nationally centralised" flag; the
dossier log's volume is edited in the admin, with history."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dossiers import catalogue_xlsx
from dossiers.catalogue_xlsx import COLUMNS
from dossiers.models import Procedure
from tests.dossiers_fixtures import *  # noqa: F403

HEADER = "Thủ tục tập trung toàn quốc (có/không)"


def _upload(header, rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("danh-muc.xlsx", buf.getvalue())


def _row(p: Procedure, *extra) -> list:
    return [
        p.field.code,
        p.code,
        p.name,
        p.valid_from.strftime("%d/%m/%Y"),
        None,
        "có" if p.same_day else "không",
        p.processing_days,
        p.verification_days,
        int(p.fee),
        "không",
        p.lead_agency,
        p.coordinating_agencies,
        *extra,
    ]


def _exported() -> list[tuple]:
    response = catalogue_xlsx.export_response()
    data = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_export_writes_the_flag_and_import_reads_it_back(catalogue, birth):
    birth.nationally_centralised = True
    birth.save()
    rows = _exported()
    assert rows[0][-1] == HEADER
    by_code = {(r[1], r[3].date() if hasattr(r[3], "date") else r[3]): r for r in rows[1:]}
    assert by_code[(birth.code, birth.valid_from)][-1] == "có"
    assert {r[-1] for r in rows[1:]} == {"có", "không"}
    # the exported file imports as it is: the flags come back after being changed
    data = b"".join(catalogue_xlsx.export_response().streaming_content)
    Procedure.objects.update(nationally_centralised=False)
    result = catalogue_xlsx.import_file(SimpleUploadedFile("x.xlsx", data))
    assert result.errors == [] and result.created == 0
    assert list(Procedure.objects.filter(nationally_centralised=True).values_list("pk", flat=True)) == [
        birth.pk
    ]


def test_english_headers_and_values_import_too(catalogue, birth):
    with translation.override("en"):
        header = [str(c[1]) for c in COLUMNS]
    assert header[-1] == "Nationally centralised procedure (yes/no)"
    result = catalogue_xlsx.import_file(_upload(header, [_row(birth, 0, "yes")]))
    assert result.errors == [] and result.updated == 1
    birth.refresh_from_db()
    assert birth.nationally_centralised is True


def test_a_file_without_the_column_leaves_the_flag_and_a_bad_value_is_named(catalogue, birth):
    birth.nationally_centralised = True
    birth.save()
    older = [str(c[1]) for c in COLUMNS[:12]]
    result = catalogue_xlsx.import_file(_upload(older, [_row(birth)]))
    assert result.errors == [] and result.updated == 1
    birth.refresh_from_db()
    assert birth.nationally_centralised is True
    full = [str(c[1]) for c in COLUMNS]
    result = catalogue_xlsx.import_file(_upload(full, [_row(birth, 0, "có lẽ")]))
    assert result.errors == ["Dòng 2, cột “{}”: ghi “có” hoặc “không”.".format(HEADER)]
    result = catalogue_xlsx.import_file(_upload(full, [_row(birth, 0, "không")]))
    assert result.errors == []
    birth.refresh_from_db()
    assert birth.nationally_centralised is False


# --- 5. the dossier log's volume, in the admin -------------------------------------------------


def _received(ward, procedure, by, hour):
    from dossiers import workflow
    from dossiers.models import Channel
    from tests.dossiers_fixtures import at

    return workflow.receive(
        ward=ward,
        procedure=procedure,
        channel=Channel.IN_PERSON,
        received_at=at(2024, 3, 4, hour),
        applicant_name="Người nộp",
        by=by,
    )


def test_admin_changes_the_volume_only_with_history(
    client, ward, other_ward, birth, officer_tuphap, make_user
):
    from dossiers.models import LogCounter
    from parindex.base.models import Role

    admin_user = make_user("quantri", role=Role.ADMIN, city=ward.city, full_name="Quản Trị")
    admin_user.is_staff = True
    admin_user.save()
    _received(ward, birth, officer_tuphap, 9)
    row = LogCounter.objects.get(ward=ward, year=2024)
    # receptions write no history: only the row's creation is there
    assert row.history.count() == 1
    client.force_login(admin_user)
    url = "/admin/dossiers/logcounter/{}/change/".format(row.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == ["volume"]
    # an entry numbered while the form is open is kept; a "last" posted by hand is ignored
    _received(ward, birth, officer_tuphap, 10)
    saved = client.post(url, {"volume": "2", "last": "0", "ward": str(other_ward.pk), "year": "2020"})
    assert saved.status_code == 302
    row.refresh_from_db()
    assert (row.ward_id, row.year, row.volume, row.last) == (ward.id, 2024, 2, 2)
    latest = row.history.first()
    assert (latest.volume, latest.last, latest.history_user) == (2, 2, admin_user)
    assert client.get("/admin/dossiers/logcounter/{}/history/".format(row.pk)).status_code == 200
    assert (
        client.post("/admin/dossiers/logcounter/{}/delete/".format(row.pk), {"post": "yes"}).status_code
        == 403
    )
    # the next dossier is logged in the new volume, numbering goes on
    third = _received(ward, birth, officer_tuphap, 11)
    assert (third.log_volume, third.log_number) == (2, 3)


# --- 5. ... and on the ward leader's screen ----------------------------------------------------


def test_ward_leader_opens_a_new_volume_and_numbering_goes_on(
    client, ward, birth, officer_tuphap, chairperson, django_assert_max_num_queries
):
    from dossiers.models import LogCounter

    _received(ward, birth, officer_tuphap, 9)
    client.force_login(chairperson)
    with django_assert_max_num_queries(12):
        page = client.get("/dossiers/log/")
    assert page.status_code == 200
    assert [(r.year, r.volume, r.last) for r in page.context["rows"]] == [(2024, 1, 1)]
    assert client.post("/dossiers/log/", {"year": "2024", "volume": "2"}).status_code == 302
    row = LogCounter.objects.get(ward=ward, year=2024)
    assert (row.volume, row.last) == (2, 1)
    latest = row.history.first()
    assert (latest.volume, latest.history_user, latest.history_change_reason) == (
        2,
        chairperson,
        "Đổi quyển sổ theo dõi hồ sơ",
    )
    assert (_received(ward, birth, officer_tuphap, 10).log_volume, row.history.count()) == (2, 2)
    # bad input: a message, nothing written
    for bad in (
        {"year": "2024", "volume": "0"},
        {"year": "1999", "volume": "3"},
        {"year": "x", "volume": "y"},
    ):
        assert client.post("/dossiers/log/", bad).status_code == 400
    assert LogCounter.objects.get(ward=ward, year=2024).volume == 2 and row.history.count() == 2


def test_officers_and_other_wards_cannot_set_the_volume(client, ward, officer_tuphap, officer_other_ward):
    from dossiers.models import LogCounter

    for user in (officer_tuphap, officer_other_ward):
        client.force_login(user)
        assert client.get("/dossiers/log/").status_code == 403
        assert client.post("/dossiers/log/", {"year": "2024", "volume": "5"}).status_code == 403
    assert not LogCounter.objects.exists()
