"""``make bench``: the portal at province scale, against the floor, on PostgreSQL.

    python bench/run.py                                   # 10k, 100k and 1M dossiers, everything
    python bench/run.py --sizes 10000,100000 --skip-http  # a quick run
    python bench/run.py --skip-load                       # reuse the data of an earlier run
    python bench/run.py --sizes 5000000                   # opt-in: 150 wards, 5M dossiers (hours)
    python bench/run.py --skip-load --profile             # also cProfile one request of each dashboard

Each size is its own city (``LOAD10K``, ``LOAD100K``, ``LOAD1M``) made by ``bench/generate_load.py`` with 5
years of 2000 dossiers per ward and year (1, 10 and 100 wards), all in one database, so the 1M
measurements run on a table of 1.11M dossiers. A city that already exists is reused.

Measured (median of 20 after 2 warm-ups; SQL statements counted with CaptureQueriesContext):
ward dashboard (leader, year to date) and city dashboard (city viewer) against one hand-written SQL
statement giving the same figures (checked equal first); the dossier list, a search and the
worklists; exports in subprocesses (time, peak RSS) against a plain openpyxl loop and
django-import-export; HTTP under load with gunicorn (2 workers) and wrk (30 s each).
Prints a table and writes ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
YEARS = 5
PER_WARD_YEAR = 2000
LOG_ROWS = 100_000
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bench"
# Production-like settings (DEBUG=0: cached templates, no debug cursor) over plain HTTP on 127.0.0.1.
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "k" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
}


def city_code(size: int) -> str:
    if size % 1_000_000 == 0:
        return "LOAD{}M".format(size // 1_000_000)
    if size % 1000 == 0:
        return "LOAD{}K".format(size // 1000)
    return "LOAD{}".format(size)


# Sizes with a shape of their own: {dossiers: wards}. The 5M province (opt-in: ``--sizes 5000000``)
# has 150 wards of 6,666 dossiers a year, as a big province's wards after the 2025 merger.
SHAPES = {5_000_000: 150}


def shape(size: int) -> tuple[int, int]:
    """(wards, per ward and year) for ``size`` dossiers over YEARS years."""
    if size in SHAPES:
        return SHAPES[size], size // (SHAPES[size] * YEARS)
    per_ward = YEARS * PER_WARD_YEAR
    if size >= per_ward:
        return size // per_ward, PER_WARD_YEAR
    return 1, max(1, size // YEARS)


def median_ms(fn, n: int = 20, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def say(text: str) -> None:
    print(text, flush=True)


# ------------------------------------------------------------------------------------------------
# Data


def ensure_data(sizes: list[int], *, skip_load: bool, end: date) -> dict[int, dict]:
    from django.core.management import call_command

    from bench import generate_load
    from parindex.base.models import City, Ward

    cities = {}
    for size in sizes:
        generated_s = None
        code = city_code(size)
        wards, per_ward_year = shape(size)
        if not City.objects.filter(code=code).exists():
            if skip_load:
                raise SystemExit("{} is missing: run without --skip-load first".format(code))
            say("Generating {} ({} wards x {} years x {}) ...".format(code, wards, YEARS, per_ward_year))
            started = time.perf_counter()
            call_command(
                generate_load.Command(),
                wards=wards,
                years=YEARS,
                per_ward_year=per_ward_year,
                seed=1,
                city=code,
                end=end,
            )
            generated_s = round(time.perf_counter() - started)
            say("  {} s".format(generated_s))
        ward_ids = list(Ward.objects.filter(city__code=code).order_by("code").values_list("id", flat=True))
        cities[size] = {"code": code, "ward_ids": ward_ids, "generated_s": generated_s}
    return cities


# ------------------------------------------------------------------------------------------------
# In-process measurements (Django test client)


def client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_get(client, url: str) -> dict:
    """Median time of ``url`` over 20 requests, its SQL statements and the median time spent in
    them (the rest is Python: views, templates, middleware)."""
    from django.db import connection

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit("GET {} answered {}".format(url, response.status_code))
        return response

    # An execute wrapper rather than CaptureQueriesContext: the test client's request_started
    # signal resets connection.queries_log mid-capture, which makes the slice come out empty.
    statements = []
    sql_seconds = [0.0]

    def count(execute, sql, params, many, context):
        statements.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds[0] += time.perf_counter() - started

    with connection.execute_wrapper(count):
        get()
        queries = len(statements)
        sql_samples = []

        def timed_get():
            sql_seconds[0] = 0.0
            get()
            sql_samples.append(sql_seconds[0] * 1000)

        total = median_ms(timed_get)
    sql_ms = round(statistics.median(sql_samples[2:] or sql_samples), 1)
    return {"url": url, "median_ms": total, "queries": queries, "sql_ms": sql_ms, "load": load_average()}


def load_average() -> float:
    """The machine's 1-minute load average when a figure is taken (the machine may be shared)."""
    return round(os.getloadavg()[0], 2)


def calibration() -> dict:
    """The machine's own speed, so that runs on different machines can be compared: a pure-Python
    loop of 10M additions and a PostgreSQL sum over 5M generated rows (medians of 3, ms)."""
    from django.db import connection

    def python_loop():
        total = 0
        for i in range(10_000_000):
            total += i
        return total

    def sql_loop():
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(i) FROM generate_series(1, 5000000) AS i")
            return cursor.fetchone()

    return {
        "python_10m_additions_ms": median_ms(python_loop, n=3, warmup=0),
        "postgres_sum_5m_rows_ms": median_ms(sql_loop, n=3, warmup=1),
    }


def profile_get(client, url: str, limit: int = 30) -> str:
    """cProfile of one request (after a warm-up): the functions by own time, then by cumulative
    time, as text (``--profile``)."""
    import cProfile
    import io
    import pstats

    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def measure_floor(ward_ids: list[int], period, *, trend: bool) -> dict:
    from django.db import connection

    from bench import floor

    with connection.cursor() as cursor:
        floor_result = floor.floor_figures(floor.run_dashboard_sql(cursor, ward_ids, period, trend=trend))
        engine = floor.engine_figures(ward_ids, period, trend=trend)
        if floor_result != engine:
            raise SystemExit("the floor SQL and the engine disagree for wards {}".format(ward_ids[:3]))
        ms = median_ms(lambda: floor.run_dashboard_sql(cursor, ward_ids, period, trend=trend))
    return {"median_ms": ms, "queries": 1, "figures_equal": True}


def bench_size(size: int, city: dict, today: date) -> dict:
    from urllib.parse import urlencode

    from parindex.base.periods import year_to_date

    code = city["code"]
    prefix = code.lower()
    period = year_to_date(today)
    ytd = "?" + urlencode({"kind": "ytd"})
    leader = client_for("{}_001_chutich".format(prefix))
    officer = client_for("{}_001_diachinh".format(prefix))
    viewer = client_for("{}_thanhpho".format(prefix))
    first_ward = city["ward_ids"][:1]
    result = {"city": code, "wards": len(city["ward_ids"]), "load_before": load_average()}
    if city.get("generated_s") is not None:
        result["generated_s"] = city["generated_s"]

    say("[{}] ward dashboard".format(code))
    result["ward_dashboard"] = measure_get(leader, "/dashboard/" + ytd)
    result["ward_dashboard_floor"] = measure_floor(first_ward, period, trend=True)
    # The busiest officials, loaded by the page after it (htmx): its own request.
    from parindex.base.models import Ward

    first_code = Ward.objects.get(id=first_ward[0]).code
    workload_query = "?" + urlencode(
        {"ward": first_code, "from": period.start.isoformat(), "to": period.end.isoformat()}
    )
    result["ward_workload"] = measure_get(leader, "/dashboard/workload/" + workload_query)
    say("[{}] city dashboard".format(code))
    result["city_dashboard"] = measure_get(viewer, "/dashboard/city/" + ytd)
    result["city_dashboard_floor"] = measure_floor(city["ward_ids"], period, trend=False)
    # The same pages on the live engine (every figure from the dossiers, as before the facts).
    from django.test import override_settings

    with override_settings(INDICATORS_LIVE=True):
        say("[{}] ward and city dashboards, live engine".format(code))
        result["ward_dashboard_live"] = measure_get(leader, "/dashboard/" + ytd)
        result["city_dashboard_live"] = measure_get(viewer, "/dashboard/city/" + ytd)

    say("[{}] lists".format(code))
    from dossiers.models import Dossier

    sample = (
        Dossier.objects.filter(ward_id=first_ward[0])
        .order_by("id")
        .values_list("applicant_name", "applicant_phone")[7]
    )
    lists = {
        "list": (leader, "/dossiers/"),
        "search_name": (leader, "/dossiers/?" + urlencode({"q": sample[0]})),
        "search_phone": (leader, "/dossiers/?" + urlencode({"q": sample[1]})),
    }
    # Deep pages through the keyset links (dossiers.pagination): the cursor of the last row of
    # the page before, as the "next" link of that page carries it.
    from django.contrib.auth import get_user_model

    from dossiers import pagination, worklists

    register = Dossier.objects.filter(ward_id=first_ward[0]).order_by(*pagination.ORDER)
    for number in (20, 190):
        cursor = pagination.encode(register[(number - 1) * pagination.PAGE_SIZE - 1])
        lists["list_page_{}".format(number)] = (
            leader,
            "/dossiers/?" + urlencode({"list": "", "after": cursor}),
        )
    officer_user = get_user_model().objects.get(username="{}_001_diachinh".format(prefix))
    mine = worklists.apply(Dossier.objects.filter(ward_id=first_ward[0]), "mine", officer_user, today)
    mine = mine.order_by(*pagination.ORDER)
    if mine.count() > 4 * pagination.PAGE_SIZE:
        cursor = pagination.encode(mine[4 * pagination.PAGE_SIZE - 1])
        lists["worklist_mine_page_5"] = (
            officer,
            "/dossiers/?" + urlencode({"list": "mine", "after": cursor}),
        )
    for name in ("mine", "due_today", "due_tomorrow", "overdue", "supplement", "at_agency", "apology"):
        lists["worklist_" + name] = (officer, "/dossiers/?" + urlencode({"list": name}))
    result["lists"] = {name: measure_get(client, url) for name, (client, url) in lists.items()}
    result["paging_sql"] = measure_paging(register)
    return result


def measure_paging(register) -> dict:
    """The page statements alone, side by side in one run: the Paginator's (a full COUNT, then
    LIMIT 50 OFFSET n) against the keyset page's (a COUNT bounded at COUNT_LIMIT, then the rows
    after the cursor), on page 1, 20 and 190 of one ward's register (newest first)."""
    from django.core.paginator import Paginator

    from dossiers import pagination

    size = pagination.PAGE_SIZE
    qs = register.select_related("procedure", "field", "ward")
    out = {}
    for number in (1, 20, 190):
        params = {} if number == 1 else {"after": pagination.encode(register[(number - 1) * size - 1])}
        offset_ms = median_ms(lambda n=number: list(Paginator(qs, size).get_page(n).object_list), n=10)
        keyset_ms = median_ms(lambda p=params: pagination.paginate(qs, p, size=size), n=10)
        same = [d.pk for d in Paginator(qs, size).get_page(number).object_list] == [
            d.pk for d in pagination.paginate(qs, params, size=size).object_list
        ]
        if not same:
            raise SystemExit("page {}: keyset and OFFSET pages differ".format(number))
        out["page_{}".format(number)] = {
            "offset_ms": offset_ms,
            "keyset_ms": keyset_ms,
            "ratio": round(offset_ms / keyset_ms, 2) if keyset_ms else None,
        }
    return out


# ------------------------------------------------------------------------------------------------
# Exports (subprocesses)


def run_worker(job: dict) -> dict:
    env = {**os.environ}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "export_worker.py"), json.dumps(job)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit("export worker failed: {}".format(completed.stderr[-2000:]))
    return json.loads(completed.stdout.strip().splitlines()[-1])


def bench_exports(cities: dict[int, dict], today: date) -> dict:
    from parindex.base.models import Ward

    # The 100k-row log: a city's wards over whole years, as many as make LOG_ROWS dossiers.
    size = 100_000 if 100_000 in cities else max(cities)
    city = cities[size]
    wards_needed = max(1, min(len(city["ward_ids"]), LOG_ROWS // (YEARS * PER_WARD_YEAR)))
    job = {
        "city": city["code"],
        "wards": city["ward_ids"][:wards_needed],
        "start": date(today.year - YEARS + 1, 1, 1).isoformat(),
        "end": today.isoformat(),
    }
    result = {"log": {}, "report": {}}
    for mode in ("app_log", "floor_log", "import_export_log"):
        say("export: {}".format(mode))
        result["log"][mode] = run_worker({**job, "mode": mode})
    # The monthly ward report (last full month) of the biggest city's first ward.
    biggest = cities[max(cities)]
    month_end = today.replace(day=1) - timedelta(days=1)
    ward = Ward.objects.get(id=biggest["ward_ids"][0])
    report_job = {
        "wards": [ward.id],
        "start": month_end.replace(day=1).isoformat(),
        "end": month_end.isoformat(),
        "mode": "report",
    }
    say("export: monthly report")
    result["report"]["app"] = run_worker(report_job)
    result["report"]["scope"] = "{} {}..{}".format(ward.code, report_job["start"], report_job["end"])
    return result


# ------------------------------------------------------------------------------------------------
# HTTP under load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(username: str) -> str:
    client = client_for(username)
    return client.cookies["sessionid"].value


def parse_wrk(output: str) -> dict:
    def number(pattern: str, default=0.0):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def latency(label: str) -> float | None:
        match = re.search(r"^\s*{}%\s+([\d.]+)(us|ms|s)\s*$".format(label), output, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(number(r"(\d+) requests in")),
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(int(g) for g in socket_errors.groups()) if socket_errors else 0,
    }


def bench_http(city: dict, duration: int, connections: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dossiers.models import Dossier
    from dossiers.views import CREATE_PURPOSE
    from parindex.base import idempotency
    from parindex.base.models import FormToken

    wrk = shutil.which("wrk")
    if not wrk:
        say("http: SKIPPED, wrk is not installed (Debian: apt-get install -y wrk); no HTTP figures")
        return {"skipped": "wrk not installed"}
    prefix = city["code"].lower()
    dashboard_session = session_cookie("{}_001_chutich".format(prefix))
    officer_session = session_cookie("{}_001_motcua".format(prefix))
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the token
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "parindex.wsgi",
            "--bind",
            "127.0.0.1:{}".format(port),
            "--workers",
            "2",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = "http://127.0.0.1:{}".format(port)
    result = {"workers": 2, "connections": connections, "duration_s": duration}
    run_key = secrets.token_hex(6)
    last_id = None  # the newest dossier before the creation run
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        now = timezone.localtime()
        body = "&".join(
            [
                "csrfmiddlewaretoken=" + csrf,
                "procedure=2.000815",
                "channel=in_person",
                "received_at=" + now.strftime("%Y-%m-%d+%H:%M").replace(":", "%3A"),
                "applicant_name=Nguy%E1%BB%85n+V%C4%83n+T%E1%BA%A3i",
                "applicant_phone=0912345678",
                "sets=1",
            ]
        )
        # The counter form carries a one-time token (parindex/base/idempotency.py): a token sent twice
        # leads to the first dossier, none is refused as a form error. Each request of each wrk
        # thread sends its own token, issued beforehand to the officer: "<run>-<thread>-<n>".
        per_thread = max(2000, duration * 300)
        officer = get_user_model().objects.get(username="{}_001_motcua".format(prefix))
        FormToken.objects.bulk_create(
            FormToken(key=key, user=officer, purpose=CREATE_PURPOSE, created_at=now)
            for key in ["{}-probe".format(run_key)]
            + ["{}-{}-{}".format(run_key, t, n) for t in (1, 2) for n in range(1, per_thread + 1)]
        )
        scripts = {
            "ward_dashboard": 'wrk.headers["Cookie"] = "sessionid={}"\n'.format(dashboard_session),
            "dossier_create": (
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                'wrk.headers["Cookie"] = "sessionid={}; csrftoken={}"\n'
                "local threads = 0\n"
                'function setup(thread) threads = threads + 1; thread:set("tid", threads) end\n'
                "local n = 0\n"
                "function request()\n"
                "  n = n + 1\n"
                '  return wrk.format(nil, nil, nil, "{}&{}={}-" .. tid .. "-" .. n)\n'
                "end\n"
            ).format(officer_session, csrf, body, idempotency.FIELD, run_key),
        }
        ward_id = city["ward_ids"][0]
        from parindex.base.models import Ward
        from parindex.base.periods import year_to_date

        ytd = year_to_date(timezone.localdate())
        workload_path = "/dashboard/workload/?ward={}&from={}&to={}".format(
            Ward.objects.get(id=ward_id).code, ytd.start.isoformat(), ytd.end.isoformat()
        )
        # The dashboard's follow-up request (the busiest officials, htmx on load), as the page sends it.
        scripts = {
            "ward_dashboard": scripts["ward_dashboard"],
            "ward_workload": scripts["ward_dashboard"] + 'wrk.headers["HX-Request"] = "true"\n',
            "dossier_create": scripts["dossier_create"],
        }
        paths = {
            "ward_dashboard": "/dashboard/?kind=ytd",
            "ward_workload": workload_path,
            "dossier_create": "/dossiers/new/",
        }
        last_id = Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for name, script in scripts.items():
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                lua.write(script)
            # One request first: it must succeed (200 page / 302 to the new dossier), not a form error.
            probe = subprocess.run(
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-X",
                    "POST" if "POST" in script else "GET",
                ]
                + (
                    ["--data", body + "&{}={}-probe".format(idempotency.FIELD, run_key)]
                    if "POST" in script
                    else []
                )
                + [
                    "-H",
                    "Cookie: sessionid={}; csrftoken={}".format(
                        officer_session if "POST" in script else dashboard_session, csrf
                    ),
                    base + paths[name],
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            before = Dossier.objects.filter(ward_id=ward_id).count()
            say("http: {} (probe {}) for {} s".format(name, probe.stdout, duration))
            run = subprocess.run(
                [
                    wrk,
                    "-t2",
                    "-c{}".format(connections),
                    "-d{}s".format(duration),
                    # a slow answer on a loaded machine is latency, not an error (wrk's default: 2 s)
                    "--timeout",
                    "10s",
                    "--latency",
                    "-s",
                    lua.name,
                ]
                + [base + paths[name]],
                capture_output=True,
                text=True,
                check=False,
                timeout=duration + 60,
            )
            os.unlink(lua.name)
            entry = parse_wrk(run.stdout)
            entry["probe_status"] = int(probe.stdout or 0)
            if name == "dossier_create":
                entry["dossiers_created"] = Dossier.objects.filter(ward_id=ward_id).count() - before
                entry["tokens_left"] = FormToken.objects.filter(
                    key__startswith=run_key + "-", used_at__isnull=True
                ).count()
            entry["errors"] = entry["non_2xx_3xx"] + entry["socket_errors"]
            result[name] = entry
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        os.unlink(log.name)
        FormToken.objects.filter(key__startswith=run_key + "-").delete()
        # The dossiers the creation run logged (and its probe's) are removed with their facts, so
        # that the next run measures the same ward's lists and dashboards on the same data.
        if last_id is not None:
            from bench.generate_load import remove_dossiers

            created = list(
                Dossier.objects.filter(id__gt=last_id, created_by=officer).values_list("id", flat=True)
            )
            result["dossiers_removed_after"] = remove_dossiers(created)
    return result


def write_profiles(city: dict, folder: Path) -> None:
    """``--profile``: one ward and one city dashboard request (year to date) under cProfile."""
    prefix = city["code"].lower()
    for name, username, url in (
        ("ward", "{}_001_chutich".format(prefix), "/dashboard/?kind=ytd"),
        ("city", "{}_thanhpho".format(prefix), "/dashboard/city/?kind=ytd"),
    ):
        path = folder / "profile-{}-{}.txt".format(city["code"], name)
        path.write_text(profile_get(client_for(username), url))
        say("[{}] profile of the {} dashboard: {}".format(city["code"], name, path))


def table_sizes() -> dict:
    """Disk of the facts tables beside the dossiers' (``pg_total_relation_size``: rows, indexes and
    TOAST), in MB, for the whole database (every city of the run)."""
    from django.db import connection

    from dossiers.fact_models import AgencyDayFact, DayFact, DossierFact, MonthFact, YearFact
    from dossiers.models import Dossier, DossierEvent

    tables = (DayFact, MonthFact, YearFact, AgencyDayFact, DossierFact)
    out = {}
    with connection.cursor() as cursor:
        for model in (Dossier, DossierEvent, *tables):
            table = model._meta.db_table
            cursor.execute("SELECT pg_total_relation_size(%s), count(*) FROM {}".format(table), [table])
            size, rows = cursor.fetchone()
            out[table] = {"mb": round(size / 2**20, 1), "rows": rows}
    facts = sum(out[m._meta.db_table]["mb"] for m in tables)
    out["facts_mb"] = round(facts, 1)
    out["facts_to_dossiers"] = round(facts / out[Dossier._meta.db_table]["mb"], 3)
    return out


# ------------------------------------------------------------------------------------------------
# Report


def table(results: dict) -> str:
    lines = []
    sizes = results["sizes"]
    header = "{:<28}".format("measure") + "".join("{:>30}".format(s) for s in sizes)
    lines += [header, "-" * len(header)]

    def row(label: str, getter) -> None:
        cells = []
        for data in sizes.values():
            try:
                cells.append(getter(data))
            except (KeyError, TypeError):
                cells.append("-")
        lines.append("{:<28}".format(label) + "".join("{:>30}".format(c) for c in cells))

    def timing(entry: dict) -> str:
        return "{} ms / {} q".format(entry["median_ms"], entry["queries"])

    def timing_sql(entry: dict) -> str:
        if "sql_ms" not in entry:
            return timing(entry)
        return "{} ms ({} SQL) / {} q".format(entry["median_ms"], entry["sql_ms"], entry["queries"])

    row("load average at start", lambda d: d["load_before"])
    row("ward dashboard", lambda d: timing_sql(d["ward_dashboard"]))
    row(
        "  live engine (no facts)",
        lambda d: timing_sql(d["ward_dashboard_live"]) if "ward_dashboard_live" in d else "",
    )
    row("  floor (1 SQL statement)", lambda d: timing(d["ward_dashboard_floor"]))
    row(
        "  ratio to floor",
        lambda d: "{:.2f}x".format(d["ward_dashboard"]["median_ms"] / d["ward_dashboard_floor"]["median_ms"]),
    )
    row("  then its workload (htmx)", lambda d: timing_sql(d["ward_workload"]))
    row("city dashboard", lambda d: timing_sql(d["city_dashboard"]))
    row(
        "  live engine (no facts)",
        lambda d: timing_sql(d["city_dashboard_live"]) if "city_dashboard_live" in d else "",
    )
    row("  floor (1 SQL statement)", lambda d: timing(d["city_dashboard_floor"]))
    row(
        "  ratio to floor",
        lambda d: "{:.2f}x".format(d["city_dashboard"]["median_ms"] / d["city_dashboard_floor"]["median_ms"]),
    )
    first = next(iter(sizes.values()), {})  # none with --skip-pages
    for name in first.get("lists", {}):
        row(name.replace("_", " "), lambda d, name=name: timing(d["lists"][name]))
    for name in first.get("paging_sql", {}):
        row(
            "{} SQL: OFFSET / keyset".format(name.replace("_", " ")),
            lambda d, name=name: "{offset_ms} / {keyset_ms} ms".format(**d["paging_sql"][name]),
        )
    disk = results.get("disk")
    if disk:
        lines.append("")
        lines.append(
            "disk (whole database): facts {} MB = {}x the dossiers table".format(
                disk["facts_mb"], disk["facts_to_dossiers"]
            )
        )
        for name, entry in disk.items():
            if isinstance(entry, dict):
                lines.append("  {:<28}{:>10} MB {:>12} rows".format(name, entry["mb"], entry["rows"]))
    exports = results.get("exports")
    if exports:
        lines.append("")
        log = exports["log"]
        lines.append("dossier log export ({} rows)".format(log["app_log"]["rows"]))
        for mode, label in (
            ("app_log", "portal (write_log)"),
            ("floor_log", "openpyxl floor"),
            ("import_export_log", "django-import-export"),
        ):
            e = log[mode]
            lines.append(
                "  {:<26}{:>8.2f} s   peak RSS {:>6.1f} MB (before {:.1f} MB)".format(
                    label, e["seconds"], e["peak_rss_mb"], e["baseline_rss_mb"]
                )
            )
        app, floor_, other = (log[m]["seconds"] for m in ("app_log", "floor_log", "import_export_log"))
        lines.append(
            "  portal / floor {:.2f}x; django-import-export / portal {:.2f}x".format(
                app / floor_, other / app
            )
        )
        e = exports["report"]["app"]
        lines.append(
            "monthly report {}: {:.2f} s, peak RSS {:.1f} MB".format(
                exports["report"]["scope"], e["seconds"], e["peak_rss_mb"]
            )
        )
    http = results.get("http")
    if http and "skipped" in http:
        lines += ["", "HTTP under load: SKIPPED ({})".format(http["skipped"])]
    if http and "ward_dashboard" in http:
        lines.append("")
        lines.append(
            "HTTP, gunicorn 2 workers, wrk {} connections, {} s".format(
                http["connections"], http["duration_s"]
            )
        )
        for name in ("ward_dashboard", "ward_workload", "dossier_create"):
            if name not in http:
                continue
            e = http[name]
            lines.append(
                "  {:<18} {:>7.1f} req/s  p50 {} ms  p99 {} ms  errors {}".format(
                    name, e["requests_per_s"], e["p50_ms"], e["p99_ms"], e["errors"]
                )
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--skip-load", action="store_true", help="fail instead of generating missing data")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-pages", action="store_true", help="no dashboards and lists")
    parser.add_argument("--merge", action="store_true", help="update the parts run in the existing output")
    parser.add_argument("--http-seconds", type=int, default=30)
    parser.add_argument("--http-connections", type=int, default=8)
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also write a cProfile of one ward and one city dashboard request per size beside --output",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("the bench runs on PostgreSQL: set DATABASE_URL=postgres://...")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0 serves hashed names
    today = timezone.localdate()
    started = time.perf_counter()
    cities = ensure_data(sizes, skip_load=args.skip_load, end=today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        total_rows = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
    results = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
            "postgres": pg_version.split(" on ")[0],
            "calibration": calibration(),
        },
        "dossiers_in_table": total_rows,
        "sizes": {},
    }
    output = Path(args.output)
    if args.merge and output.exists():
        results = {**json.loads(output.read_text()), **{k: results[k] for k in ("generated_at", "today")}}
    for size in [] if args.skip_pages else sizes:
        results["sizes"][str(size)] = bench_size(size, cities[size], today)
        if args.profile:
            write_profiles(cities[size], Path(args.output).parent)
    if not args.skip_exports:
        results["exports"] = bench_exports(cities, today)
    if not args.skip_http:
        results["http"] = bench_http(cities[max(sizes)], args.http_seconds, args.http_connections)
    results["disk"] = table_sizes()
    results["seconds"] = round(time.perf_counter() - started)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    say("")
    say(table(results))
    say("\nWritten to {} ({} s).".format(output, results["seconds"]))


if __name__ == "__main__":
    main()
