from django.urls import path

from dossiers import petition_public_views as views

app_name = "pakn"

urlpatterns = [
    path("", views.send, name="send"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("<str:token>/", views.status, name="status"),
]
