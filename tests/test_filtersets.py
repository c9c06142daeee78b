"""One FilterSet per list: the register, its export and its drill-downs narrow through
``DossierFilterSet``; the plan's task list and its export through ``TaskFilterSet``."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.http import QueryDict
from freezegun import freeze_time
from openpyxl import load_workbook

from dossiers import workflow
from dossiers.filters import FILTER_KEYS, DossierFilterSet
from dossiers.models import Channel, Dossier
from tasks import plans
from tasks.filters import TaskFilterSet
from tasks.models import Component, Plan, Task, TaskStatus
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = "/dossiers/"
TASKS = "/tasks/"
MARCH = {"bucket": "received", "from": "2024-03-01", "to": "2024-03-31"}


def _page_codes(response) -> list[str]:
    assert response.status_code == 200
    return [d.code for d in response.context["page"].object_list]


def _export_codes(response) -> list[str]:
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Mã hồ sơ"
    return [r[0] for r in rows[1:]]


@pytest.fixture
def march(make_dossier, business, land, officer_datdai):
    """Five dossiers of March 2024; the query below selects the two in person, in progress, of
    the land field, received 4 to 6 March, whose applicant is called Trần."""
    a = make_dossier(land, at(2024, 3, 4, 9), name="Trần Văn An")
    b = make_dossier(land, at(2024, 3, 6, 10), name="Trần Thị Bé")
    make_dossier(land, at(2024, 3, 5, 9), name="Trần Văn Cường", channel=Channel.ONLINE)
    make_dossier(business, at(2024, 3, 5, 11), name="Trần Văn Dũng")
    make_dossier(land, at(2024, 3, 8, 9), name="Trần Văn Em")
    unstarted = make_dossier(land, at(2024, 3, 5, 14), name="Trần Văn Giang")
    for d in (a, b):
        workflow.start(d, by=officer_datdai, at=at(2024, 3, 6, 15))
    return {"selected": [b.code, a.code], "unstarted": unstarted}


@freeze_time("2024-03-12 09:00:00+07:00")
def test_the_same_query_gives_the_same_dossiers_on_the_page_the_export_and_a_drill_down(
    client, officer_datdai, march, land_field
):
    query = {
        "q": "tran",
        "field": land_field.pk,
        "status": "in_progress",
        "channel": Channel.IN_PERSON,
        "received_from": "2024-03-04",
        "received_to": "2024-03-06",
    }
    client.force_login(officer_datdai)
    expected = march["selected"]  # newest first
    assert _page_codes(client.get(INDEX, query)) == expected
    assert _export_codes(client.get(INDEX, {**query, "export": "xlsx"})) == expected
    drill = client.get(INDEX, {**MARCH, **query})
    assert drill.context["drill"] and drill.context["bucket_error"] is None
    assert _page_codes(drill) == expected
    assert _export_codes(client.get(INDEX, {**MARCH, **query, "export": "xlsx"})) == expected
    # The FilterSet on its own, as the API uses it, selects the same rows.
    filterset = DossierFilterSet(
        QueryDict("&".join("{}={}".format(k, v) for k, v in query.items())),
        Dossier.objects.order_by("-received_at"),
        user=officer_datdai,
        today=date(2024, 3, 12),
    )
    assert filterset.is_valid()
    assert [d.code for d in filterset.qs] == expected


@freeze_time("2024-03-12 09:00:00+07:00")
@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"status": "nope"}, "status", "Hãy chọn một lựa chọn hợp lệ. nope không phải là một trong"),
        ({"received_from": "2024-13-45"}, "received_from", "Nhập một ngày hợp lệ."),
        ({"received_to": "9999-12-31"}, "received_to", "nằm ngoài khoảng cho phép (năm 2000 đến 2100)"),
    ],
)
def test_bad_input_answers_the_vietnamese_error_and_applies_no_filter(
    client, officer_datdai, march, bad, field, message
):
    client.force_login(officer_datdai)
    everything = _page_codes(client.get(INDEX))
    assert len(everything) == 6
    # A good filter beside the bad one is not applied either: the list stays whole.
    query = {"channel": Channel.ONLINE, **bad}
    response = client.get(INDEX, query)
    assert _page_codes(response) == everything
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert _export_codes(client.get(INDEX, {**query, "export": "xlsx"})) == everything
    drill = client.get(INDEX, {**MARCH, **query})
    assert _page_codes(drill) == everything and message in drill.content.decode()


@freeze_time("2024-03-12 09:00:00+07:00")
def test_a_worklist_stays_applied_when_another_filter_is_wrong(client, officer_datdai, march):
    client.force_login(officer_datdai)
    response = client.get(INDEX, {"list": "supplement", "status": "nope"})
    assert response.status_code == 200
    assert response.context["worklist"] == "supplement"
    assert _page_codes(response) == []
    assert response.context["form"].errors["status"]
    # An unknown worklist is no list and no error.
    unknown = client.get(INDEX, {"list": "nope"})
    assert unknown.context["worklist"] == "" and not unknown.context["form"].errors
    assert len(_page_codes(unknown)) == 6
    # ... and the other filters still apply beside it.
    odd = client.get(INDEX, {"list": "nope", "channel": Channel.ONLINE})
    assert not odd.context["form"].errors and len(_page_codes(odd)) == 1


def test_the_filter_keys_are_the_query_string_names_of_today():
    assert FILTER_KEYS == ("list", "q", "field", "status", "channel", "received_from", "received_to")
    form = DossierFilterSet(None, Dossier.objects.none(), user=None, today=date(2024, 3, 12)).form
    assert [f.name for f in form.visible_fields()] == list(FILTER_KEYS[1:])
    assert [str(f.label) for f in form.visible_fields()] == [
        "Tìm kiếm",
        "Lĩnh vực",
        "Trạng thái",
        "Hình thức nộp",
        "Nhận từ ngày",
        "Đến ngày",
    ]


@freeze_time("2024-03-12 09:00:00+07:00")
@pytest.mark.parametrize("drill", [False, True])
def test_filtered_register_queries_do_not_grow_with_rows(
    client, officer_datdai, make_dossier, land, land_field, django_assert_max_num_queries, drill
):
    query = {"q": "tran", "field": land_field.pk, "received_from": "2024-03-01", **(MARCH if drill else {})}
    client.force_login(officer_datdai)
    make_dossier(land, at(2024, 3, 4, 9), name="Trần Văn An")
    client.get(INDEX, query)  # warms the working-day calendar
    # session, user, membership, the filter's field, count, page rows, the user's fields, the
    # field choices of the bar, and outside a drill-down the worklist counts and the inbox count:
    # 10 (8 in a drill-down), the same for 1 and 31 rows.
    most = 8 if drill else 10
    with django_assert_max_num_queries(most) as ctx:
        response = client.get(INDEX, query)
    few = len(ctx.captured_queries)
    assert len(_page_codes(response)) == 1
    for i in range(30):
        make_dossier(land, at(2024, 3, 5, 8 + i % 8), name="Trần Văn {}".format(i))
    with django_assert_max_num_queries(most) as ctx:
        response = client.get(INDEX, query)
    assert len(ctx.captured_queries) == few
    assert len(_page_codes(response)) == 31


# -- tasks ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _june_1(monkeypatch):
    # tasks.views.today() is the plan page's "now" (see tests/test_tasks_plan.py).
    monkeypatch.setattr("tasks.views.today", lambda: date(2023, 6, 1))


@pytest.fixture
def plan(ward, chairperson) -> Plan:
    return plans.create_plan(ward=ward, year=2023, by=chairperson)


def _task(plan, code, *, by, component, due, lead=None, co=()):
    return plans.save_task(
        plan=plan,
        by=by,
        code=code,
        title="Nhiệm vụ {}".format(code),
        component=component,
        due_date=due,
        lead=lead,
        co_officials=list(co),
    )


@pytest.fixture
def tasks_2023(plan, chairperson, officer_tuphap, officer_datdai):
    """01-02 are officer_tuphap's procedures tasks overdue on 1 June; the others differ in one way."""
    _task(
        plan, "01", by=chairperson, component=Component.PROCEDURES, due=date(2023, 3, 31), lead=officer_tuphap
    )
    t2 = _task(
        plan, "02", by=chairperson, component=Component.PROCEDURES, due=date(2023, 4, 30), lead=officer_datdai,
        co=[officer_tuphap],
    )  # fmt: skip
    plans.set_status(t2, status=TaskStatus.IN_PROGRESS, by=chairperson, on=date(2023, 4, 1))
    done = _task(plan, "03", by=chairperson, component=Component.PROCEDURES, due=date(2023, 3, 31),
                 lead=officer_tuphap)  # fmt: skip
    plans.set_status(done, status=TaskStatus.DONE, by=chairperson, on=date(2023, 3, 30))
    _task(
        plan, "04", by=chairperson, component=Component.PROCEDURES, due=date(2023, 9, 30), lead=officer_tuphap
    )
    _task(
        plan, "05", by=chairperson, component=Component.DIRECTION, due=date(2023, 3, 31), lead=officer_tuphap
    )
    _task(
        plan, "06", by=chairperson, component=Component.PROCEDURES, due=date(2023, 3, 31), lead=officer_datdai
    )
    return plan


def _task_codes(response) -> list[str]:
    assert response.status_code == 200
    return [t.code for t in response.context["rows"]]


def _task_export_codes(response) -> list[str]:
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Mã"
    return [r[0] for r in rows[1:]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"component": Component.PROCEDURES, "overdue": "1"}, ["01", "02"]),
        ({"scope": "all", "component": Component.PROCEDURES, "overdue": "1"}, ["01", "02", "06"]),
        ({"scope": "all", "status": TaskStatus.DONE}, ["03"]),
        ({}, ["01", "02", "03", "04", "05"]),  # an officer's default scope is their own tasks
        # Values the bar never offers select nothing, as before: the other filters still apply.
        ({"status": "nope", "component": "nope", "scope": "nope", "overdue": "1"}, ["01", "02", "05", "06"]),
        ({"scope": "all", "overdue": "on"}, ["01", "02", "05", "06"]),
    ],
)
def test_task_list_and_its_export_agree(client, tasks_2023, officer_tuphap, query, expected):
    client.force_login(officer_tuphap)
    page = client.get(TASKS, {"year": 2023, **query})
    assert _task_codes(page) == expected
    assert _task_export_codes(client.get(TASKS, {"year": 2023, "export": "xlsx", **query})) == expected


def test_task_filterset_reports_the_applied_values(tasks_2023, officer_tuphap):
    data = QueryDict("status=nope&component={}&overdue=1".format(Component.PROCEDURES))
    filterset = TaskFilterSet(
        data,
        Task.objects.filter(plan=tasks_2023),
        user=officer_tuphap,
        on=date(2023, 6, 1),
        mine_default=True,
    )
    assert filterset.params == {
        "scope": "mine",
        "status": "",
        "component": Component.PROCEDURES,
        "overdue": "1",
    }
    assert sorted(t.code for t in filterset.qs) == ["01", "02"]


@pytest.mark.parametrize("n", [3, 30])
def test_filtered_task_list_queries_do_not_grow_with_tasks(
    client, plan, chairperson, officer_tuphap, django_assert_max_num_queries, n
):
    for i in range(n):
        _task(plan, "T{:03}".format(i), by=chairperson, component=Component.PROCEDURES, due=date(2023, 3, 31),
              lead=officer_tuphap, co=[chairperson])  # fmt: skip
    client.force_login(officer_tuphap)
    query = {"year": 2023, "component": Component.PROCEDURES, "overdue": "1"}
    # session, user, membership, plan, plan years, tasks, co-officials prefetch, counts: 8
    # whatever the plan's size (the session is not saved: nothing in it changed).
    with django_assert_max_num_queries(8):
        response = client.get(TASKS, query)
    assert len(_task_codes(response)) == n
    # The export: the same statements without the counts (and at most a session save).
    with django_assert_max_num_queries(11):
        assert len(_task_export_codes(client.get(TASKS, {**query, "export": "xlsx"}))) == n
