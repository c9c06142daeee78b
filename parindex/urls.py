from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from parindex import views
from parindex.analytics import dashboards, public_results, scoreboard, workload
from parindex.api.v1 import api as api_v1
from parindex.staffing import urls as staffing_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("ward/switch/", views.switch_ward, name="switch_ward"),
    path("dashboard/", dashboards.ward_dashboard, name="dashboard"),
    path("dashboard/city/", dashboards.city_dashboard, name="city_dashboard"),
    path("dashboard/lateness/", dashboards.agency_lateness, name="agency_lateness"),
    path("dashboard/workload/", dashboards.ward_workload, name="dashboard_workload"),
    path("dashboard/definitions/", dashboards.indicator_definitions, name="indicator_definitions"),
    path("dashboard/targets/", dashboards.targets, name="targets"),
    path("dashboard/targets/new/", dashboards.target_edit, name="target_new"),
    path("dashboard/targets/<int:pk>/", dashboards.target_edit, name="target_edit"),
    path("dashboard/index766/", scoreboard.city_board, name="service_index"),
    path("dashboard/index766/ward/", scoreboard.ward_page, name="service_index_ward"),
    path("dashboard/index766/entries/", scoreboard.entries, name="service_index_entries"),
    path("dashboard/index766/import/", scoreboard.import_official, name="service_index_import"),
    path("dossiers/", include("dossiers.urls")),
    path("petitions/", include("dossiers.petition_urls")),
    path("tra-cuu/", include("dossiers.public_urls")),
    path("phan-anh/", include("dossiers.petition_public_urls")),
    path("cong-khai/<str:ward_code>/", public_results.ward_results, name="public_results"),
    path("tasks/", include("tasks.urls")),
    # The staffing namespace: the domain's screens plus its index page, which is analytics.
    path(
        "staffing/",
        include(
            (
                [path("", workload.staffing_page, name="index"), *staffing_urls.urlpatterns],
                staffing_urls.app_name,
            )
        ),
    ),
    path("reports/", include("parindex.analytics.reports.urls")),
    path("jobs/", include("parindex.base.jobs.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
]

handler403 = "parindex.views.forbidden"
handler404 = "parindex.views.not_found"
