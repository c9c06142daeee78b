from django.urls import path

from dossiers import public_views

app_name = "lookup"

urlpatterns = [
    path("", public_views.lookup_form, name="form"),
    path("<str:token>/", public_views.status_page, name="status"),
]
