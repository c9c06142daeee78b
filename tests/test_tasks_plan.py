"""The reform plan: progress arithmetic, status-based progress, the demo plan and copying a year."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from tasks import demo, plans
from tasks.models import Component, Plan, TaskStatus
from tasks.queries import monthly_line, plan_counts, plan_counts_by

JUNE_1 = date(2023, 6, 1)


@pytest.fixture(autouse=True)
def _june_1(monkeypatch):
    # Views ask tasks.views.today() for "now"; tests pin it instead of freezing the clock, which
    # would also expire the test client's session.
    monkeypatch.setattr("tasks.views.today", lambda: date(2023, 6, 1))


@pytest.fixture
def plan(ward, chairperson) -> Plan:
    return plans.create_plan(ward=ward, year=2023, by=chairperson)


def add(plan, code, *, by, due=date(2023, 3, 31), lead=None, component=Component.PROCEDURES, co=None):
    return plans.save_task(
        plan=plan,
        by=by,
        code=code,
        title="Nhiệm vụ {}".format(code),
        component=component,
        due_date=due,
        lead=lead,
        co_officials=co or [],
    )


def test_demo_plan_is_42_of_56_done_by_end_of_may(ward, chairperson, officer_tuphap, officer_datdai):
    demo.load_demo_plan(
        ward=ward,
        year=2023,
        officials=[officer_tuphap, officer_datdai, chairperson],
        by=chairperson,
        as_of=date(2023, 5, 31),
    )
    counts = plan_counts([ward.id], 2023, on=JUNE_1)[ward.id]
    assert (counts.done, counts.planned) == (42, 56)
    assert str(counts.done_ratio) == "75,0%"
    assert counts.overdue == 2
    assert counts.done + counts.in_progress + counts.not_started == 56
    by_component = plan_counts_by([ward.id], 2023, on=JUNE_1, by="component")
    assert {key[1] for key in by_component} == set(Component.values)
    assert sum(c.planned for c in by_component.values()) == 56
    line = monthly_line([ward.id], 2023)[ward.id]
    assert line.done_cumulative[4] == 42
    assert line.due_cumulative[-1] == 56


def test_cancelled_tasks_leave_the_denominator(plan, chairperson):
    for i in range(4):
        add(plan, "T{}".format(i), by=chairperson)
    tasks = list(plan.tasks.order_by("code"))
    plans.set_status(tasks[0], status=TaskStatus.DONE, by=chairperson, on=date(2023, 3, 1))
    plans.set_status(tasks[1], status=TaskStatus.DONE, by=chairperson, on=date(2023, 3, 2))
    plans.set_status(
        tasks[2],
        status=TaskStatus.CANCELLED,
        by=chairperson,
        on=date(2023, 3, 2),
        cancel_reason="Thành phố đã thực hiện thay",
    )
    counts = plan_counts([plan.ward_id], 2023, on=JUNE_1)[plan.ward_id]
    assert (counts.done, counts.planned, counts.cancelled, counts.total) == (2, 3, 1, 4)
    assert str(counts.done_ratio) == "66,7%"
    # The one open task was due 31/03/2023: overdue on 01/06/2023, the cancelled one is not.
    assert counts.overdue == 1


def test_status_based_progress_uses_fixed_percentages(plan, chairperson):
    for i in range(4):
        add(plan, "T{}".format(i), by=chairperson)
    t0, t1, t2, t3 = plan.tasks.order_by("code")
    plans.set_status(t0, status=TaskStatus.DONE, by=chairperson, on=date(2023, 3, 1))
    plans.set_status(t1, status=TaskStatus.IN_PROGRESS, by=chairperson, on=date(2023, 3, 1))
    plans.set_status(
        t2, status=TaskStatus.CANCELLED, by=chairperson, on=date(2023, 3, 1), cancel_reason="Trùng"
    )
    assert [t.progress for t in plan.tasks.order_by("code")] == [100, 50, None, 0]
    counts = plan_counts([plan.ward_id], 2023, on=JUNE_1)[plan.ward_id]
    # (100 + 50 + 0) / 3 tasks = 50%; the cancelled one is not a 0.
    assert str(counts.progress) == "50,0%"
    assert str(counts.done_ratio) == "33,3%"


def test_task_done_after_the_reference_date_counts_as_in_progress(plan, chairperson):
    task = add(plan, "T1", by=chairperson, due=date(2023, 5, 15))
    plans.set_status(task, status=TaskStatus.DONE, by=chairperson, on=date(2023, 6, 10))
    may = plan_counts([plan.ward_id], 2023, on=date(2023, 5, 31))[plan.ward_id]
    assert (may.done, may.in_progress, may.overdue) == (0, 1, 1)
    june = plan_counts([plan.ward_id], 2023, on=date(2023, 6, 30))[plan.ward_id]
    assert (june.done, june.in_progress, june.overdue) == (1, 0, 0)


def test_cancelling_needs_a_reason_and_leaving_done_clears_the_date(plan, chairperson):
    task = add(plan, "T1", by=chairperson)
    with pytest.raises(ValidationError):
        plans.set_status(task, status=TaskStatus.CANCELLED, by=chairperson, on=date(2023, 3, 1))
    plans.set_status(task, status=TaskStatus.DONE, by=chairperson, on=date(2023, 3, 1))
    plans.set_status(task, status=TaskStatus.IN_PROGRESS, by=chairperson, on=date(2023, 3, 5))
    task.refresh_from_db()
    assert task.completed_on is None


def test_due_date_outside_the_plan_year_is_refused(plan, chairperson):
    with pytest.raises(ValidationError) as exc:
        add(plan, "T1", by=chairperson, due=date(2024, 1, 15))
    assert "15/01/2024" in str(exc.value)
    assert "2023" in str(exc.value)


def test_copy_last_year_plan_moves_due_dates_and_resets_status(plan, chairperson, officer_tuphap):
    done = add(plan, "01", by=chairperson, due=date(2023, 2, 28), lead=officer_tuphap)
    plans.set_status(done, status=TaskStatus.DONE, by=chairperson, on=date(2023, 2, 20))
    dropped = add(plan, "02", by=chairperson)
    plans.set_status(
        dropped, status=TaskStatus.CANCELLED, by=chairperson, on=date(2023, 2, 1), cancel_reason="Bỏ"
    )
    new = plans.copy_plan(ward=plan.ward, from_year=2023, to_year=2024, by=chairperson)
    copied = list(new.tasks.all())
    assert [(t.code, t.due_date, t.status, t.lead) for t in copied] == [
        ("01", date(2024, 2, 28), TaskStatus.NOT_STARTED, officer_tuphap)
    ]


def test_every_status_change_is_in_the_history(client, plan, chairperson, officer_tuphap):
    task = add(plan, "T1", by=chairperson, lead=officer_tuphap)
    plans.set_status(task, status=TaskStatus.DONE, by=officer_tuphap, on=date(2023, 3, 1))
    record = task.history.latest()
    assert record.history_user == officer_tuphap
    client.force_login(chairperson)
    response = client.get(reverse("tasks:task_detail", args=[task.pk]))
    assert "Chưa thực hiện → Hoàn thành" in response.content.decode()


def _plan_with(plan, n, by, lead, co):
    for i in range(n):
        add(plan, "T{:03}".format(i), by=by, lead=lead, co=[co], component=Component.values[i % 8])


@pytest.mark.parametrize("n", [3, 30])
def test_plan_page_queries_do_not_grow_with_tasks(
    client, plan, chairperson, officer_tuphap, officer_datdai, django_assert_max_num_queries, n
):
    _plan_with(plan, n, chairperson, officer_tuphap, officer_datdai)
    client.force_login(chairperson)
    # session, user, membership, plan, plan years, tasks, co-officials prefetch, counts, and the
    # session save every request does (savepoint, update, release): 11 whatever the plan's size.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("tasks:index"), {"year": 2023})
    assert response.status_code == 200
    assert len(response.context["rows"]) == n
    assert "{}/{} (0,0%)".format(0, n) in response.content.decode()


def test_plan_page_htmx_returns_the_rows_fragment(client, plan, chairperson, officer_tuphap):
    add(plan, "01", by=chairperson, lead=officer_tuphap, due=date(2023, 3, 31))
    add(plan, "02", by=chairperson, due=date(2023, 9, 30))
    client.force_login(chairperson)
    response = client.get(reverse("tasks:index"), {"year": 2023, "overdue": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="task-01"' in body and 'data-testid="task-02"' not in body
    assert "Quá hạn" in body


def test_officer_sees_own_tasks_by_default(client, plan, chairperson, officer_tuphap, officer_datdai):
    add(plan, "01", by=chairperson, lead=officer_tuphap)
    add(plan, "02", by=chairperson, lead=officer_datdai, co=[officer_tuphap])
    add(plan, "03", by=chairperson, lead=officer_datdai)
    client.force_login(officer_tuphap)
    mine = client.get(reverse("tasks:index"), {"year": 2023})
    everything = client.get(reverse("tasks:index"), {"year": 2023, "scope": "all"})
    assert [t.code for t in mine.context["rows"]] == ["01", "02"]
    assert [t.code for t in everything.context["rows"]] == ["01", "02", "03"]
    assert [t.can_edit for t in everything.context["rows"]] == [True, True, False]


@pytest.mark.parametrize("n", [2, 24])
def test_progress_page_queries_are_fixed(
    client, plan, chairperson, officer_tuphap, officer_datdai, django_assert_max_num_queries, n
):
    _plan_with(plan, n, chairperson, officer_tuphap, officer_datdai)
    client.force_login(chairperson)
    # session, user, membership, counts, by component, by lead, lead users, monthly due,
    # monthly done, overdue list, session save (savepoint, update, release): 13.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("tasks:progress"), {"year": 2023})
    assert response.status_code == 200
    assert 'data-testid="month-chart"' in response.content.decode()


def test_progress_page_shows_42_of_56(client, ward, chairperson, officer_tuphap, officer_datdai):
    demo.load_demo_plan(
        ward=ward,
        year=2023,
        officials=[officer_tuphap, officer_datdai],
        by=chairperson,
        as_of=date(2023, 5, 31),
    )
    client.force_login(chairperson)
    response = client.get(reverse("tasks:progress"), {"year": 2023})
    body = response.content.decode()
    assert "42/56" in body and "75,0%" in body
    assert response.context["chart"].months[4]["done_cum"] == 42


def test_export_writes_formula_like_text_as_text(client, plan, chairperson):
    plans.save_task(
        plan=plan,
        by=chairperson,
        code="01",
        title='=HYPERLINK("http://x")',
        component=Component.DIRECTION,
        due_date=date(2023, 3, 1),
    )
    client.force_login(chairperson)
    response = client.get(reverse("tasks:index"), {"year": 2023, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet["B2"]
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"
    assert sheet["A1"].value == "Mã"


def test_plan_export_beyond_a_screenful_is_a_job_of_the_ward_with_the_filtered_rows(
    client, plan, chairperson, officer_other_ward, settings, tmp_path, django_assert_max_num_queries
):
    from parindex.base.jobs.models import Job, JobKind, JobStatus

    settings.MEDIA_ROOT, settings.EXPORT_INLINE_ROWS = tmp_path, 1
    for code, component in (
        ("01", Component.DIRECTION),
        ("02", Component.PROCEDURES),
        ("03", Component.PROCEDURES),
    ):
        plans.save_task(plan=plan, by=chairperson, code=code, title="Việc " + code, component=component,
                        due_date=date(2023, 3, 1))  # fmt: skip
    client.force_login(chairperson)
    query = {"year": 2023, "component": Component.PROCEDURES, "export": "xlsx"}
    response = client.get(reverse("tasks:index"), query)
    job = Job.objects.get(kind=JobKind.PLAN_EXPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.ward, job.owner, job.rows_total) == (JobStatus.DONE, plan.ward, chairperson, 2)
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="ke-hoach-cchc-{}-2023.xlsx"'.format(
        plan.ward.code
    )
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    assert [r[0] for r in rows] == ["Mã", "02", "03"]  # the filter on screen, run by the worker
    # The worker's build, after saving the job row back: plan, tasks, their co-officials and a
    # progress write; no query per row.
    with django_assert_max_num_queries(6):
        job.status, job.attempts = JobStatus.QUEUED, 0
        job.save()
        from parindex.base.jobs.services import Progress
        from tasks.jobs import _export_plan

        _export_plan(job, Progress(job))
    # Another ward's officer sees neither the job nor its file.
    client.force_login(officer_other_ward)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_leader_pages_render(client, plan, chairperson, officer_tuphap):
    from tasks.criteria import create_default_tree

    task = add(plan, "01", by=chairperson, lead=officer_tuphap)
    criterion = create_default_tree(ward=plan.ward, year=2023, by=chairperson)[0]
    client.force_login(chairperson)
    for name, args, params in [
        ("tasks:index", [], {"year": 2024}),
        ("tasks:task_create", [], {"year": 2023}),
        ("tasks:task_edit", [task.pk], {}),
        ("tasks:plan_import", [], {"year": 2023}),
        ("tasks:criteria_import", [], {"year": 2023}),
        ("tasks:criterion_create", [], {"year": 2023}),
        ("tasks:criterion_edit", [criterion.pk], {}),
        ("tasks:criterion_detail", [criterion.pk], {}),
        ("tasks:criteria", [], {"year": 2024}),
        ("tasks:criteria_template", [], {}),
    ]:
        response = client.get(reverse(name, args=args), params)
        assert response.status_code == 200, name
    page = client.get(reverse("tasks:index"), {"year": 2024}).content.decode()
    assert "Sao chép kế hoạch năm 2023" in page
    response = client.post(reverse("tasks:plan_copy"), {"year": 2024})
    assert response.status_code == 302
    export = client.get(reverse("tasks:progress"), {"year": 2023, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("Toàn kế hoạch", None, 1, 0)
