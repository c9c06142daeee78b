from django.urls import path

from parindex.staffing import views

# The staffing page itself (``index``: posts and the workload per official, which reads the
# register and the plan) is analytics: parindex/urls.py adds it to this namespace.
app_name = "staffing"

urlpatterns = [
    path("positions/new/", views.position_create, name="position_create"),
    path("positions/<int:pk>/", views.position_detail, name="position"),
    path("positions/<int:pk>/edit/", views.position_edit, name="position_edit"),
    path("positions/<int:pk>/appoint/", views.appoint, name="appoint"),
    path("positions/<int:pk>/cover/", views.cover_start, name="cover_start"),
    path("positions/<int:pk>/recruitment/", views.recruitment_save, name="recruitment_create"),
    path(
        "positions/<int:pk>/recruitment/<int:recruitment_pk>/",
        views.recruitment_save,
        name="recruitment_edit",
    ),
    path("holdings/<int:pk>/end/", views.holding_end, name="holding_end"),
    path("covers/<int:pk>/end/", views.cover_end, name="cover_end"),
    path("officials/new/", views.official_create, name="official_create"),
    path("officials/<int:pk>/", views.official_detail, name="official"),
    path("officials/<int:pk>/edit/", views.official_edit, name="official_edit"),
    path("history/<str:kind>/<int:pk>/", views.history, name="history"),
]
