from django.urls import path

from dossiers import inbox_views, public_views, views

app_name = "dossiers"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("procedures/options/", views.procedure_options, name="procedure_options"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/<slug:name>/", views.move, name="move"),
    path("<int:pk>/print/<str:number>/", views.print_form, name="print"),
    path("<int:pk>/show/<str:target>/", views.reveal, name="reveal"),
    path("online/", inbox_views.inbox, name="inbox"),
    path("online/new/", inbox_views.create, name="submission_create"),
    path("online/<int:pk>/", inbox_views.detail, name="submission"),
    path("online/<int:pk>/accept/", inbox_views.accept, name="submission_accept"),
    path("online/<int:pk>/refuse/", inbox_views.refuse, name="submission_refuse"),
    path("log/", views.log_volume, name="log_volume"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/<int:year>/", views.calendar_page, name="calendar_year"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/export/", views.catalogue_export, name="catalogue_export"),
    path("catalogue/import/", views.catalogue_import, name="catalogue_import"),
    path("rate/<str:token>/", public_views.old_rating_link, name="public_rating"),
]
