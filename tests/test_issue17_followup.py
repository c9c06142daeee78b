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
