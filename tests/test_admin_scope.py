"""The admin under the city scope (issue 11): every admin URL pattern, walked for every role
against the other city's objects, GET and POST, answers 403/404 (or a page without the other
city's rows) and writes nothing; the own city's administrator still edits and reverts its own.

Two cities, Alpha and Bravo, each with a ward, people, a dossier, a plan, a task, a criterion,
evidence, targets and an official. Every name of a city carries its token ("Alpha"/"Bravo"), so
a page leaks when the other city's token appears in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.forms import CheckboxInput, MultiWidget, Select, TextInput
from django.test import Client
from django.utils.html import escape
from simple_history.admin import SimpleHistoryAdmin

from dossiers import workflow
from dossiers.models import Agency, CalendarDay, Channel, Field, Procedure
from parindex.admin_scope import ScopedAdmin, ScopedHistoryAdmin, SuperuserOnlyAdmin
from parindex.indicators import indicator_choices
from parindex.models import AccessLog, City, Membership, Role, Ward
from parindex.signals import ensure_admin_group
from parindex.staffing.models import Official
from parindex.targets import YearTarget
from tasks import plans
from tasks.models import Component, Criterion, Evidence, Plan, Task
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

User = get_user_model()
PASSWORD = "matkhau-demo-2026"


@dataclass
class Side:
    """One city and everything in it."""

    token: str
    city: City
    ward: Ward
    admin: User
    officer: User
    viewer: User
    objects: dict = field(default_factory=dict)  # model -> an object of this city


def _user(username, *, role=None, ward=None, city=None, staff=False, full_name=""):
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=full_name, is_staff=staff
    )
    if role:
        Membership.objects.create(user=user, role=role, ward=ward, city=city)
    return user


def build_city(token: str, code: str, procedure: Procedure) -> Side:
    city = City.objects.create(code=code, name="Thành phố {}".format(token))
    ward = Ward.objects.create(city=city, code=code + "W", name="Phường {}".format(token))
    low = token.lower()
    admin_user = _user("quantri_" + low, role=Role.ADMIN, city=city, staff=True, full_name="QT " + token)
    # Staff flags and the administrators' group on the others: only the scope keeps them out.
    officer = _user("canbo_" + low, role=Role.OFFICER, ward=ward, staff=True, full_name="CB " + token)
    viewer = _user("xem_" + low, role=Role.CITY_VIEWER, city=city, staff=True, full_name="XEM " + token)
    for user in (officer, viewer):
        user.groups.add(ensure_admin_group())
    side = Side(token, city, ward, admin_user, officer, viewer)

    ward.phone = "0252 {}".format(code)
    ward._history_user = admin_user
    ward.save()  # a second history version to revert to
    plan = plans.create_plan(ward=ward, year=2023, by=admin_user, title="Kế hoạch {}".format(token))
    criterion = Criterion.objects.create(
        ward=ward,
        year=2023,
        component=Component.PROCEDURES,
        code="1",
        title="Tiêu chí {}".format(token),
        max_score=Decimal("2"),
        responsible=officer,
    )
    task = plans.save_task(
        plan=plan,
        by=admin_user,
        code="01",
        title="Nhiệm vụ {}".format(token),
        component=Component.PROCEDURES,
        due_date=date(2023, 3, 31),
        criterion=criterion,
        lead=officer,
        co_officials=[officer],
    )
    task.description = "Mô tả {}".format(token)
    task._history_user = admin_user
    task.save()
    evidence = Evidence.objects.create(
        ward=ward, task=task, kind="note", note="Minh chứng {}".format(token), added_by=officer
    )
    indicator = indicator_choices()[0][0]
    target = YearTarget.objects.create(
        ward=ward, year=2023, indicator=indicator, threshold=80, note="Chỉ tiêu {}".format(token)
    )
    city_target = YearTarget.objects.create(
        city=city, year=2023, indicator=indicator, threshold=70, note="Mặc định {}".format(token)
    )
    Official.objects.create(
        ward=ward, full_name="Cán bộ {}".format(token), user=officer, start=date(2020, 1, 1)
    )
    dossier = workflow.receive(
        ward=ward,
        procedure=procedure,
        channel=Channel.IN_PERSON,
        received_at=at(2023, 3, 1),
        applicant_name="Người nộp {}".format(token),
        by=officer,
    )
    log = AccessLog.objects.create(
        user=officer, ward=ward, object_type="dossier", object_id=str(dossier.pk), action="view"
    )
    procedure.field.officers.add(officer)
    side.objects = {
        City: city,
        Ward: ward,
        User: officer,
        AccessLog: log,
        YearTarget: target,
        Plan: plan,
        Task: task,
        Criterion: criterion,
        Evidence: evidence,
    }
    side.city_target = city_target
    side.dossier = dossier
    return side


@dataclass
class World:
    alpha: Side
    bravo: Side
    superuser: User
    nomember: User
    shared: dict  # model -> a row every city shares (catalogue, groups, login attempts)


@pytest.fixture
def world(birth, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    alpha = build_city("Alpha", "AL", birth)
    bravo = build_city("Bravo", "BR", birth)
    superuser = User.objects.create_superuser("sieuquantri", password=PASSWORD)
    nomember = _user("nhanvien_le", staff=True)
    nomember.groups.add(ensure_admin_group())
    attempt = AccessAttempt.objects.create(
        username="canbo_bravo", ip_address="10.0.0.9", user_agent="x", failures_since_start=1
    )
    day = CalendarDay.objects.create(date=date(2023, 5, 2), kind=CalendarDay.Kind.DAY_OFF, note="Nghỉ")
    shared = {
        Field: birth.field,
        Procedure: birth,
        Agency: Agency.objects.order_by("pk").first(),
        CalendarDay: day,
        apps.get_model("auth", "Group"): ensure_admin_group(),
        AccessAttempt: attempt,
    }
    return World(alpha, bravo, superuser, nomember, shared)


# Who walks against what: (attacker, the city whose objects it attacks, may it use the admin).
ROLES = {
    "alpha_admin": lambda w: (w.alpha.admin, w.bravo, w.alpha, True),
    "bravo_admin": lambda w: (w.bravo.admin, w.alpha, w.bravo, True),
    "staff_without_membership": lambda w: (w.nomember, w.bravo, None, False),
    "ward_officer": lambda w: (w.alpha.officer, w.bravo, w.alpha, False),
    "city_viewer": lambda w: (w.alpha.viewer, w.bravo, w.alpha, False),
}

# What the test client or the login machinery changes by itself.
NOT_SNAPSHOT = {"sessions", "axes", "contenttypes"}


def snapshot() -> dict:
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in NOT_SNAPSHOT or model._meta.model_name == "permission":
            continue
        state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- turning a change page into the data its form posts ----------------------------------------


def _put(data, name, widget, value):
    if isinstance(widget, MultiWidget):
        values = value if isinstance(value, list | tuple) else widget.decompress(value)
        for i, (sub, part) in enumerate(zip(widget.widgets, values, strict=False)):
            _put(data, "{}_{}".format(name, i), sub, part)
        return
    if isinstance(widget, CheckboxInput):
        if value:
            data[name] = "on"
        return
    if value is None:
        data[name] = ""
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    elif isinstance(value, date):
        data[name] = value.isoformat()
    else:
        data[name] = str(value)


def _form_data(form, data):
    for bound in form:
        if bound.field.disabled:
            continue
        _put(data, bound.html_name, bound.field.widget, bound.value())


def form_data_of(response) -> dict:
    """What the page's form would post unchanged, inlines and their management forms included."""
    data: dict = {}
    _form_data(response.context["adminform"].form, data)
    for inline in response.context.get("inline_admin_formsets") or []:
        _form_data(inline.formset.management_form, data)
        for form in inline.formset.forms:
            _form_data(form, data)
    return data


def altered(data: dict, form, own: Side | None) -> dict:
    """The foreign object's form with its first text changed and its ward, city, plan pointed at
    the attacker's own (the "move it into my city" re-post)."""
    data = dict(data)
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, TextInput) and not isinstance(widget, Select) and bound.html_name in data:
            data[bound.html_name] = "{} (đã sửa)".format(data[bound.html_name])[:20]
            break
    if own is not None:
        for name, obj in (("city", own.city), ("ward", own.ward), ("plan", own.objects[Plan])):
            if name in data:
                data[name] = str(obj.pk)
    return data


# --- the URLs -------------------------------------------------------------------------------


def fill(route: str, pk, history_id) -> str:
    """An admin route with the object's id (and a history id) in its parameters."""
    route = re.sub(r"<[^>]+>", str(pk), route)
    if route.startswith("^"):
        values = iter([str(pk), str(history_id)])
        route = re.sub(r"\([^)]*\)", lambda _m: next(values), route.strip("^$"))
    return route


def model_prefix(model) -> str:
    return "/admin/{}/{}/".format(model._meta.app_label, model._meta.model_name)


def latest_history_id(obj) -> int | None:
    history = getattr(type(obj), "history", None)
    if history is None:
        return None
    return history.filter(pk__isnull=False, id=obj.pk).order_by("-history_id").first().history_id


def check(client, response, token: str, where: str, foreign=None, posted=None) -> None:
    """Not found, forbidden, or a page naming nothing of the other city (beyond an echo of what
    the attacker posted itself)."""
    status = response.status_code
    if status in (403, 404, 405):
        return
    if status == 302:
        location = response["Location"]
        # Django's "does not exist" answer, identical for a missing id; or the login page.
        if location in ("/admin/", "/") or location.startswith("/admin/login/"):
            return
        assert location.startswith("/admin/"), (where, location)
        check(client, client.get(location), token, where + " -> " + location, foreign)
        return
    assert status == 200, (where, status)
    body = response.content.decode().lower()
    for value in (posted or {}).values():
        for text in value if isinstance(value, list) else [value]:
            body = body.replace(escape(text).lower(), "")
    assert token.lower() not in body, where
    changelist = response.context.get("cl") if response.context else None
    if changelist is not None and foreign is not None:
        assert foreign.pk not in {o.pk for o in changelist.queryset}, where


def test_every_admin_is_scoped_or_superuser_only():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ScopedAdmin | SuperuserOnlyAdmin), model
        if isinstance(model_admin, SimpleHistoryAdmin):
            assert isinstance(model_admin, ScopedHistoryAdmin), model


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_walk_every_admin_url_against_the_other_city(world, role):
    attacker, target, own, uses_admin = ROLES[role](world)
    boss = client_for(world.superuser)
    client = client_for(attacker)
    token = target.token
    walked = set()

    # What the attacker may aim at: the other city's rows; shared rows only for those who may
    # not use the admin at all (administrators edit the catalogue; see the tests below).
    targets = dict(target.objects)
    if not uses_admin:
        targets.update(world.shared)
    else:
        targets.update(
            {m: o for m, o in world.shared.items() if not isinstance(admin.site._registry[m], ScopedAdmin)}
        )

    before = snapshot()
    for model, model_admin in admin.site._registry.items():
        prefix = model_prefix(model)
        obj = targets.get(model)
        pk = obj.pk if obj is not None else 999999
        history_id = latest_history_id(obj) if obj is not None else None
        data = {"post": "yes", "action": "delete_selected", "_selected_action": [str(pk)]}
        data.update({"password1": "Mat-khau-moi-2026!", "password2": "Mat-khau-moi-2026!"})
        # Posted to the object's own URLs: its form, moved into the attacker's city. Posted to
        # add/ and the list: the same, left in the other city (planting a row there).
        moved, planted = dict(data), dict(data)
        if obj is not None:
            page = boss.get(prefix + "{}/change/".format(pk))
            if page.status_code == 200 and "adminform" in page.context:
                form = page.context["adminform"].form
                moved.update(altered(form_data_of(page), form, own if uses_admin else None))
                planted.update(altered(form_data_of(page), form, None))
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            walked.add((model, route))
            url = prefix + fill(route, pk, history_id or 999999)
            # "ravo" finds "Bravo" and is no leak when the search box echoes it.
            searches = ("", "?_to_field=id&_popup=1", "?q=" + token[1:])
            for extra in searches if route == "" else ("",):
                check(client, client.get(url + extra), token, "GET {} {}{}".format(role, url, extra), obj)
            posted = planted if route in ("", "add/") else moved
            response = client.post(url, posted)
            check(client, response, token, "POST {} {}".format(role, url), obj, posted)
        if not uses_admin:
            assert client.get(prefix).status_code == 403, prefix
        # The other city's object is not found even next to a history id of one's own.
        if own is not None and own.objects.get(model) is not None and history_id:
            mixed = prefix + "{}/history/{}/".format(own.objects[model].pk, history_id)
            assert client.get(mixed).status_code == 404, mixed
            assert client.post(mixed, moved).status_code == 404, mixed
    assert snapshot() == before, role
    assert len(walked) == sum(len(a.get_urls()) for a in admin.site._registry.values())

    # The site's own patterns.
    site_patterns = {p.name: p for p in admin.site.get_urls() if not hasattr(p, "url_patterns")}
    assert set(site_patterns) == {
        "index",
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "autocomplete",
        "jsi18n",
        "view_on_site",
        "app_list",
        None,  # the final catch-all
    }
    index = client.get("/admin/")
    check(client, index, token, "index")
    if not uses_admin:
        assert index.context["app_list"] == []
    for label in {m._meta.app_label for m in admin.site._registry}:
        check(client, client.get("/admin/{}/".format(label)), token, "app " + label)
    for url in ("/admin/login/", "/admin/password_change/", "/admin/password_change/done/", "/admin/jsi18n/"):
        check(client, client.get(url), token, url)
    check(client, client.get("/admin/no/such/page/"), token, "catch-all")
    for model, obj in targets.items():
        content_type = ContentType.objects.get_for_model(model)
        response = client.get("/admin/r/{}/{}/".format(content_type.pk, obj.pk))
        assert response.status_code == 404, model
    # Autocomplete from every relation of every admin, searching for the other city.
    for model in admin.site._registry:
        for relation in model._meta.get_fields():
            # Only a registered model answers autocomplete; the others are refused before any query.
            if not (
                relation.is_relation and relation.concrete and relation.related_model in admin.site._registry
            ):
                continue
            query = "app_label={}&model_name={}&field_name={}".format(
                model._meta.app_label, model._meta.model_name, relation.name
            )
            # "ravo" finds "Bravo" and is no leak when echoed.
            response = client.get("/admin/autocomplete/?{}&term={}".format(query, token[1:]))
            check(client, response, token, "autocomplete " + query)
    # logout/ is walked last: it ends the session.
    assert client.post("/admin/logout/").status_code in (200, 302)
    assert snapshot() == before, role
