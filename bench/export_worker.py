"""One export in a fresh process, so its time and peak memory (RSS) are its own.

``python bench/export_worker.py '{"mode": "app_log", "wards": [...], "start": "2022-01-01", ...}'``
prints one JSON line: seconds, rows, bytes written, RSS before the export and peak RSS
(VmHWM: the process's high-water mark, Django and libraries included).

Modes: ``app_log`` (the portal's "Sổ theo dõi" sheet: ``write_log`` + save), ``floor_log`` (one SQL
statement streamed from a server-side cursor into a plain openpyxl write-only sheet),
``import_export_log`` (django-import-export: a ``ModelResource`` over the same queryset, exported
to XLSX as its admin action does) and ``report`` (the whole monthly report, ``build_report``).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """VmHWM, the peak RSS of this process image. Not ru_maxrss: Linux carries the parent's
    high-water mark across fork and exec, so every worker would report the bench's own size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scope(job):
    from parindex.analytics.reports.figures import Scope
    from parindex.base.models import City, Ward

    if job.get("city"):
        return Scope.for_city(City.objects.get(code=job["city"]), job["wards"])
    return Scope.for_ward(Ward.objects.select_related("city").get(id=job["wards"][0]))


def app_log(job, period, out) -> int:
    from parindex.analytics.reports.dossier_log import write_log
    from parindex.base import xlsx

    workbook = xlsx.new_workbook()
    sheet = write_log(workbook, _scope(job), period)
    workbook.save(out)
    return sheet.rows_written - 3


def floor_log(job, period, out) -> int:
    from django.db import connection, transaction
    from openpyxl import Workbook

    from bench.floor import LOG_SQL

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("log")
    rows = 0
    with transaction.atomic(), connection.connection.cursor(name="floor_log") as cursor:
        cursor.itersize = 2000
        cursor.execute(
            LOG_SQL,
            {
                "wards": job["wards"],
                "start_at": period.start_at,
                "end_at": period.end_at,
                "tz": "Asia/Ho_Chi_Minh",
            },
        )
        for row in cursor:
            sheet.append(row)
            rows += 1
    workbook.save(out)
    return rows


def import_export_log(job, period, out) -> int:
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from dossiers.models import Dossier
    from parindex.analytics.reports.dossier_log import log_queryset

    class DossierResource(resources.ModelResource):
        ward_code = fields.Field(attribute="ward__code", column_name="ward")
        procedure_code = fields.Field(attribute="procedure__code", column_name="procedure_code")
        procedure_name = fields.Field(attribute="procedure__name", column_name="procedure_name")
        field_name = fields.Field(attribute="field__name", column_name="field")
        lead_agency = fields.Field(attribute="procedure__lead_agency", column_name="lead_agency")
        first_sent_at = fields.Field(attribute="first_sent_at", column_name="sent_at")
        last_back_at = fields.Field(attribute="last_back_at", column_name="back_at")

        class Meta:
            model = Dossier
            fields = (
                "ward_code",
                "code",
                "procedure_code",
                "procedure_name",
                "field_name",
                "sets",
                "applicant_name",
                "applicant_address",
                "applicant_phone",
                "channel",
                "lead_agency",
                "received_at",
                "due_date",
                "first_sent_at",
                "last_back_at",
                "resolved_at",
                "returned_at",
                "status",
                "outcome",
                "cancel_reason",
            )
            export_order = fields

    dataset = DossierResource().export(queryset=log_queryset(_scope(job), period))
    data = XLSX().export_data(dataset)
    out.write(data)
    return len(dataset)


def report(job, period, out) -> int:
    from parindex.analytics.reports.workbook import build_report

    data = build_report(_scope(job), period, out)
    return int(data.get("total", {}).get("received", 0)) if isinstance(data, dict) else 0


MODES = {"app_log": app_log, "floor_log": floor_log, "import_export_log": import_export_log, "report": report}


def main() -> None:
    job = json.loads(sys.argv[1])
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()
    # Import what the mode needs before the baseline, so the baseline is "ready to export".
    import openpyxl  # noqa: F401
    from django.db import connection

    from parindex.base.periods import custom

    if job["mode"] == "import_export_log":
        import import_export.resources  # noqa: F401
    connection.ensure_connection()
    period = custom(date.fromisoformat(job["start"]), date.fromisoformat(job["end"]))
    baseline = rss_mb()
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        started = time.perf_counter()
        rows = MODES[job["mode"]](job, period, out)
        seconds = time.perf_counter() - started
        size = out.tell() if out.tell() else os.fstat(out.fileno()).st_size
    print(
        json.dumps(
            {
                "mode": job["mode"],
                "seconds": round(seconds, 3),
                "rows": rows,
                "bytes": size,
                "baseline_rss_mb": round(baseline, 1),
                "peak_rss_mb": round(peak_mb(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
