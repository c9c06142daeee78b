"""Screens of the reform plan and the PAR self-assessment.

Every object is looked up inside ``visible_ward_ids`` so another ward's task, criterion or file is
a 404. Views parse input and pick templates; counting is in queries.py, changes in plans.py and
criteria.py.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from parindex.base import access, exporting, periods, uploads
from parindex.base.access import current_ward, membership_of
from parindex.base.audit import changes, log_access
from parindex.base.htmx import HtmxHttpRequest, render_page_or_fragment
from parindex.base.models import Role, Ward
from tasks import charts, excel, importing, plans, queries
from tasks import criteria as criteria_ops
from tasks import jobs as task_jobs
from tasks.exports import COLUMNS as PLAN_COLUMNS
from tasks.exports import PlanExporter
from tasks.filters import TaskFilterSet
from tasks.forms import (
    AppraiseForm,
    CriterionForm,
    ExplainForm,
    ImportForm,
    PlanForm,
    ReportNotesForm,
    ScoreForm,
    StatusForm,
    TaskForm,
)
from tasks.models import AppraisalState, Component, Criterion, Evidence, EvidenceStage, Plan, Task, TaskStatus

User = plans.User


def today() -> date:
    return timezone.localdate()


def _ward(request: HttpRequest) -> Ward:
    ward = current_ward(request)
    if ward is None:
        raise Http404("no ward")
    return ward


def _year(request: HttpRequest, ward: Ward) -> int:
    return periods.year_param(request.GET.get("year") or request.POST.get("year"), today().year)


def _need_lead(request: HttpRequest, ward: Ward) -> None:
    if not access.can_manage_plan(request.user, ward):
        raise PermissionDenied


def _name(user) -> str:
    return plans.display_name(user) if user else "—"


def _visible_task(request: HttpRequest, pk: int) -> Task:
    queryset = Task.objects.select_related("plan__ward", "lead", "criterion").prefetch_related("co_officials")
    return get_object_or_404(queryset.for_user(request.user), pk=pk)


def _visible_criterion(request: HttpRequest, pk: int) -> Criterion:
    queryset = Criterion.objects.select_related("ward", "parent", "responsible")
    return get_object_or_404(queryset.for_user(request.user), pk=pk)


# -- the plan page -----------------------------------------------------------------------------


def _filtered_tasks(
    request: HttpRequest, plan: Plan, on: date, *, mine_default: bool
) -> tuple[QuerySet, dict]:
    """The plan's tasks as the list and its export show them (``TaskFilterSet``), and the
    applied filter values for the filter bar."""
    tasks = (
        plan.tasks.select_related("lead", "criterion")
        .prefetch_related(Prefetch("co_officials", queryset=User.objects.order_by("first_name")))
        .order_by("position", "code")
    )
    filterset = TaskFilterSet(request.GET, tasks, user=request.user, on=on, mine_default=mine_default)
    return filterset.qs, filterset.params


def _task_rows(request: HttpRequest, tasks, plan: Plan, on: date) -> list[Task]:
    leader = access.can_manage_plan(request.user, plan.ward_id)
    rows = list(tasks)
    for task in rows:
        task.plan = plan  # already loaded; spares a query per row in can_update_task
        task.overdue = task.is_overdue(on)
        task.can_edit = leader or access.can_update_task(request.user, task)
    return rows


def _task_export(request: HttpRequest, tasks, rows: list[Task], plan: Plan, on: date) -> HttpResponse:
    if len(rows) > settings.EXPORT_INLINE_ROWS:
        # Beyond a screenful the worker writes it; the person gets the job page at once.
        job = task_jobs.start_plan_export(tasks, plan, on=on, by=request.user, rows=len(rows))
        return redirect("jobs:detail", pk=job.pk)
    return exporting.export_response(PlanExporter(plan, rows, on=on))


def index(request: HtmxHttpRequest) -> HttpResponse:
    """The year's plan of the current ward: progress, filters and the task list."""
    ward = _ward(request)
    year = _year(request, ward)
    on = today()
    plan = Plan.objects.filter(ward=ward, year=year).first()
    member = membership_of(request.user)
    is_officer = bool(member and member.role == Role.OFFICER)
    context = {
        "ward": ward,
        "year": str(year),
        "plan": plan,
        "on": on,
        "can_manage": access.can_manage_plan(request.user, ward),
        "years": list(Plan.objects.filter(ward=ward).order_by("-year").values_list("year", flat=True)),
        "components": Component.choices,
        "statuses": TaskStatus.choices,
    }
    if plan is None:
        context["has_previous"] = year - 1 in context["years"]
        return render(request, "tasks/plan.html", context)
    tasks, params = _filtered_tasks(request, plan, on, mine_default=is_officer)
    rows = _task_rows(request, tasks, plan, on)
    if request.GET.get("export") == "xlsx":
        return _task_export(request, tasks, rows, plan, on)
    context.update(
        rows=rows,
        columns=exporting.screen_columns(PLAN_COLUMNS),
        params=params,
        counts=queries.plan_counts([ward.id], year, on=on).get(ward.id, queries.PlanCounts()),
        query=request.GET.urlencode(),
    )
    return render_page_or_fragment(request, "tasks/plan.html", "tasks/task_rows.html", context)


@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    _need_lead(request, ward)
    form = PlanForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            plans.create_plan(ward=ward, year=year, by=request.user, title=form.cleaned_data["title"])
            messages.success(request, _("Đã tạo kế hoạch năm {year}.").format(year=year))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("{}?year={}".format(reverse("tasks:index"), year))
    messages.error(request, _("Năm không hợp lệ."))
    return redirect("tasks:index")


@require_POST
def plan_copy(request: HttpRequest) -> HttpResponse:
    """Start the year's plan from last year's tasks."""
    ward = _ward(request)
    _need_lead(request, ward)
    year = _year(request, ward)
    try:
        plan = plans.copy_plan(ward=ward, from_year=year - 1, to_year=year, by=request.user)
        messages.success(
            request,
            _("Đã sao chép {n} nhiệm vụ từ kế hoạch năm {prev}.").format(n=plan.tasks.count(), prev=year - 1),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("{}?year={}".format(reverse("tasks:index"), year))


def plan_template(request: HttpRequest) -> HttpResponse:
    return exporting.export_response(importing.plan_template())


def plan_import(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    _need_lead(request, ward)
    year = _year(request, ward)
    errors: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            uploads.check_upload(upload)
        except uploads.UploadRefused as exc:
            errors = [exc.message]
        else:
            # Read, checked and written on the worker; the job page lists any problem.
            job = task_jobs.start_plan_import(upload, ward=ward, year=year, by=request.user)
            return redirect("jobs:detail", pk=job.pk)
    return render(
        request,
        "tasks/import.html",
        {
            "form": form, "errors": errors, "year": str(year), "ward": ward,
            "title": _("Nhập kế hoạch năm {year} từ Excel").format(year=year),
            "template_url": reverse("tasks:plan_template"), "back_url": reverse("tasks:index"),
        },
    )  # fmt: skip


# -- one task ----------------------------------------------------------------------------------


def _task_form(request: HttpRequest, plan: Plan, task: Task | None) -> TaskForm:
    initial = {}
    if task is not None:
        initial = {
            "code": task.code, "title": task.title, "description": task.description, "component": task.component,
            "criterion": task.criterion_id, "lead": task.lead_id, "due_date": task.due_date,
            "co_officials": [u.id for u in task.co_officials.all()],
        }  # fmt: skip
    return TaskForm(
        request.POST or None,
        initial=initial,
        officials=plans.officials_of(plan.ward_id),
        criteria=Criterion.objects.filter(ward_id=plan.ward_id, year=plan.year),
        year=plan.year,
    )


def _save_task_form(request: HttpRequest, plan: Plan, task: Task | None) -> HttpResponse:
    form = _task_form(request, plan, task)
    if request.method == "POST" and form.is_valid():
        try:
            saved = plans.save_task(plan=plan, by=request.user, task=task, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("Đã lưu nhiệm vụ {code}.").format(code=saved.code))
            return redirect("tasks:task_detail", pk=saved.pk)
    return render(request, "tasks/task_form.html", {"form": form, "plan": plan, "task": task})


def task_create(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    _need_lead(request, ward)
    plan = get_object_or_404(Plan, ward=ward, year=_year(request, ward))
    return _save_task_form(request, plan, None)


def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    _need_lead(request, task.plan.ward)
    return _save_task_form(request, task.plan, task)


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The task, its evidence and history; the status form for those who may update it."""
    task = _visible_task(request, pk)
    can_edit = access.can_update_task(request.user, task)
    form = StatusForm(initial={"status": task.status, "completed_on": task.completed_on or today(),
                               "cancel_reason": task.cancel_reason})  # fmt: skip
    return _render_task(request, task, can_edit, form)


def _render_task(request: HttpRequest, task: Task, can_edit: bool, form: StatusForm, status: int = 200):
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "plan": task.plan,
            "can_edit": can_edit,
            "can_manage": access.can_manage_plan(request.user, task.plan.ward_id),
            "overdue": task.is_overdue(today()),
            "form": form,
            "evidence": task.evidence.select_related("added_by"),
            "audit_entries": changes(task),
        },
        status=status,
    )


@require_POST
def task_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Status change with optional evidence, saved together or not at all."""
    task = _visible_task(request, pk)
    if not access.can_update_task(request.user, task):
        raise PermissionDenied
    form = StatusForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data["status"] != task.status or (
                    data["status"] == TaskStatus.DONE
                    and data["completed_on"]
                    and data["completed_on"] != task.completed_on
                ):
                    plans.set_status(
                        task,
                        status=data["status"],
                        by=request.user,
                        on=data["completed_on"] or today(),
                        cancel_reason=data["cancel_reason"],
                    )
                if data["file"] or data["url"] or data["note"]:
                    plans.add_evidence(
                        by=request.user, task=task, file=data["file"], url=data["url"], note=data["note"]
                    )
        except ValidationError as exc:
            for field, errs in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Đã cập nhật nhiệm vụ {code}.").format(code=task.code))
            return redirect("tasks:task_detail", pk=task.pk)
    task.refresh_from_db()
    return _render_task(request, task, True, form, status=400)


def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A stored evidence file, to users who may see its ward, under its original name."""
    evidence = get_object_or_404(
        Evidence.objects.for_user(request.user).exclude(file="").select_related("ward"), pk=pk
    )
    log_access(
        user=request.user, obj=evidence, action="download", ward=evidence.ward, note=evidence.original_name
    )
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    return exporting.file_response(handle, evidence.original_name or "minh-chung")


# -- progress ----------------------------------------------------------------------------------


def progress(request: HttpRequest) -> HttpResponse:
    """Done / planned overall, by component, by official; overdue tasks; month-by-month line."""
    ward = _ward(request)
    year = _year(request, ward)
    on = today()
    counts = queries.plan_counts([ward.id], year, on=on).get(ward.id, queries.PlanCounts())
    by_component = queries.plan_counts_by([ward.id], year, on=on, by="component")
    by_lead = queries.plan_counts_by([ward.id], year, on=on, by="lead")
    components = [
        (value, label, by_component.get((ward.id, value), queries.PlanCounts()))
        for value, label in Component.choices
    ]
    leads = {u.id: u for u in User.objects.filter(id__in=[k[1] for k in by_lead if k[1]])}
    officials = sorted(
        ((leads.get(key[1]), c) for key, c in by_lead.items()),
        key=lambda pair: (pair[0] is None, _name(pair[0])),
    )
    if request.GET.get("export") == "xlsx":
        return _progress_export(ward, year, counts, components, officials)
    overdue = (
        Task.objects.filter(plan__ward=ward, plan__year=year)
        .overdue(on)
        .select_related("lead")
        .order_by("due_date", "code")
    )
    line = queries.monthly_line([ward.id], year).get(ward.id, queries.MonthlyLine())
    last_month = 12 if year < on.year else (on.month if year == on.year else 0)
    return render(
        request,
        "tasks/progress.html",
        {
            "ward": ward, "year": str(year), "on": on, "counts": counts, "components": components,
            "officials": officials, "overdue": overdue, "chart": charts.line_chart(line, last_month=last_month),
        },
    )  # fmt: skip


def _progress_export(ward: Ward, year: int, counts, components, officials) -> HttpResponse:
    def generate():
        yield [
            _("Nhóm"),
            _("Tên"),
            _("Kế hoạch"),
            _("Hoàn thành"),
            _("Tỷ lệ hoàn thành"),
            _("Quá hạn"),
            _("Hủy bỏ"),
        ]
        yield [
            _("Toàn kế hoạch"),
            "",
            counts.planned,
            counts.done,
            str(counts.done_ratio),
            counts.overdue,
            counts.cancelled,
        ]
        for _value, label, c in components:
            yield [
                _("Lĩnh vực CCHC"),
                str(label),
                c.planned,
                c.done,
                str(c.done_ratio),
                c.overdue,
                c.cancelled,
            ]
        for user, c in officials:
            yield [_("Người chủ trì"), _name(user) if user else _("Chưa phân công"), c.planned, c.done,
                   str(c.done_ratio), c.overdue, c.cancelled]  # fmt: skip

    filename = "tien-do-cchc-{}-{}.xlsx".format(ward.code, year)
    return exporting.export_response(
        excel.table_exporter(filename, _("Tiến độ"), generate(), [16, 60, 10, 12, 16, 10, 10])
    )


# -- the PAR criteria tree ---------------------------------------------------------------------


def _tree(criteria: list[Criterion]) -> list[tuple[str, str, list[Criterion]]]:
    """Rows in reading order per component: each criterion followed by its sub-criteria."""
    children: dict[int, list[Criterion]] = {}
    for c in criteria:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    result = []
    for value, label in Component.choices:
        rows = []
        for c in criteria:
            if c.component == value and not c.parent_id:
                c.has_children = c.id in children
                rows.append(c)
                rows.extend(children.get(c.id, []))
        result.append((value, label, rows))
    return result


# The moves of an assessment round: (who may, the function, the success message).
MOVES = {
    "submit": (access.can_submit_self_assessment, criteria_ops.submit, _lazy("Đã nộp bản tự đánh giá.")),
    "finish_first": (access.can_appraise, criteria_ops.finish_first_round,
                     _lazy("Đã kết thúc thẩm định lần 1; phường giải trình các tiêu chí được yêu cầu.")),
    "submit_explanations": (access.can_submit_self_assessment, criteria_ops.submit_explanations,
                            _lazy("Đã nộp giải trình.")),
    "finalize": (access.can_appraise, criteria_ops.finalize, _lazy("Đã chốt kết quả Chỉ số CCHC.")),
}  # fmt: skip

# Which move each state offers, and to which side.
NEXT_MOVE = {
    AppraisalState.SELF: "submit",
    AppraisalState.FIRST: "finish_first",
    AppraisalState.EXPLANATION: "submit_explanations",
    AppraisalState.SECOND: "finalize",
}


def _next_move(user, ward: Ward, state: str) -> str | None:
    move = NEXT_MOVE.get(state)
    if move is None:
        return None
    allowed = MOVES[move][0]
    return move if allowed(user, ward) else None


def criteria_page(request: HtmxHttpRequest) -> HttpResponse:
    ward = _ward(request)
    year = _year(request, ward)
    criteria = list(
        Criterion.objects.filter(ward=ward, year=year)
        .select_related("responsible")
        .annotate(n_evidence=Count("evidence", filter=Q(evidence__stage=EvidenceStage.SELF)))
        .order_by("position", "code")
    )
    tree = _tree(criteria)
    totals = queries.par_totals([ward.id], year).get(ward.id, queries.ParTotals())
    last = queries.par_totals([ward.id], year - 1).get(ward.id)
    if request.GET.get("export") == "xlsx":
        return _criteria_export(ward, year, tree)
    component_rows = [
        (value, label, totals.components[value], last.components[value] if last else None)
        for value, label in Component.choices
    ]
    leaves = [c for c in criteria if not getattr(c, "has_children", False)]
    context = {
        "ward": ward, "year": str(year), "tree": tree, "totals": totals, "last": last, "component_rows": component_rows,
        "state": totals.state, "state_label": AppraisalState(totals.state).label,
        "show_second": totals.state in (AppraisalState.SECOND, AppraisalState.FINAL),
        "can_manage": access.can_manage_plan(request.user, ward) and totals.state == AppraisalState.SELF,
        "has_criteria": bool(criteria), "next_move": _next_move(request.user, ward, totals.state),
        "no_evidence": [c for c in leaves if not c.n_evidence and not c.not_applicable],
        "no_responsible": [c for c in leaves if not c.responsible_id],
        "to_explain": [c for c in leaves if c.needs_explanation and not c.explanation],
    }  # fmt: skip
    return render_page_or_fragment(request, "tasks/criteria.html", "tasks/criteria_rows.html", context)


def _criteria_export(ward: Ward, year: int, tree) -> HttpResponse:
    def generate():
        yield [_("Lĩnh vực CCHC"), _("Mã"), _("Tiêu chí"), _("Điểm tối đa"), _("Không áp dụng"),
               _("Điểm tự đánh giá"), _("Điểm thẩm định"), _("Giải trình của phường"), _("Điểm thẩm định lần 2"),
               _("Người phụ trách"), _("Số minh chứng"), _("Nhận xét")]  # fmt: skip
        for _value, label, rows in tree:
            for c in rows:
                yield [str(label), c.code, c.title, c.max_score, _("Có") if c.not_applicable else "", c.self_score,
                       c.appraised_score, c.explanation, c.second_score,
                       _name(c.responsible) if c.responsible else "", c.n_evidence, c.comment]  # fmt: skip

    filename = "chi-so-cchc-{}-{}.xlsx".format(ward.code, year)
    return exporting.export_response(
        excel.table_exporter(
            filename, _("Tiêu chí"), generate(), [40, 8, 60, 10, 10, 12, 12, 40, 12, 22, 10, 40]
        )
    )


@require_POST
def criteria_move(request: HttpRequest) -> HttpResponse:
    """One step of the round: submit, close the first appraisal, send explanations, finalize."""
    ward = _ward(request)
    year = _year(request, ward)
    move = MOVES.get(request.POST.get("action", ""))
    if move is None:
        messages.error(request, _("Thao tác không hợp lệ."))
        return redirect("{}?year={}".format(reverse("tasks:criteria"), year))
    allowed, run, done = move
    if not allowed(request.user, ward):
        raise PermissionDenied
    try:
        run(ward=ward, year=year, by=request.user, at=timezone.now())
        messages.success(request, str(done))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("{}?year={}".format(reverse("tasks:criteria"), year))


def criteria_report(request: HttpRequest) -> HttpResponse:
    """The self-assessment report: on screen for printing, in Excel, and its free text."""
    ward = _ward(request)
    year = _year(request, ward)
    report = queries.par_report(ward.id, year)
    may_write = access.can_submit_self_assessment(request.user, ward)
    form = ReportNotesForm(
        request.POST or None,
        initial={"difficulties": report.appraisal.difficulties, "proposals": report.appraisal.proposals},
    )
    status = 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied
        if form.is_valid():
            try:
                criteria_ops.save_report_notes(ward=ward, year=year, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Đã lưu khó khăn, đề xuất."))
                return redirect("{}?year={}".format(reverse("tasks:criteria_report"), year))
        status = 400
    if request.GET.get("export") == "xlsx":
        return exporting.export_response(
            excel.ParReportExporter(report, ward_code=ward.code, ward_name=ward.name)
        )
    return render(
        request,
        "tasks/criteria_report.html",
        {"ward": ward, "year": str(year), "report": report, "form": form,
         "can_write": may_write and report.appraisal.state == AppraisalState.SELF,
         "audit_entries": changes(report.appraisal) if report.appraisal.pk else []},
        status=status,
    )  # fmt: skip


@require_POST
def criteria_default(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    _need_lead(request, ward)
    year = _year(request, ward)
    try:
        created = criteria_ops.create_default_tree(ward=ward, year=year, by=request.user)
        messages.success(request, _("Đã tạo bộ tiêu chí mặc định: {n} tiêu chí.").format(n=len(created)))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("{}?year={}".format(reverse("tasks:criteria"), year))


def criteria_template(request: HttpRequest) -> HttpResponse:
    return exporting.export_response(importing.criteria_template())


def criteria_import(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    _need_lead(request, ward)
    year = _year(request, ward)
    errors: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            uploads.check_upload(upload)
        except uploads.UploadRefused as exc:
            errors = [exc.message]
        else:
            job = task_jobs.start_criteria_import(upload, ward=ward, year=year, by=request.user)
            return redirect("jobs:detail", pk=job.pk)
    return render(
        request,
        "tasks/import.html",
        {
            "form": form, "errors": errors, "year": str(year), "ward": ward,
            "title": _("Nhập bộ tiêu chí năm {year} từ Excel").format(year=year),
            "template_url": reverse("tasks:criteria_template"), "back_url": reverse("tasks:criteria"),
        },
    )  # fmt: skip


def _criterion_form(request: HttpRequest, ward: Ward, year: int, criterion: Criterion | None) -> HttpResponse:
    initial = {}
    if criterion is not None:
        initial = {
            "component": criterion.component, "parent": criterion.parent_id, "code": criterion.code,
            "title": criterion.title, "max_score": criterion.max_score, "responsible": criterion.responsible_id,
        }  # fmt: skip
    parents = Criterion.objects.filter(ward=ward, year=year, parent__isnull=True)
    if criterion is not None:
        parents = parents.exclude(pk=criterion.pk)
    form = CriterionForm(
        request.POST or None, initial=initial, officials=plans.officials_of(ward), parents=parents
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = criteria_ops.save_criterion(ward=ward, year=year, by=request.user, criterion=criterion,
                                                **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            for field, errs in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Đã lưu tiêu chí {code}.").format(code=saved.code))
            return redirect("tasks:criterion_detail", pk=saved.pk)
    return render(
        request, "tasks/criterion_form.html", {"form": form, "criterion": criterion, "year": str(year)}
    )


def criterion_create(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    _need_lead(request, ward)
    return _criterion_form(request, ward, _year(request, ward), None)


def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _visible_criterion(request, pk)
    _need_lead(request, criterion.ward)
    return _criterion_form(request, criterion.ward, criterion.year, criterion)


def _criterion_sides(request: HttpRequest, criterion: Criterion) -> tuple[bool, bool]:
    ward_side = access.can_self_assess(
        request.user, criterion.ward_id, responsible_id=criterion.responsible_id
    )
    return ward_side, access.can_appraise(request.user, criterion.ward)


def _round(state: str) -> int:
    return 2 if state in (AppraisalState.SECOND, AppraisalState.FINAL) else 1


def _round_form(
    request: HttpRequest, criterion: Criterion, kind: str, state: str, scorable: bool, has_evidence: bool
):
    data = (request.POST or None, request.FILES or None)
    if kind == "explain":
        return ExplainForm(*data, initial={"explanation": criterion.explanation})
    if kind == "appraise":
        if _round(state) == 2:
            initial = {"score": criterion.second_score, "comment": criterion.second_comment}
        else:
            complete = has_evidence if criterion.evidence_complete is None else criterion.evidence_complete
            initial = {"score": criterion.appraised_score, "comment": criterion.first_comment,
                       "evidence_complete": complete}  # fmt: skip
        return AppraiseForm(*data, round=_round(state), initial=initial)
    return ScoreForm(*data, scorable=scorable, initial={
        "self_score": criterion.self_score, "comment": criterion.comment, "not_applicable": criterion.not_applicable,
        "not_applicable_reason": criterion.not_applicable_reason,
    })  # fmt: skip


def _save_round_form(request: HttpRequest, criterion: Criterion, kind: str, state: str, scorable: bool, form):
    data = form.cleaned_data
    evidence = {"file": data["file"], "url": data["url"], "note": data["note"]}
    if kind == "self":
        if scorable and (data["not_applicable"] != criterion.not_applicable or data["not_applicable"]):
            criteria_ops.set_not_applicable(criterion, by=request.user, value=data["not_applicable"],
                                            reason=data["not_applicable_reason"])  # fmt: skip
        self_score = data.get("self_score") if scorable and not data.get("not_applicable") else None
        criteria_ops.score(criterion, by=request.user, self_score=self_score, comment=data["comment"])
    elif kind == "explain":
        criteria_ops.explain(criterion, by=request.user, text=data["explanation"])
    else:
        criteria_ops.appraise(criterion, by=request.user, round=_round(state), score=data["score"],
                              comment=data["comment"], evidence_complete=data.get("evidence_complete"))  # fmt: skip
    if any(evidence.values()):
        criteria_ops.add_criterion_evidence(criterion, by=request.user, city=kind == "appraise", **evidence)


def _form_open(kind: str | None, state: str, criterion: Criterion, scorable: bool) -> bool:
    if kind == "self":
        return state == AppraisalState.SELF
    if kind == "explain":
        return state == AppraisalState.EXPLANATION and criterion.needs_explanation
    if kind == "appraise":
        return (
            state in (AppraisalState.FIRST, AppraisalState.SECOND)
            and scorable
            and not criterion.not_applicable
        )
    return False


def criterion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One criterion through the rounds; the form is the one the round and the user's side allow."""
    criterion = _visible_criterion(request, pk)
    state = criteria_ops.get_appraisal(criterion.ward, criterion.year).state
    ward_side, city_side = _criterion_sides(request, criterion)
    scorable = not criterion.children.exists()
    evidence = list(criterion.evidence.select_related("added_by"))
    if ward_side:
        kind = "explain" if state == AppraisalState.EXPLANATION else "self"
    elif city_side:
        kind = "appraise"
    else:
        kind = None
    has_evidence = any(e.stage == EvidenceStage.SELF for e in evidence)
    form = _round_form(request, criterion, kind or "self", state, scorable, has_evidence)
    status = 200
    if request.method == "POST":
        if kind is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                with transaction.atomic():
                    _save_round_form(request, criterion, kind, state, scorable, form)
            except ValidationError as exc:
                for field, errs in getattr(exc, "message_dict", {None: exc.messages}).items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("Đã lưu tiêu chí {code}.").format(code=criterion.code))
                return redirect("tasks:criterion_detail", pk=criterion.pk)
        status = 400
        criterion.refresh_from_db()
    return render(
        request,
        "tasks/criterion_detail.html",
        {
            "criterion": criterion, "form": form, "kind": kind, "state": state,
            "state_label": AppraisalState(state).label,
            "form_open": _form_open(kind, state, criterion, scorable) or status == 400,
            "can_manage": access.can_manage_plan(request.user, criterion.ward_id) and state == AppraisalState.SELF,
            "children": criterion.children.select_related("responsible").order_by("position", "code"),
            "evidence": evidence,
            "tasks": criterion.tasks.select_related("lead").order_by("position"),
            "audit_entries": changes(criterion),
        },
        status=status,
    )  # fmt: skip
