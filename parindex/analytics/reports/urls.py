from django.urls import path

from parindex.analytics.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("download/", views.download, name="download"),
    path("sent/", views.mark_sent_view, name="mark_sent"),
    path("sent/<int:pk>/", views.sent_detail, name="sent_detail"),
    path("sent/<int:pk>/file/", views.sent_file, name="sent_file"),
    path("import/", views.import_dossiers, name="import"),
]
