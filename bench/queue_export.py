"""The city's five-year export through the queue, against the same build in the request's place.

``DATABASE_URL=postgres://... python bench/queue_export.py [--city LOAD100K]`` (the city made by
``generate_load``, as ``bench/run.py`` makes it) prints one JSON line:

- ``start_ms``: what the city viewer waits for when clicking "export" (the request that counts
  the rows, writes the job row and answers with the job page), median of 5 through Django's test
  client with the database queue backend, no worker running (the jobs are dropped afterwards);
- ``queued``: one such job worked by a real ``manage.py worker`` process: seconds from the
  worker's claim to the stored file, rows and rows/s, and the seconds the person waits from the
  click to the download link (queue pick-up included);
- ``direct``: the same ``build_report`` call in this process, as the download view ran it before
  the queue (the reader's personal-data rule included; seconds, rows/s);
- ``load``: the machine's 1-minute load average before and after (the figures are only comparable
  on a quiet machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = date(2021, 1, 1), date(2026, 11, 25)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--city", default="LOAD100K")
    parser.add_argument("--skip-direct", action="store_true")
    args = parser.parse_args()
    os.environ["TASKS_BACKEND"] = "database"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("the bench runs on PostgreSQL: set DATABASE_URL=postgres://...")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dossiers import privacy
    from parindex.analytics.reports.figures import Scope
    from parindex.analytics.reports.workbook import build_report, default_meta
    from parindex.base.jobs.models import Job, JobKind, JobStatus
    from parindex.base.models import City
    from parindex.base.periods import custom

    settings.ALLOWED_HOSTS = ["*"]
    city = City.objects.get(code=args.city)
    viewer = get_user_model().objects.get(username="{}_thanhpho".format(args.city.lower()))
    client = Client()
    client.force_login(viewer)
    url = "/reports/download/?city={}&from={}&to={}".format(city.code, START.isoformat(), END.isoformat())
    Job.objects.filter(owner=viewer).delete()

    load_before = os.getloadavg()[0]
    timings = []
    for _ in range(6):  # the first warms the connection and the caches
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    start_ms = statistics.median(timings[1:])
    # Those jobs are dropped (their queue entries find nothing to claim); one more is worked.
    Job.objects.filter(owner=viewer).update(status=JobStatus.FAILED, error="bench")

    clicked = time.perf_counter()
    client.get(url)  # the one the worker builds, timed from the click
    job = Job.objects.filter(owner=viewer, kind=JobKind.REPORT_EXPORT, status=JobStatus.QUEUED).get()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker"], cwd=ROOT, env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            job.refresh_from_db()
            if job.finished:
                break
            time.sleep(0.2)
        waited = time.perf_counter() - clicked
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert job.status == JobStatus.DONE, job.error
    worked = (job.finished_at - job.started_at).total_seconds()
    result = {
        "load_before": load_before,
        "city": city.code,
        "period": [START.isoformat(), END.isoformat()],
        "start_ms": round(start_ms, 1),
        "start_ms_all": [round(t, 1) for t in timings],
        "queued": {
            "rows": job.rows_total,
            "seconds": round(worked, 2),
            "rows_per_s": round(job.rows_total / worked),
            "click_to_file_s": round(waited, 2),
            "bytes": job.result_file.size,
        },
    }
    if not args.skip_direct:
        scope = Scope.for_city(city)
        period = custom(START, END)
        with tempfile.TemporaryFile(suffix=".xlsx") as out:
            started = time.perf_counter()
            # As the download view called it before the queue: the reader's personal-data rule.
            reads = privacy.UnmaskedReads(viewer)
            build_report(scope, period, out, meta=default_meta(scope, number="", preparer=""), full_for=reads)
            reads.log(action="report log", note="bench")
            seconds = time.perf_counter() - started
        result["direct"] = {"rows": job.rows_total, "seconds": round(seconds, 2),
                            "rows_per_s": round(job.rows_total / seconds)}  # fmt: skip
    Job.objects.filter(owner=viewer).delete()
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
