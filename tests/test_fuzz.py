"""No input ends in a 500 (issue 11, item 4).

Every URL pattern outside the admin (the admin walk has its own test) is resolved with real objects
and requested by several roles with bad query values; every form those pages render is posted with
bad values, one field at a time (the others keep the values the page filled in, so the bad value
reaches the code behind the form) and all fields at once. The Django test client re-raises any
unhandled exception, so a crash fails the test as surely as a 500 does.

The corpus is fixed (NUL bytes, huge and negative numbers, the years 9999 and 99999, 10 000
characters, unicode, empty, wrong types); Hypothesis adds derandomized examples for the parsers of
query values. Runs on SQLite and PostgreSQL (which refuses NUL bytes and over-long values, where
SQLite silently accepts them).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers import petitions, workflow
from dossiers.models import PetitionSource, PetitionType
from dossiers.views import rating_token
from parindex.analytics.reports import views as report_views
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.sent import mark_sent
from parindex.analytics.targets import create_default_targets
from parindex.base import access, periods
from parindex.base.jobs.models import Job, JobKind
from parindex.staffing.demo import load_demo_staffing
from parindex.staffing.models import Cover, Holding, Recruitment
from tasks import plans
from tasks.demo import load_default_criteria
from tasks.models import Component, Criterion
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

BAD = [
    "\x00",
    "BH\x00",
    "9" * 40,
    "-1",
    "-99999999999",
    "31/12/9999",
    "9999-12-31",
    "99999-01-01",
    "9999-12-31T23:59",
    "0",
    "",
    "x" * 10_000,
    "Đặng 🙂 \u202e<b>",
    "1e309",
    "2023-02-30",
]

# Sent to every field alone (the others keep the page's values): the values that reach past a
# form's parsing into dates, numbers and the database.
# ("9999-12-31" is also a valid datetime-local value: midnight of that day.)
PER_FIELD = ["\x00", "9" * 40, "9999-12-31", "x" * 10_000]


class ReadParams:
    """Records the query parameters the views read, so each is fuzzed where it is read."""

    def __init__(self, monkeypatch):
        self.keys: set[str] = set()
        recorder = self

        def get(qd, key, default=None):
            recorder.keys.add(key)
            return original_get(qd, key, default)

        def getitem(qd, key):
            recorder.keys.add(key)
            return original_getitem(qd, key)

        def contains(qd, key):
            recorder.keys.add(key)
            return original_contains(qd, key)

        original_get, original_getitem = QueryDict.get, QueryDict.__getitem__
        original_contains = QueryDict.__contains__
        monkeypatch.setattr(QueryDict, "get", get)
        monkeypatch.setattr(QueryDict, "__getitem__", getitem)
        monkeypatch.setattr(QueryDict, "__contains__", contains)

    def during(self, call):
        self.keys = set()
        result = call()
        return result, {k for k in self.keys if isinstance(k, str) and not k.startswith(("csrf", "HTTP_"))}


@pytest.fixture
def world(
    settings,
    tmp_path,
    city,
    ward,
    other_ward,
    far_ward,
    chairperson,
    officer_tuphap,
    officer_datdai,
    city_viewer,
    administrator,
    land,
    birth,
    land_office,
    make_dossier,
):
    """One object of every kind the URL patterns name, in the chairperson's ward, on 01/06/2023
    (the clock ticks on from there, so sessions and moves keep working)."""
    settings.MEDIA_ROOT = tmp_path
    clock = freeze_time("2023-06-01 09:00:00", tick=True)
    clock.start()
    today = timezone.localdate()
    received = make_dossier(land, at(2023, 3, 1))
    waiting = make_dossier(birth, at(2023, 3, 1, 10), by=officer_tuphap)
    workflow.request_supplement(waiting, by=officer_tuphap, at=at(2023, 3, 2), items="Bản sao CCCD")
    late = make_dossier(land, at(2023, 3, 1, 11))
    workflow.issue_apology(
        late, by=chairperson, at=at(2023, 3, 3), reason="Chờ ý kiến", new_due_date=date(2023, 3, 30)
    )
    plan = plans.create_plan(ward=ward, year=today.year, by=chairperson)
    task = plans.save_task(
        plan=plan,
        by=chairperson,
        code="01",
        title="Niêm yết công khai TTHC",
        component=Component.PROCEDURES,
        due_date=date(today.year, 12, 31),
        lead=officer_tuphap,
    )
    evidence = plans.add_evidence(by=chairperson, task=task, note="Biên bản niêm yết")
    load_default_criteria(ward=ward, year=today.year, officials=[chairperson, officer_tuphap], by=chairperson)
    criterion = Criterion.objects.filter(ward=ward, year=today.year).order_by("-parent_id", "code").first()
    officials = load_demo_staffing(
        ward=ward,
        officials_by_key={"chairperson": chairperson, "tuphap": officer_tuphap, "datdai": officer_datdai},
        as_of=date(2023, 5, 31),
    )
    holding = Holding.objects.filter(position__ward=ward).first()
    cover = Cover.objects.filter(position__ward=ward).first()
    recruitment = Recruitment.objects.filter(position__ward=ward).first()
    targets = create_default_targets(city=city, year=today.year)
    sent = mark_sent(Scope.for_ward(ward), periods.month(2023, 3), by=chairperson, number="15/BC-UBND")
    job = Job.objects.create(
        kind=JobKind.DOSSIER_EXPORT, owner=chairperson, ward=ward, title="Danh sách hồ sơ", params={}
    )
    petition = petitions.receive(
        ward=ward,
        petition_type=PetitionType.objects.filter(active=True).first(),
        source=PetitionSource.PHONE,
        petitioner_name="Lê Văn Bảy",
        content="Chờ lâu ở quầy",
        received_at=at(2023, 5, 30, 9),
        by=officer_tuphap,
    )
    submission, _created = workflow.submit_online(
        ward=ward,
        procedure=birth,
        submitted_at=at(2023, 5, 31, 10),
        applicant_name="Phạm Thị Thu",
        by=officer_tuphap,
    )
    refused, _created = workflow.submit_online(
        ward=ward,
        procedure=birth,
        submitted_at=at(2023, 5, 31, 11),
        applicant_name="Đỗ Văn Tư",
        by=officer_tuphap,
    )
    workflow.refuse_submission(refused, by=officer_tuphap, at=at(2023, 5, 31, 14), reason="Sai phường")
    kwargs = {
        "dossiers:submission": [{"pk": s.pk} for s in (submission, refused)],
        "dossiers:submission_accept": [{"pk": submission.pk}],
        "dossiers:submission_refuse": [{"pk": refused.pk}],
        "petitions:detail": [{"pk": petition.pk}],
        "petitions:move": [{"pk": petition.pk, "name": n} for n in ("assign", "reply", "x")],
        "petitions:reveal": [{"pk": petition.pk}],
        "pakn:status": [
            {"token": petitions.public_token(petition)},
            {"token": "x\x00"},
            {"token": "a" * 300},
        ],
        "jobs:detail": [{"pk": job.pk}, {"pk": uuid.uuid4()}],
        "jobs:file": [{"pk": job.pk}],
        "dossiers:detail": [{"pk": d.pk} for d in (received, waiting, late)],
        "dossiers:edit": [{"pk": received.pk}],
        "dossiers:move": [{"pk": received.pk, "name": "start"}],
        "dossiers:reveal": [{"pk": received.pk, "target": t} for t in ("detail", "01", "x\x00")],
        "dossiers:print": [{"pk": d.pk, "number": n} for d in (received, late) for n in PRINTS],
        "dossiers:calendar_year": [{"year": 2023}, {"year": 99999}, {"year": 0}],
        "dossiers:public_rating": [{"token": rating_token(received)}, {"token": "x\x00"}],
        "lookup:status": [{"token": rating_token(received)}, {"token": "x\x00"}, {"token": "a" * 300}],
        "public_results": [{"ward_code": ward.code}, {"ward_code": "x\x00"}, {"ward_code": "NOPE"}],
        "tasks:task_detail": [{"pk": task.pk}],
        "tasks:task_edit": [{"pk": task.pk}],
        "tasks:task_update": [{"pk": task.pk}],
        "tasks:evidence_download": [{"pk": evidence.pk}],
        "tasks:criterion_detail": [{"pk": criterion.pk}],
        "tasks:criterion_edit": [{"pk": criterion.pk}],
        "staffing:position": [{"pk": holding.position_id}],
        "staffing:position_edit": [{"pk": holding.position_id}],
        "staffing:appoint": [{"pk": holding.position_id}],
        "staffing:cover_start": [{"pk": holding.position_id}],
        "staffing:recruitment_create": [{"pk": recruitment.position_id}],
        "staffing:recruitment_edit": [{"pk": recruitment.position_id, "recruitment_pk": recruitment.pk}],
        "staffing:holding_end": [{"pk": holding.pk}],
        "staffing:cover_end": [{"pk": cover.pk}],
        "staffing:official": [{"pk": officials["tuphap"].pk}],
        "staffing:official_edit": [{"pk": officials["tuphap"].pk}],
        "staffing:history": [
            {"kind": "holding", "pk": holding.pk},
            {"kind": "cover", "pk": cover.pk},
            {"kind": "recruitment", "pk": recruitment.pk},
        ],
        "reports:sent_detail": [{"pk": sent.pk}],
        "reports:sent_file": [{"pk": sent.pk}],
        "target_edit": [{"pk": targets[0].pk}],
    }
    yield {"kwargs": kwargs, "roles": [chairperson, officer_datdai, city_viewer, administrator]}
    clock.stop()


PRINTS = ["01", "02", "03", "04", "05", "receipt", "supplement", "refusal", "apology", "stop", "control"]


def _patterns(resolvers=None, prefix: str = ""):
    """(namespaced name, pattern) of every named URL pattern outside the admin."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            # The admin has its own walk (test_admin_scope.py); the JSON API its contract test
            # (test_api_contract.py, schemathesis over the OpenAPI description).
            if entry.app_name == "admin" or (entry.namespace or "").startswith("api-"):
                continue
            namespace = prefix + (entry.namespace + ":" if entry.namespace else "")
            yield from _patterns(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def _urls(world) -> list[str]:
    urls = []
    for name, pattern in _patterns():
        if pattern.pattern.converters:
            assert name in world["kwargs"], "give the fuzz test an object for {}".format(name)
            urls.extend(reverse(name, kwargs=kw) for kw in world["kwargs"][name])
        else:
            urls.append(reverse(name))
    return urls


class Forms(HTMLParser):
    """The POST forms of a page: action and the fields with the values the page filled in."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action") or "", self._fields))
        if self._fields is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input" and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a or name not in self._fields:
                    self._fields[name] = a.get("value") or "on"
            else:
                self._fields[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
            self._fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not self._fields.get(self._select):
                self._fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self._fields[name] = ""
        elif tag == "button" and a.get("value"):
            self._fields.setdefault(name, a["value"])

    def handle_data(self, data):
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


SKIP_ACTIONS = ("/accounts/logout/", "/admin/")


def _assert_no_500(failures: list, method: str, url: str, response, data=None) -> None:
    if response.status_code >= 500:
        failures.append("{} {} {} -> {}".format(method, url, repr(data)[:200], response.status_code))


def _get(client: Client, failures: list, url: str, params: dict | None = None):
    try:
        response = client.get(url, params or {})
    except Exception as exc:  # noqa: BLE001 - every crash is collected and reported at once
        failures.append("GET {} {} raised {!r}".format(url, repr(params)[:200], exc))
        return None
    _assert_no_500(failures, "GET", url, response, params)
    return response


def _post(client: Client, failures: list, url: str, data: dict) -> None:
    try:
        response = client.post(url, data)
    except Exception as exc:  # noqa: BLE001
        failures.append("POST {} {} raised {!r}".format(url, repr(data)[:200], exc))
        return
    _assert_no_500(failures, "POST", url, response, data)


def _fuzz_forms(client: Client, failures: list, url: str, html: str, seen: set) -> None:
    parser = Forms()
    parser.feed(html)
    for action, fields in parser.forms:
        target = action or url
        if target.startswith(SKIP_ACTIONS) or "://" in target:
            continue
        # A form is fuzzed once, by the first role that sees it, wherever it shows (the ward switch
        # is on every page, the move forms on every dossier).
        key = (resolve(target.split("?")[0]).route, tuple(sorted(fields)))
        if key in seen:
            continue
        seen.add(key)
        for value in BAD_ALL:
            _post(client, failures, target, dict.fromkeys(fields, value))
        for name in fields:
            if name == "csrfmiddlewaretoken":
                continue
            for value in PER_FIELD:
                _post(client, failures, target, {**fields, name: value})


# Every field at once: the types a field does not expect.
BAD_ALL = ["\x00", "9" * 40, "-99999999999", "31/12/9999", "x" * 10_000, BAD[12]]

# Fields of the filter and period forms that read the query only when bound.
FORM_PARAMS = [
    "q",
    "field",
    "status",
    "channel",
    "received_from",
    "received_to",
    "period",
    "n",
    "on",
    "month",
]
# For the other roles: the values that reach the ward, period and number parsing.
SHORT = ["\x00", "9" * 40, "31/12/9999", "x" * 10_000]


def _walk_queries(
    user, urls: list[str], recorder: ReadParams, *, values: list[str], alone: bool
) -> list[str]:
    failures: list[str] = []
    client = Client()
    client.force_login(user)
    patterns: set = set()
    for url in urls:
        response, read = recorder.during(lambda url=url: _get(client, failures, url))
        pattern = resolve(url).route
        if response is None or pattern in patterns:
            continue
        patterns.add(pattern)
        if read <= {"ward"}:
            # Only the ward switch (in every page's context) reads the query here.
            for value in SHORT[:1] + SHORT[-1:] if read else ():
                _get(client, failures, url, {"ward": value})
            continue
        for value in values:
            _get(client, failures, url, dict.fromkeys(read | set(FORM_PARAMS), value))
        # Each parameter alone as well: the first bad one a view parses must not hide the others.
        for param in sorted(read) if alone else ():
            for value in PER_FIELD:
                _get(client, failures, url, {param: value})
    return failures


def _walk_forms(user, urls: list[str], seen: set) -> list[str]:
    failures: list[str] = []
    client = Client()
    client.force_login(user)
    for url in urls:
        response = _get(client, failures, url)
        if response is not None and response.status_code == 200 and not response.get("Content-Disposition"):
            _fuzz_forms(client, failures, url, response.content.decode(), seen)
    return failures


@pytest.mark.django_db
def test_no_page_answers_500_to_bad_query_values(world, monkeypatch):
    recorder = ReadParams(monkeypatch)
    urls = _urls(world)
    failures = []
    for n, user in enumerate(world["roles"]):
        failures += _walk_queries(user, urls, recorder, values=BAD if n == 0 else SHORT, alone=n == 0)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_no_form_answers_500_to_bad_values(world):
    urls = _urls(world)
    failures = []
    seen: set = set()
    for user in world["roles"]:
        failures += _walk_forms(user, urls, seen)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_anonymous_login_and_public_pages_answer_no_500(world):
    failures: list[str] = []
    client = Client()
    for url in _urls(world):
        _get(client, failures, url, {"next": "\x00", "ward": "\x00"})
    login = reverse("login")
    for value in [*BAD, "u" * 256, "u" * 300]:
        _post(client, failures, login, {"username": value, "password": value})
        _post(client, failures, login, {"username": value, "password": "x"})
    token = world["kwargs"]["dossiers:public_rating"][0]["token"]
    for value in BAD:
        _post(
            client,
            failures,
            reverse("dossiers:public_rating", args=[token]),
            {"value": value, "comment": value},
        )
    petition_token = world["kwargs"]["pakn:status"][0]["token"]
    pakn_fields = ("ward", "petition_type", "petitioner_name", "petitioner_phone", "petitioner_id_number",
                   "petitioner_email", "petitioner_address", "content", "form_token")  # fmt: skip
    for value in BAD:
        _post(client, failures, reverse("pakn:send"), dict.fromkeys(pakn_fields, value))
        _post(client, failures, reverse("pakn:lookup"), {"code": value, "digits": value})
        _post(client, failures, reverse("pakn:status", args=[petition_token]), {"satisfaction": value})
    assert not failures, "\n".join(failures)


# --- The parsers of query values, on arbitrary text ---------------------------------------------

query_text = (
    st.text(st.characters(codec="utf-8"), max_size=40)
    | st.sampled_from(BAD + list(periods.KINDS))
    | st.dates().map(date.isoformat)
    | st.dates().map(lambda d: "{:02d}/{:02d}/{}".format(d.day, d.month, d.year))
    | st.integers(-(10**6), 10**6).map(str)
)
query_values = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(("kind", "year", "month", "quarter", "n", "from", "to"), query_text),
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(query_values)
def test_period_parsers_answer_a_period_or_a_message(params):
    today = date(2023, 6, 1)
    for parse, error in (
        (periods.period_from_query, periods.PeriodError),
        (report_views.period_from_query, report_views.BadParameters),
    ):
        try:
            period = parse(params, today)
        except error as exc:
            assert str(exc)
        else:
            # Every period the portal accepts can be shifted and queried without overflow.
            # (an official period of January 2000 starts on 15/12/1999)
            assert periods.MIN_YEAR - 1 <= period.start.year <= period.end.year <= periods.MAX_YEAR
            assert period.end_at - period.start_at == timedelta(days=period.days)


@settings(
    derandomize=True,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(code=query_text)
@pytest.mark.django_db
def test_ward_codes_from_the_query_never_reach_the_database_unchecked(code, chairperson):
    with CaptureQueriesContext(connection) as queries:
        try:
            ward = access.get_visible_ward(chairperson, code)
        except access.Http404:
            ward = None
    if ward is not None:
        assert ward.code == code.strip()
    if "\x00" in code or len(code.strip()) > access.WARD_CODE_MAX:
        assert ward is None and len(queries) == 0
