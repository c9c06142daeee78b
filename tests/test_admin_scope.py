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
from dossiers.models import Agency, CalendarDay, Channel, Field, LogCounter, OnlineSubmission, Procedure
from parindex.analytics.indicators import indicator_choices
from parindex.analytics.targets import YearTarget
from parindex.base.admin_scope import ScopedAdmin, ScopedHistoryAdmin, SuperuserOnlyAdmin
from parindex.base.models import AccessLog, City, Membership, Role, Ward
from parindex.signals import ensure_admin_group
from parindex.staffing.models import Official
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
    submission, _created = workflow.submit_online(
        ward=ward,
        procedure=procedure,
        submitted_at=at(2023, 3, 2),
        applicant_name="Người nộp trực tuyến {}".format(token),
        official_code="G22-{}".format(token),
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
        OnlineSubmission: submission,
        LogCounter: LogCounter.objects.get(ward=ward, year=2023),
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
        value = bound.value()
        if isinstance(value, list) and hasattr(bound.field, "queryset"):
            # A browser posts only what the select offers.
            offered = {str(pk) for pk in bound.field.queryset.values_list("pk", flat=True)}
            value = [v for v in value if str(v) in offered]
        _put(data, bound.html_name, bound.field.widget, value)


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


def check(client, response, token: str, where: str, foreign=None, posted=None, strict=False) -> None:
    """Not found, forbidden, or a page naming nothing of the other city (beyond an echo of what
    the attacker posted itself). ``strict``: only 403/404 (after the admin's own redirects)."""
    status = response.status_code
    if status in (403, 404, 405):
        return
    if status == 302:
        location = response["Location"]
        # Django's "does not exist" answer, identical for a missing id; or the login page.
        if not strict and (location in ("/admin/", "/") or location.startswith("/admin/login/")):
            return
        assert location.startswith("/admin/") and location != "/admin/", (where, location)
        check(client, client.get(location), token, where + " -> " + location, foreign, strict=strict)
        return
    assert not strict, (where, status)
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
    targets = {model: [obj] for model, obj in target.objects.items()}
    targets[YearTarget].append(target.city_target)  # the city's default, reached through no ward
    targets[User] += [target.admin, target.viewer]
    for model, obj in world.shared.items():
        if not uses_admin or not isinstance(admin.site._registry[model], ScopedAdmin):
            targets[model] = [obj]

    before = snapshot()
    walks = [(m, a, obj) for m, a in admin.site._registry.items() for obj in targets.get(m) or [None]]
    for model, model_admin, obj in walks:
        prefix = model_prefix(model)
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
        # Who may not use this admin at all gets 403/404 on every URL, before any lookup.
        strict = not uses_admin or isinstance(model_admin, SuperuserOnlyAdmin)
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            walked.add((model, route))
            url = prefix + fill(route, pk, history_id or 999999)
            # "ravo" finds "Bravo" and is no leak when the search box echoes it.
            searches = ("", "?_to_field=id&_popup=1", "?q=" + token[1:])
            for extra in searches if route == "" else ("",):
                response = client.get(url + extra)
                check(
                    client,
                    response,
                    token,
                    "GET {} {}{}".format(role, url, extra),
                    obj,
                    strict=strict,
                )
            posted = planted if route in ("", "add/") else moved
            response = client.post(url, posted)
            check(client, response, token, "POST {} {}".format(role, url), obj, posted, strict=strict)
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
    for model, objs in targets.items():
        content_type = ContentType.objects.get_for_model(model)
        for obj in objs:
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


# --- the shared catalogue: edited by every administrator, deleted only within one's city --------


@pytest.mark.django_db
def test_field_delete_confirmation_names_no_dossier_of_another_city_and_refuses(world):
    field_ = world.shared[Field]
    url = "/admin/dossiers/field/{}/delete/".format(field_.pk)
    # The superuser's page lists both cities' dossiers: what a city administrator must not see.
    assert "Người nộp Bravo" in client_for(world.superuser).get(url).content.decode()
    client = client_for(world.alpha.admin)
    before = snapshot()
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bravo" not in body and "Người nộp Alpha" not in body
    assert "Có dữ liệu liên quan thuộc thành phố khác; không thể xóa." in body
    assert client.post(url, {"post": "yes"}).status_code == 200
    # The list's bulk delete takes the same road.
    bulk = {"action": "delete_selected", "_selected_action": [str(field_.pk)]}
    confirm = client.post("/admin/dossiers/field/", bulk)
    assert confirm.status_code == 200 and "Bravo" not in confirm.content.decode()
    client.post("/admin/dossiers/field/", {**bulk, "post": "yes"})
    assert snapshot() == before
    assert Field.objects.filter(pk=field_.pk).exists()


@pytest.mark.django_db
def test_procedure_delete_confirmation_names_no_dossier_of_another_city(world):
    url = "/admin/dossiers/procedure/{}/delete/".format(world.shared[Procedure].pk)
    body = client_for(world.bravo.admin).get(url).content.decode()
    assert "Alpha" not in body and "không thể xóa" in body


@pytest.mark.django_db
def test_field_officers_picker_lists_the_own_city_and_saving_keeps_the_others(world):
    field_ = world.shared[Field]
    client = client_for(world.alpha.admin)
    url = "/admin/dossiers/field/{}/change/".format(field_.pk)
    page = client.get(url)
    choices = set(page.context["adminform"].form.fields["officers"].queryset)
    assert world.alpha.officer in choices
    assert not choices & {world.bravo.officer, world.bravo.admin, world.bravo.viewer, world.superuser}
    assert "Bravo" not in page.content.decode()
    data = form_data_of(page)
    data["name"] = "Hộ tịch (sửa)"
    assert client.post(url, data).status_code == 302
    field_.refresh_from_db()
    assert field_.name == "Hộ tịch (sửa)"
    assert set(field_.officers.all()) == {world.alpha.officer, world.bravo.officer}


# --- pickers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_task_pickers_offer_only_the_own_citys_rows(world):
    alpha = world.alpha
    page = client_for(alpha.admin).get("/admin/tasks/task/{}/change/".format(alpha.objects[Task].pk))
    fields = page.context["adminform"].form.fields
    alpha_people = {alpha.admin, alpha.officer, alpha.viewer}
    assert set(fields["lead"].queryset) == alpha_people
    assert set(fields["co_officials"].queryset) == alpha_people
    assert list(fields["plan"].queryset) == [alpha.objects[Plan]]
    assert list(fields["criterion"].queryset) == [alpha.objects[Criterion]]
    # The raw-id pop-up behind "plan" and "lead" is the scoped list.
    popup = client_for(alpha.admin).get("/admin/auth/user/?_to_field=id&_popup=1")
    assert set(popup.context["cl"].queryset) == alpha_people


@pytest.mark.django_db
def test_membership_and_ward_pickers_offer_only_the_own_city(world):
    alpha = world.alpha
    client = client_for(alpha.admin)
    user_page = client.get("/admin/auth/user/{}/change/".format(alpha.officer.pk))
    inline = user_page.context["inline_admin_formsets"][0].formset.forms[0]
    assert list(inline.fields["ward"].queryset) == [alpha.ward]
    assert list(inline.fields["city"].queryset) == [alpha.city]
    ward_page = client.get("/admin/parindex/ward/{}/change/".format(alpha.ward.pk))
    assert list(ward_page.context["adminform"].form.fields["city"].queryset) == [alpha.city]
    # The list filter offers the own city only, not every city.
    listing = client.get("/admin/parindex/ward/").content.decode()
    assert "Thành phố Alpha" in listing and "Bravo" not in listing


@pytest.mark.django_db
def test_list_filters_offer_only_the_own_citys_values(world):
    bravo_plan = plans.create_plan(ward=world.bravo.ward, year=2031, by=world.bravo.admin)
    plans.save_task(
        plan=bravo_plan,
        by=world.bravo.admin,
        code="01",
        title="Nhiệm vụ Bravo 2031",
        component=Component.PROCEDURES,
        due_date=date(2031, 3, 31),
    )
    years = {}
    for user in (world.alpha.admin, world.superuser):
        listing = client_for(user).get("/admin/tasks/task/")
        (spec,) = [s for s in listing.context["cl"].filter_specs if s.field_path == "plan__year"]
        years[user] = list(spec.lookup_choices)
    assert years == {world.alpha.admin: [2023], world.superuser: [2023, 2031]}


# --- the own city still works -----------------------------------------------------------------


@pytest.mark.django_db
def test_city_administrator_edits_and_reverts_its_own_task(world):
    alpha = world.alpha
    task = alpha.objects[Task]
    client = client_for(alpha.admin)
    url = "/admin/tasks/task/{}/change/".format(task.pk)
    data = form_data_of(client.get(url))
    data["title"] = "Nhiệm vụ Alpha, sửa trong trang quản trị"
    assert client.post(url, data).status_code == 302
    task.refresh_from_db()
    assert task.title == "Nhiệm vụ Alpha, sửa trong trang quản trị"
    assert task.history.latest("history_id").history_user == alpha.admin

    first = task.history.order_by("history_id").first()
    assert first.description == ""
    revert_url = "/admin/tasks/task/{}/history/{}/".format(task.pk, first.history_id)
    page = client.get(revert_url)
    assert page.status_code == 200
    assert client.post(revert_url, form_data_of(page)).status_code == 302
    task.refresh_from_db()
    assert (task.title, task.description) == ("Nhiệm vụ Alpha", "")
    assert task.history.latest("history_id").history_user == alpha.admin
    history = client.get("/admin/tasks/task/{}/history/".format(task.pk))
    assert history.status_code == 200 and "Bravo" not in history.content.decode()


@pytest.mark.django_db
def test_city_administrator_deletes_its_own_evidence(world):
    evidence = world.alpha.objects[Evidence]
    client = client_for(world.alpha.admin)
    url = "/admin/tasks/evidence/{}/delete/".format(evidence.pk)
    assert "không thể xóa" not in client.get(url).content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.django_db
def test_reposting_another_citys_ward_history_cannot_move_it(world):
    alpha, bravo = world.alpha, world.bravo
    ward = bravo.ward
    version = ward.history.order_by("history_id").first()
    url = "/admin/parindex/ward/{}/history/{}/".format(ward.pk, version.history_id)
    page = client_for(world.superuser).get(url)
    data = form_data_of(page)
    data.update({"city": str(alpha.city.pk), "name": "Phường chiếm được"})
    for attacker in (alpha.admin, world.nomember, alpha.officer):
        assert client_for(attacker).post(url, data).status_code in (403, 404)
    ward.refresh_from_db()
    assert (ward.city, ward.name) == (bravo.city, "Phường Bravo")
    # Its own ward: the revert form works and keeps it in the own city.
    own = alpha.ward.history.order_by("history_id").first()
    own_url = "/admin/parindex/ward/{}/history/{}/".format(alpha.ward.pk, own.history_id)
    client = client_for(alpha.admin)
    own_data = form_data_of(client.get(own_url))
    assert client.post(own_url, {**own_data, "city": str(bravo.city.pk)}).status_code == 200  # not a choice
    assert client.post(own_url, own_data).status_code == 302
    alpha.ward.refresh_from_db()
    assert (alpha.ward.city, alpha.ward.phone) == (alpha.city, "")


@pytest.mark.django_db
def test_superuser_sees_both_cities(world):
    client = client_for(world.superuser)
    tasks = client.get("/admin/tasks/task/")
    assert set(tasks.context["cl"].queryset) == {world.alpha.objects[Task], world.bravo.objects[Task]}
    assert client.get("/admin/parindex/ward/{}/history/".format(world.bravo.ward.pk)).status_code == 200


@pytest.mark.django_db
def test_admin_lists_keep_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = client_for(world.alpha.admin)
    for n in range(30):
        plans.save_task(
            plan=world.alpha.objects[Plan],
            by=world.alpha.admin,
            code="1{:02d}".format(n),
            title="Nhiệm vụ thêm {}".format(n),
            component=Component.PROCEDURES,
            due_date=date(2023, 6, 30),
            lead=world.alpha.officer,
        )
    # session, user, membership, user and group permissions, the visible wards, two counts
    # (filtered, total), the rows with plan and lead joined, the context's ward, the year filter,
    # and the session saved (savepoint, update, release): the same for 31 rows as for 1.
    with django_assert_max_num_queries(14):
        assert client.get("/admin/tasks/task/").status_code == 200
    for n in range(30):
        _user("canbo_them_{}".format(n), role=Role.OFFICER, ward=world.alpha.ward)
    # The same six before the rows, the groups filter (only groups the listed accounts are in),
    # two counts, the rows with their membership, the context's ward: 14 for 33 accounts.
    with django_assert_max_num_queries(14):
        assert client.get("/admin/auth/user/").status_code == 200
