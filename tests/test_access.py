"""Every URL needs a login except the public ones; roles see what they should; wards are isolated."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from freezegun import freeze_time

from parindex.base.access import visible_ward_ids

# URL names anyone may open without logging in.
PUBLIC = {
    "login",
    "set_language",
    "healthz",
    "dossiers:public_rating",
    "lookup:form",
    "lookup:status",
    "public_results",
    "pakn:send",
    "pakn:lookup",
    "pakn:status",
}
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_DUMMY = {
    "int": "999999",
    "str": "zz",
    "slug": "zz",
    "path": "zz",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """(name, path) of every route-style URL pattern, with dummy values for its arguments."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        route = getattr(p.pattern, "_route", None)
        if route is None:  # regex patterns (the admin's catch-alls) are covered by the admin itself
            continue
        path = prefix + _CONVERTER.sub(lambda m: _DUMMY.get(m.group(1) or "str", "zz"), route)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            yield from walk(p.url_patterns, path, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", "/" + path


ALL_URLS = sorted(set(walk()))
PRIVATE_URLS = [
    (n, u)
    for n, u in ALL_URLS
    if n not in PUBLIC and not n.startswith("admin:") and not n.startswith("api-v1:")
]
# The JSON API authenticates by token and answers 401 JSON itself (issue 20); its description is public.
# (The root /api/v1/ is ninja's "not found" page, no operation.)
API_PUBLIC = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}
API_URLS = [(n, u) for n, u in ALL_URLS if n.startswith("api-v1:") and n not in API_PUBLIC]


def test_the_walk_finds_the_portal_urls():
    names = {name for name, _ in ALL_URLS}
    assert {"home", "login", "dashboard", "dossiers:index", "tasks:index", "staffing:index"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", PRIVATE_URLS)
def test_anonymous_is_sent_to_login(client, name, url):
    response = client.get(url)
    assert response.status_code == 302, name
    assert response["Location"].startswith("/accounts/login/?next="), name


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", API_URLS)
def test_api_without_token_gets_401_json_not_the_login_page(client, name, url):
    response = client.get(url)
    # Every API route answers without redirecting; routes of other methods answer 405.
    assert response.status_code in (401, 405), (name, response.status_code)
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "unauthenticated"


def test_the_walk_finds_the_api(db):
    assert len(API_URLS) >= 5


@pytest.mark.django_db
def test_public_pages_open_without_login(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


ROLES = ["chairperson", "officer_tuphap", "city_viewer", "administrator"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_without_arguments_answers_each_role_without_error(
    client, request, role, ward, other_ward
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for name, url in ALL_URLS:
        if "999999" in url or "/zz" in url or name.startswith("admin:") or name in {"logout", "set_language"}:
            continue
        if name.startswith("api-v1:"):  # token, not session: test_api_without_token_gets_401_json...
            continue
        response = client.get(url)
        # 404: a page about something this ward does not have yet (e.g. no plan for the year).
        assert response.status_code in {200, 302, 403, 404, 405}, (role, name, response.status_code)


@pytest.mark.django_db
def test_home_greets_each_role(client, chairperson, officer_tuphap, city_viewer, administrator):
    for user, role_label in (
        (chairperson, "Lãnh đạo UBND phường"),
        (officer_tuphap, "Cán bộ, công chức"),
        (city_viewer, "Người xem cấp thành phố"),
        (administrator, "Quản trị viên"),
    ):
        client.force_login(user)
        body = client.get("/").content.decode()
        assert role_label in body


@pytest.mark.django_db
def test_ward_scopes_follow_roles(
    chairperson,
    officer_tuphap,
    officer_other_ward,
    city_viewer,
    administrator,
    ward,
    other_ward,
    far_ward,
    make_user,
):
    assert visible_ward_ids(officer_tuphap) == [ward.id]
    assert visible_ward_ids(chairperson) == [ward.id]
    assert visible_ward_ids(officer_other_ward) == [other_ward.id]
    assert sorted(visible_ward_ids(city_viewer)) == sorted([ward.id, other_ward.id])
    assert far_ward.id not in visible_ward_ids(administrator)
    global_admin = make_user("admin_all", role="admin")
    assert sorted(visible_ward_ids(global_admin)) == sorted([ward.id, other_ward.id, far_ward.id])


@pytest.mark.django_db
def test_city_viewer_switches_only_to_wards_of_their_city(client, city_viewer, ward, other_ward, far_ward):
    client.force_login(city_viewer)
    client.post("/ward/switch/", {"ward": other_ward.code})
    assert client.session["ward_code"] == other_ward.code
    client.post("/ward/switch/", {"ward": far_ward.code})
    assert client.session["ward_code"] == other_ward.code
    assert "Phường Phú Thủy" in client.get("/").content.decode()


@pytest.mark.django_db
def test_switch_refuses_offsite_redirect(client, city_viewer, ward):
    client.force_login(city_viewer)
    response = client.post("/ward/switch/", {"ward": ward.code, "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_session_expires_after_inactivity(client, officer_tuphap, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    with freeze_time("2026-03-02 08:00:00") as frozen:
        client.force_login(officer_tuphap)
        assert client.get("/").status_code == 200
        frozen.tick(timedelta(minutes=25))
        assert client.get("/").status_code == 200  # activity renews the session
        frozen.tick(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_failed_logins_are_throttled(client, officer_tuphap):
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "tuphap", "password": "sai-mat-khau"})
        assert response.status_code == 200
        assert "Tên đăng nhập và mật khẩu chính xác" in response.content.decode()
    # The fifth failure locks the account out; even the right password is refused during the cool-off.
    assert client.post("/accounts/login/", {"username": "tuphap", "password": "sai"}).status_code == 429
    response = client.post("/accounts/login/", {"username": "tuphap", "password": "matkhau-demo-2026"})
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_correct_login_then_logout(client, officer_tuphap):
    response = client.post("/accounts/login/", {"username": "tuphap", "password": "matkhau-demo-2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_change(client, officer_tuphap):
    client.force_login(officer_tuphap)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "matkhau-demo-2026",
            "new_password1": "Mat-khau-moi-2026!",
            "new_password2": "Mat-khau-moi-2026!",
        },
    )
    assert response.status_code == 302
    officer_tuphap.refresh_from_db()
    assert officer_tuphap.check_password("Mat-khau-moi-2026!")
    assert timezone.now()  # the session survives the change (update_session_auth_hash)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_administrator_manages_catalogues_in_admin_but_cannot_edit_dossiers(
    client, administrator, officer_tuphap
):
    administrator.refresh_from_db()
    assert administrator.is_staff
    assert administrator.has_perm("dossiers.change_procedure")
    assert administrator.has_perm("dossiers.add_calendarday")
    assert administrator.has_perm("dossiers.view_dossier")
    assert not administrator.has_perm("dossiers.change_dossier")
    client.force_login(administrator)
    assert client.get("/admin/parindex/ward/").status_code == 200
    client.force_login(officer_tuphap)
    assert client.get("/admin/").status_code == 302


# What each role gets on the portal's main pages (200 page, 403 not allowed, 302 to the admin's
# own login). A page missing here is still covered by the walk above (no 500 for anyone).
EXPECTED = {
    #                         leader officer city admin
    "home": (200, 200, 200, 200),
    "dashboard": (200, 200, 200, 200),
    "city_dashboard": (200, 200, 200, 200),
    "targets": (200, 200, 200, 200),
    "target_new": (200, 403, 403, 200),
    "dossiers:index": (200, 200, 200, 200),
    "dossiers:create": (200, 200, 403, 403),
    "dossiers:calendar": (200, 403, 403, 200),
    "dossiers:catalogue_import": (403, 403, 403, 200),
    "tasks:index": (200, 200, 200, 200),
    "tasks:plan_import": (200, 403, 403, 200),
    "tasks:progress": (200, 200, 200, 200),
    "tasks:criteria": (200, 200, 200, 200),
    "staffing:index": (200, 200, 200, 200),
    "staffing:position_create": (200, 403, 403, 200),
    "staffing:official_create": (200, 403, 403, 200),
    "reports:index": (200, 200, 200, 200),
    "reports:import": (200, 200, 403, 403),
    "reports:download": (200, 200, 200, 200),
    "admin:index": (302, 302, 302, 200),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "column,role", list(enumerate(["chairperson", "officer_tuphap", "city_viewer", "administrator"]))
)
def test_each_role_gets_the_expected_answer_on_main_pages(client, request, column, role, other_ward):
    client.force_login(request.getfixturevalue(role))
    got = {name: client.get(reverse(name)).status_code for name in EXPECTED}
    assert got == {name: statuses[column] for name, statuses in EXPECTED.items()}


@pytest.mark.django_db
def test_city_administrator_sees_only_their_citys_people_in_admin(
    client, administrator, officer_tuphap, city_viewer, far_ward, make_user
):
    stranger = make_user("canbo_tanan", role="officer", ward=far_ward, full_name="Lý Văn Xa")
    client.force_login(administrator)
    listing = client.get("/admin/auth/user/").content.decode()
    assert "tuphap" in listing and "thanhpho" in listing
    assert "canbo_tanan" not in listing
    assert (
        client.get("/admin/auth/user/{}/change/".format(stranger.pk)).status_code == 302
    )  # "does not exist"
    wards = client.get("/admin/parindex/ward/").content.decode()
    assert "Phường Bình Hưng" in wards and far_ward.name not in wards


@pytest.mark.django_db
def test_administrator_cannot_grant_superuser_or_edit_groups(client, administrator, officer_tuphap):
    client.force_login(administrator)
    page = client.get("/admin/auth/user/{}/change/".format(officer_tuphap.pk))
    assert page.status_code == 200
    form_fields = page.context["adminform"].form.fields
    assert "is_superuser" not in form_fields and "groups" not in form_fields
    assert not administrator.has_perm("auth.change_group")
    assert not administrator.has_perm("auth.change_permission")
    assert client.get("/admin/auth/group/").status_code == 403


@pytest.mark.django_db
def test_city_administrator_cannot_create_a_global_viewer(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "xem_toan_tinh",
            "password1": "Mat-khau-rat-dai-2026!",
            "password2": "Mat-khau-rat-dai-2026!",
            "membership-TOTAL_FORMS": "1",
            "membership-INITIAL_FORMS": "0",
            "membership-MIN_NUM_FORMS": "0",
            "membership-MAX_NUM_FORMS": "1",
            "membership-0-role": "city_viewer",
            "membership-0-city": "",
            "membership-0-title": "",
        },
    )
    assert response.status_code == 200
    assert "Hãy chọn thành phố" in response.content.decode()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="xem_toan_tinh").exists()


@pytest.mark.django_db
def test_behind_a_proxy_lockout_follows_the_client_not_the_proxy(client, officer_tuphap, settings):
    # what TRUSTED_PROXY_COUNT=1 sets (parindex/settings.py)
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for _ in range(5):
        client.post(
            "/accounts/login/", {"username": "tuphap", "password": "sai"}, HTTP_X_FORWARDED_FOR="203.0.113.7"
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "tuphap", "password": "matkhau-demo-2026"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    # the same account from another office behind the same proxy is not locked out
    response = client.post(
        "/accounts/login/",
        {"username": "tuphap", "password": "matkhau-demo-2026"},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 302
