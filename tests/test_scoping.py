"""One scoping rule (parindex.base.access.ward_scope_q) behind every ``for_user`` and the scoped admin;
the "may this user do X" predicates of parindex.base.access by role; "overdue task" written once.

Three wards: Bình Hưng (BH) and Phú Thủy (PTH) of Phan Thiết, Tân An (TA) of La Gi. Each scoped
model gets one row per ward, and each role must find exactly the rows of its wards.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dossiers import petitions
from dossiers.models import CodeScheme, Dossier, Petition, PetitionSource, PetitionSubject, PetitionType
from parindex.base import access
from parindex.base.jobs.models import Job, JobKind, Notification
from parindex.base.models import Role, Ward
from parindex.staffing.models import Official, Position
from tasks.models import Plan, Task, TaskStatus
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


@pytest.fixture
def people(make_user, ward, other_ward, far_ward, officer_datdai, chairperson, city_viewer, administrator):
    far_viewer = make_user("laGi", role=Role.CITY_VIEWER, city=far_ward.city)
    superuser = User.objects.create_superuser("goc", password="x")  # no membership at all
    return {
        "officer": officer_datdai,
        "chairperson": chairperson,
        "officer_pth": make_user("phuthuy", role=Role.OFFICER, ward=other_ward),
        "officer_ta": make_user("tanan", role=Role.OFFICER, ward=far_ward),
        "city_viewer": city_viewer,
        "administrator": administrator,
        "far_city_viewer": far_viewer,
        "superuser": superuser,
    }


# Who finds the rows of which wards: the rule in words (parindex/base/access.py's docstring).
EXPECTED = {
    "officer": {"BH"},
    "chairperson": {"BH"},
    "officer_pth": {"PTH"},
    "city_viewer": {"BH", "PTH"},
    "administrator": {"BH", "PTH"},
    "far_city_viewer": {"TA"},
    "superuser": {"BH", "PTH", "TA"},
}


@pytest.fixture
def rows(people, ward, other_ward, far_ward, business, make_dossier):
    """One row of every ward-scoped model in each of the three wards."""
    kind, _ = PetitionType.objects.update_or_create(
        code="PA-TTHC",
        defaults={
            "name": "Phản ánh về TTHC",
            "subject": PetitionSubject.PROCEDURE,
            "deadline_working_days": 10,
        },
    )
    by = {"BH": people["officer"], "PTH": people["officer_pth"], "TA": people["officer_ta"]}
    made = {}
    for w in (ward, other_ward, far_ward):
        made[w.code] = {
            Position: Position.objects.create(
                ward=w, title="Công chức Tư pháp", quota=1, valid_from=date(2024, 1, 1)
            ),
            Official: Official.objects.create(
                ward=w, full_name="Nguyễn Văn {}".format(w.code), start=date(2024, 1, 1)
            ),
            Dossier: make_dossier(business, at(2024, 3, 4, 9), ward_=w, by=by[w.code]),
            Petition: petitions.receive(
                ward=w,
                petition_type=kind,
                source=PetitionSource.COUNTER,
                petitioner_name="Trần Thị Bích",
                content="Hẹn trả kết quả nhiều lần",
                received_at=at(2024, 3, 4, 10),
                by=by[w.code],
            ),  # fmt: skip
            Job: Job.objects.create(kind=JobKind.REPORT_EXPORT, ward=w, owner=None),
            CodeScheme: CodeScheme.objects.create(ward=w, pattern="{ward}/{yy}/{seq:05d}", reset="year"),
            Task: Task.objects.create(
                plan=Plan.objects.create(ward=w, year=2024, title="Kế hoạch CCHC 2024"),
                code="1",
                title="Niêm yết TTHC",
                component="procedures",
                due_date=date(2024, 6, 30),
            ),  # fmt: skip
        }
    return made


def _wards_of(qs, model) -> set[str]:
    if model is Ward:
        return set(qs.values_list("code", flat=True))
    path = "plan__ward__code" if model is Task else "ward__code"
    return set(qs.values_list(path, flat=True))


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("model", [Ward, Position, Official, Dossier, Petition, Job, Task])
def test_for_user_finds_the_rows_of_the_users_wards_only(rows, people, role, model):
    user = people[role]
    found = model.objects.for_user(user)
    assert _wards_of(found, model) == EXPECTED[role]
    # One row per ward: the counts are the real rows, not a distinct set hiding duplicates.
    assert found.count() == len(EXPECTED[role])


def test_the_admin_scope_is_the_same_rule(rows, people, ward, other_ward, far_ward):
    for role, codes in EXPECTED.items():
        ids = set(Ward.objects.filter(code__in=codes).values_list("id", flat=True))
        assert set(access.visible_ward_ids(people[role])) == ids, role
        assert (
            set(Ward.objects.filter(access.ward_scope_q(people[role], "pk")).values_list("id", flat=True))
            == ids
        )


def test_a_notice_is_its_recipients_whatever_the_ward(people, ward):
    notice = Notification.objects.create(
        recipient=people["officer"], ward=ward, text="Có báo cáo mới", key="k1"
    )
    assert list(Notification.objects.for_user(people["officer"])) == [notice]
    assert not Notification.objects.for_user(people["chairperson"]).exists()
    assert not Notification.objects.for_user(people["superuser"]).exists()


# Admin changelists: only administrators and superusers open the admin; each sees its scope.
ADMIN_LISTS = {
    "parindex_ward": Ward,
    "dossiers_codescheme": CodeScheme,
    "tasks_task": Task,
}


@pytest.mark.parametrize("name", list(ADMIN_LISTS))
@pytest.mark.parametrize(
    "role, expected",
    [("administrator", {"BH", "PTH"}), ("superuser", {"BH", "PTH", "TA"}), ("officer", None)],
)
def test_admin_changelists_list_the_rows_of_the_scope(client, rows, people, name, role, expected):
    client.force_login(people[role])
    response = client.get(reverse("admin:{}_changelist".format(name)))
    if expected is None:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert _wards_of(changelist.queryset, ADMIN_LISTS[name]) == expected
    assert changelist.result_count == len(expected)


@pytest.mark.parametrize("role", ["officer", "chairperson", "officer_pth", "city_viewer", "far_city_viewer"])
def test_screens_open_the_rows_of_the_scope_and_no_other(client, rows, people, role):
    client.force_login(people[role])
    opened = {}
    for code, made in rows.items():
        screens = {
            "position": reverse("staffing:position", args=[made[Position].pk]),
            "dossier": reverse("dossiers:detail", args=[made[Dossier].pk]),
        }
        opened[code] = {name: client.get(url).status_code for name, url in screens.items()}
    assert {code for code, codes in opened.items() if codes["dossier"] == 200} == EXPECTED[role]
    # Outside the scope: not found, never "forbidden" (which would say the row exists).
    assert {c["dossier"] for code, c in opened.items() if code not in EXPECTED[role]} <= {404}
    seen_positions = {code for code, codes in opened.items() if codes["position"] == 200}
    assert seen_positions <= EXPECTED[role]
    assert {c["position"] for code, c in opened.items() if code not in EXPECTED[role]} <= {404}


# -- overdue ----------------------------------------------------------------------------------------


def test_overdue_property_and_queryset_agree(ward):
    plan = Plan.objects.create(ward=ward, year=2024, title="Kế hoạch CCHC 2024")
    day = date(2024, 6, 10)
    specs = {
        "done_yesterday_due_last_week": {"status": TaskStatus.DONE, "completed_on": date(2024, 6, 9), "due_date": date(2024, 6, 3)},
        "done_after_the_day": {"status": TaskStatus.DONE, "completed_on": date(2024, 6, 12), "due_date": date(2024, 6, 3)},
        "cancelled_due_yesterday": {"status": TaskStatus.CANCELLED, "cancel_reason": "Thôi", "due_date": date(2024, 6, 9)},
        "open_due_yesterday": {"status": TaskStatus.IN_PROGRESS, "due_date": date(2024, 6, 9)},
        "not_started_due_yesterday": {"status": TaskStatus.NOT_STARTED, "due_date": date(2024, 6, 9)},
        "open_due_today": {"status": TaskStatus.IN_PROGRESS, "due_date": day},
        "open_due_tomorrow": {"status": TaskStatus.NOT_STARTED, "due_date": date(2024, 6, 11)},
    }  # fmt: skip
    tasks = {
        name: Task.objects.create(plan=plan, code=str(n), title=name, component="procedures", **spec)
        for n, (name, spec) in enumerate(specs.items())
    }
    by_property = {name for name, t in tasks.items() if t.is_overdue(day)}
    by_queryset = set(Task.objects.overdue(day).values_list("title", flat=True))
    # A task done after the day was still open on it (a report for an earlier period counts it).
    assert (
        by_property
        == by_queryset
        == {"done_after_the_day", "open_due_yesterday", "not_started_due_yesterday"}
    )
    assert set(Task.objects.open().values_list("title", flat=True)) == {
        "open_due_yesterday", "not_started_due_yesterday", "open_due_today", "open_due_tomorrow"
    }  # fmt: skip


# -- the predicates, by role ------------------------------------------------------------------------

# Each predicate of parindex/base/access.py about ward BH (city PT): who may. Roles not listed: may not.
PREDICATES = {
    "can_read_ward": {"officer", "chairperson", "city_viewer", "administrator", "superuser"},
    "can_handle_dossiers": {"officer", "chairperson"},
    "can_handle_petitions": {"officer", "chairperson"},
    "can_lead": {"chairperson", "administrator"},
    "can_manage_plan": {"chairperson", "administrator"},
    "may_approve_extension": {"chairperson"},
    "can_submit_self_assessment": {"chairperson"},
    "can_appraise": {"city_viewer", "administrator"},
    "may_see_city_scoreboard": {"city_viewer", "administrator", "superuser"},
    "may_enter_service_metrics": {"administrator", "superuser"},
    "is_admin": {"administrator", "superuser"},
    "may_use_admin": {"administrator", "superuser"},
    "reads_several_wards": {"city_viewer", "administrator", "far_city_viewer", "superuser"},
    "works_in_a_ward": {"officer", "chairperson", "officer_pth", "officer_ta"},
}


def _ask(name: str, user, ward: Ward):
    predicate = getattr(access, name)
    if name in ("is_admin", "may_use_admin", "reads_several_wards", "works_in_a_ward"):
        return predicate(user)
    if name in ("may_see_city_scoreboard", "may_enter_service_metrics"):
        return predicate(user, ward.city_id)
    return predicate(user, ward)


@pytest.mark.parametrize("name", list(PREDICATES))
def test_each_predicate_answers_each_role(people, ward, name):
    answers = {role: _ask(name, user, ward) for role, user in people.items()}
    assert {role for role, yes in answers.items() if yes} == PREDICATES[name]
    assert all(isinstance(yes, bool) for yes in answers.values())


@pytest.mark.parametrize(
    "role, expected",
    [
        ("officer", True),
        ("chairperson", True),
        ("officer_pth", False),
        ("city_viewer", False),
        ("superuser", False),
    ],
)
def test_task_updates_are_for_its_officials_and_the_leaders(people, ward, role, expected):
    plan = Plan.objects.create(ward=ward, year=2024, title="Kế hoạch CCHC 2024")
    task = Task.objects.create(
        plan=plan, code="1", title="Niêm yết TTHC", component="procedures", due_date=date(2024, 6, 30)
    )
    task.co_officials.add(people["officer"])
    assert access.can_update_task(people[role], task) is expected
    # Someone else's task: an officer of the ward who is not on it may not.
    other = Task.objects.create(
        plan=plan, code="2", title="Số hóa", component="digital", due_date=date(2024, 6, 30)
    )
    assert access.can_update_task(people[role], other) is (role == "chairperson")


@pytest.mark.parametrize(
    "role, admin_link",
    [("officer", False), ("chairperson", False), ("city_viewer", False), ("administrator", True)],
)
def test_the_admin_link_follows_may_use_admin_not_the_staff_flag(client, people, role, admin_link):
    user = people[role]
    user.is_staff = True  # a staff flag alone opens nothing, so it shows nothing either
    user.save()
    client.force_login(user)
    page = client.get(reverse("dossiers:catalogue")).content.decode()
    assert (reverse("admin:index") in page) is admin_link
