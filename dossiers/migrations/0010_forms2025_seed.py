"""Seed the printed forms with the legal defaults: the Thông tư 01/2018/TT-VPCP set before
01/07/2025 and the Thông tư 03/2025/TT-VPCP set from then on (dossiers/printed_forms.py)."""

import re
from datetime import date

from django.db import migrations
from django.utils import timezone

UNIT_2018 = "Bộ phận Một cửa"
UNIT_2025 = "Trung tâm phục vụ hành chính công"
BASIS_2018 = "Thông tư số 01/2018/TT-VPCP"
BASIS_2025 = "Thông tư số 03/2025/TT-VPCP"
FROM_2018 = date(2000, 1, 1)
FROM_2025 = date(2025, 7, 1)

# A copy, not an import: a migration must keep meaning what it meant when it was written.
ROWS = [
    ("receipt", FROM_2018, "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", UNIT_2018, BASIS_2018),
    ("supplement", FROM_2018, "02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", UNIT_2018, BASIS_2018),
    ("refusal", FROM_2018, "03", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", UNIT_2018, BASIS_2018),
    ("apology", FROM_2018, "04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả", UNIT_2018, BASIS_2018),
    ("control", FROM_2018, "05", "Phiếu kiểm soát quá trình giải quyết hồ sơ", UNIT_2018, BASIS_2018),
    ("log", FROM_2018, "06", "Sổ theo dõi hồ sơ", UNIT_2018, BASIS_2018),
    ("receipt", FROM_2025, "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", UNIT_2025, BASIS_2025),
    ("supplement", FROM_2025, "02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", UNIT_2025, BASIS_2025),
    ("refusal", FROM_2025, "03", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", UNIT_2025, BASIS_2025),
    (
        "apology",
        FROM_2025,
        "04",
        "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ",
        UNIT_2025,
        BASIS_2025,
    ),
    ("stop", FROM_2025, "05", "Thông báo dừng giải quyết hồ sơ", UNIT_2025, BASIS_2025),
    ("control", FROM_2025, "06", "Phiếu kiểm soát quá trình giải quyết hồ sơ", UNIT_2025, BASIS_2025),
    ("log", FROM_2025, "07", "Sổ theo dõi hồ sơ", UNIT_2025, BASIS_2025),
]


def seed(apps, schema_editor):
    PrintedForm = apps.get_model("dossiers", "PrintedForm")
    for kind, valid_from, number, title, unit, basis in ROWS:
        PrintedForm.objects.get_or_create(
            kind=kind,
            valid_from=valid_from,
            defaults={"number": number, "title": title, "unit_name": unit, "legal_basis": basis},
        )


PAPER_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<kind>[^,()]+),\s*(?P<copies>\d{1,3})\)\s*$")
KINDS = {"bản chính": "original", "bản sao": "copy", "bản chính hoặc bản sao": "either"}


def backfill(apps, schema_editor):
    """Dossiers logged before: their papers as rows, and log entries per ward and year in the
    order they were received, so new receptions continue the numbering."""
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierDocument = apps.get_model("dossiers", "DossierDocument")
    LogCounter = apps.get_model("dossiers", "LogCounter")
    papers = []
    last: dict[tuple[int, int], int] = {}
    changed = []
    rows = Dossier.objects.order_by("ward_id", "received_at", "id").only("id", "ward_id", "received_at", "documents")
    for d in rows.iterator(chunk_size=2000):
        year = timezone.localtime(d.received_at).year
        key = (d.ward_id, year)
        last[key] = last.get(key, 0) + 1
        d.log_year, d.log_volume, d.log_number = year, 1, last[key]
        changed.append(d)
        for i, line in enumerate([x.strip() for x in d.documents.splitlines() if x.strip()], start=1):
            m = PAPER_RE.match(line)
            kind = KINDS.get(m["kind"].strip().lower()) if m else None
            if m and kind and int(m["copies"]) >= 1:
                papers.append(DossierDocument(dossier_id=d.id, position=i, name=m["name"][:300], kind=kind, copies=int(m["copies"])))
            else:
                papers.append(DossierDocument(dossier_id=d.id, position=i, name=line[:300], kind="", copies=1))
        if len(changed) >= 2000:
            Dossier.objects.bulk_update(changed, ["log_year", "log_volume", "log_number"])
            DossierDocument.objects.bulk_create(papers)
            changed, papers = [], []
    Dossier.objects.bulk_update(changed, ["log_year", "log_volume", "log_number"])
    DossierDocument.objects.bulk_create(papers)
    LogCounter.objects.bulk_create(
        LogCounter(ward_id=ward_id, year=year, volume=1, last=n) for (ward_id, year), n in last.items()
    )


def unseed(apps, schema_editor):
    PrintedForm = apps.get_model("dossiers", "PrintedForm")
    PrintedForm.objects.filter(valid_from__in=[FROM_2018, FROM_2025]).delete()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0009_forms2025")]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
