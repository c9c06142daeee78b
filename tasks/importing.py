"""Importing a plan or a criteria tree from Excel: all rows valid, or nothing written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.base.models import Ward
from tasks import criteria as criteria_ops
from tasks import excel, plans
from tasks.models import Component, Criterion, Plan, Task


def _name_key(name: str) -> str:
    """A person's name as the lookup keys it: white space folded, lower case."""
    return " ".join(name.split()).lower()


def _official_named(officials: dict[str, object], name: str):
    """The official the Excel cell names (username or full name, either order), or None."""
    return officials.get(_name_key(name))


def _official_lookup(ward: Ward) -> dict[str, object]:
    """Officials by lower-cased username and by full name, as people type them in Excel."""
    lookup: dict[str, object] = {}
    for user in plans.officials_of(ward):
        lookup[user.username.lower()] = user
        # Vietnamese names are written family name first ("Lê Văn Minh"), Django's full name
        # puts first_name first; accept both orders.
        for full in (user.get_full_name(), "{} {}".format(user.last_name, user.first_name)):
            full = _name_key(full)
            if full:
                lookup.setdefault(full, user)
    return lookup


@dataclass
class PlanRow:
    code: str
    title: str
    description: str
    component: str
    criterion: Criterion | None
    lead: object
    co_officials: list = field(default_factory=list)
    due_date: date | None = None


def import_plan(*, ward: Ward, year: int, upload, by) -> Plan:
    """Add the tasks of ``upload`` to the ward's plan for ``year`` (created when missing).

    Raises ``excel.ImportFailed`` with every problem (row and column named); then nothing changed.
    """
    columns = {c.key: c for c in excel.PLAN_COLUMNS}
    rows = excel.read_rows(upload, excel.PLAN_COLUMNS)
    officials = _official_lookup(ward)
    criteria = {c.code: c for c in Criterion.objects.filter(ward=ward, year=year)}
    plan = Plan.objects.filter(ward=ward, year=year).first()
    taken = set(Task.objects.filter(plan=plan).values_list("code", flat=True)) if plan else set()
    errors: list[str] = excel.too_long(rows, columns)
    parsed: list[PlanRow] = []
    if not rows:
        errors.append(_("Tệp không có dòng nhiệm vụ nào."))

    for row in rows:
        v = row.values

        def err(key: str, message: str, row=row) -> None:
            errors.append("{}: {}".format(row.where(key, columns), message))

        code = excel.text(v.get("code"))
        title = excel.text(v.get("title"))
        if not code:
            err("code", _("thiếu mã nhiệm vụ."))
        elif code in taken:
            err("code", _("mã {code} đã có trong kế hoạch hoặc lặp lại trong tệp.").format(code=code))
        taken.add(code)
        if not title:
            err("title", _("thiếu tên nhiệm vụ."))
        component = excel.parse_component(v.get("component"))
        if component is None:
            err(
                "component",
                _('không nhận ra lĩnh vực "{value}"; ghi số 1-8 hoặc tên lĩnh vực.').format(
                    value=excel.text(v.get("component"))
                ),
            )
        criterion = None
        criterion_code = excel.text(v.get("criterion"))
        if criterion_code:
            criterion = criteria.get(criterion_code)
            if criterion is None:
                err(
                    "criterion",
                    _("không có tiêu chí mã {code} trong năm {year}.").format(code=criterion_code, year=year),
                )
        lead = None
        lead_name = excel.text(v.get("lead"))
        if lead_name:
            lead = _official_named(officials, lead_name)
            if lead is None:
                err("lead", _('không có cán bộ "{name}" trong phường.').format(name=lead_name))
        co_officials = []
        for name in filter(
            None, (n.strip() for n in excel.text(v.get("co_officials")).replace(";", ",").split(","))
        ):
            user = _official_named(officials, name)
            if user is None:
                err("co_officials", _('không có cán bộ "{name}" trong phường.').format(name=name))
            else:
                co_officials.append(user)
        due_date = excel.parse_date(v.get("due_date"))
        if due_date is None:
            err(
                "due_date",
                _('"{value}" không phải ngày hợp lệ (dd/mm/yyyy).').format(
                    value=excel.text(v.get("due_date"))
                ),
            )
        elif due_date.year != year:
            err(
                "due_date",
                _("hạn {date} nằm ngoài năm kế hoạch {year}.").format(
                    date=due_date.strftime("%d/%m/%Y"), year=year
                ),
            )
        parsed.append(
            PlanRow(
                code,
                title,
                excel.text(v.get("description")),
                component or "",
                criterion,
                lead,
                co_officials,
                due_date,
            )
        )

    if errors:
        raise excel.ImportFailed(errors)
    with transaction.atomic():
        # A second upload of the same file (a double click) waits here for the first, then finds
        # its plan and tasks: the codes are checked again under the lock, not by the unique index.
        Ward.objects.lock(ward)
        plan = Plan.objects.filter(ward=ward, year=year).first() or plans.create_plan(
            ward=ward, year=year, by=by
        )
        clashes = sorted(
            set(
                Task.objects.filter(plan=plan, code__in=[item.code for item in parsed]).values_list(
                    "code", flat=True
                )
            )
        )
        if clashes:
            raise excel.ImportFailed(
                [
                    _("Nhiệm vụ {code}: {msg}").format(
                        code=code,
                        msg=_("mã {code} đã có trong kế hoạch hoặc lặp lại trong tệp.").format(code=code),
                    )
                    for code in clashes
                ]
            )
        start = plan.tasks.count()
        for offset, item in enumerate(parsed, start=1):
            try:
                plans.save_task(
                    plan=plan,
                    by=by,
                    code=item.code,
                    title=item.title,
                    description=item.description,
                    component=item.component,
                    criterion=item.criterion,
                    due_date=item.due_date,
                    lead=item.lead,
                    co_officials=item.co_officials,
                    position=start + offset,
                )
            except ValidationError as exc:  # e.g. a title longer than the column allows
                raise excel.ImportFailed(
                    [_("Nhiệm vụ {code}: {msg}").format(code=item.code, msg="; ".join(exc.messages))]
                ) from None
    return plan


def plan_template() -> excel.TableExporter:
    example = [
        [
            "01",
            _("Ban hành Kế hoạch cải cách hành chính năm"),
            "",
            "1. " + str(Component.DIRECTION.label),
            "1.1",
            "",
            "",
            "15/01/2026",
        ],
        [
            "02",
            _("Niêm yết công khai thủ tục hành chính tại Bộ phận Một cửa"),
            "",
            "3",
            "3.1.1",
            "",
            "",
            "31/03/2026",
        ],
    ]
    return excel.template_exporter(excel.PLAN_COLUMNS, example, filename="mau-ke-hoach-cchc.xlsx")


def criteria_template() -> excel.TableExporter:
    example = [
        ["1", "1.1", _("Kế hoạch cải cách hành chính năm"), 3, "", ""],
        ["1", "1.1.1", _("Ban hành kế hoạch CCHC năm đúng thời hạn"), 1, "1.1", ""],
    ]
    return excel.template_exporter(excel.CRITERIA_COLUMNS, example, filename="mau-tieu-chi-cchc.xlsx")


# Criterion.max_score: 6 digits, 2 of them decimals.
MAX_SCORE_LIMIT = Decimal(10) ** (
    Criterion._meta.get_field("max_score").max_digits - Criterion._meta.get_field("max_score").decimal_places
)


def import_criteria(*, ward: Ward, year: int, upload, by) -> list[Criterion]:
    """Replace the tree of ``ward`` and ``year`` with the province's list in ``upload``.

    Refused once any score has been entered: the scores would be lost.
    """
    columns = {c.key: c for c in excel.CRITERIA_COLUMNS}
    rows = excel.read_rows(upload, excel.CRITERIA_COLUMNS)
    errors: list[str] = excel.too_long(rows, columns)
    existing = Criterion.objects.filter(ward=ward, year=year)
    if (
        existing.filter(self_score__isnull=False).exists()
        or existing.filter(appraised_score__isnull=False).exists()
    ):
        raise excel.ImportFailed(
            [_("Bộ tiêu chí năm {year} đã có điểm; không thể nhập thay thế.").format(year=year)]
        )
    officials = _official_lookup(ward)
    seen: dict[str, dict] = {}
    for row in rows:
        v = row.values

        def err(key: str, message: str, row=row) -> None:
            errors.append("{}: {}".format(row.where(key, columns), message))

        component = excel.parse_component(v.get("component"))
        if component is None:
            err(
                "component",
                _('không nhận ra lĩnh vực "{value}".').format(value=excel.text(v.get("component"))),
            )
        code = excel.text(v.get("code"))
        if not code:
            err("code", _("thiếu mã tiêu chí."))
        elif code in seen:
            err("code", _("mã {code} lặp lại.").format(code=code))
        title = excel.text(v.get("title"))
        if not title:
            err("title", _("thiếu tên tiêu chí."))
        max_score = excel.parse_decimal(v.get("max_score"))
        if max_score is None:
            err("max_score", _('"{value}" không phải là số.').format(value=excel.text(v.get("max_score"))))
        elif max_score < 0:
            err("max_score", _("điểm tối đa không được âm."))
        elif max_score >= MAX_SCORE_LIMIT or max_score != max_score.quantize(Decimal("0.01")):
            err(
                "max_score",
                _("điểm tối đa phải nhỏ hơn {max} và có tối đa 2 chữ số thập phân.").format(
                    max=MAX_SCORE_LIMIT
                ),
            )
        parent = excel.text(v.get("parent"))
        if parent and (parent not in seen or seen[parent]["parent"]):
            err(
                "parent",
                _("tiêu chí cha {code} phải là tiêu chí cấp 1 ở một dòng phía trên.").format(code=parent),
            )
        responsible = None
        name = excel.text(v.get("responsible"))
        if name:
            responsible = _official_named(officials, name)
            if responsible is None:
                err("responsible", _('không có cán bộ "{name}" trong phường.').format(name=name))
        if code:
            seen[code] = {
                "component": component,
                "code": code,
                "title": title,
                "max_score": max_score,
                "parent": parent,
                "responsible": responsible,
            }
    if not rows:
        errors.append(_("Tệp không có dòng tiêu chí nào."))
    if errors:
        raise excel.ImportFailed(errors)
    created: dict[str, Criterion] = {}
    with transaction.atomic():
        # Two uploads at once replace the tree one after the other, not both at the same time.
        Ward.objects.lock(ward)
        if (
            existing.filter(self_score__isnull=False).exists()
            or existing.filter(appraised_score__isnull=False).exists()
        ):
            raise excel.ImportFailed(
                [_("Bộ tiêu chí năm {year} đã có điểm; không thể nhập thay thế.").format(year=year)]
            )
        Task.objects.filter(criterion__in=existing).update(criterion=None)
        existing.delete()
        for position, item in enumerate(seen.values(), start=1):
            created[item["code"]] = criteria_ops.save_criterion(
                ward=ward,
                year=year,
                by=by,
                component=item["component"],
                code=item["code"],
                title=item["title"],
                max_score=item["max_score"],
                parent=created.get(item["parent"]) if item["parent"] else None,
                responsible=item["responsible"],
                position=position,
            )
    return list(created.values())
