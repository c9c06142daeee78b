from django.urls import path

from parindex.base.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("notifications/", views.notifications, name="notifications"),
    path("<uuid:pk>/", views.job_detail, name="detail"),
    path("<uuid:pk>/file/", views.job_file, name="file"),
]
