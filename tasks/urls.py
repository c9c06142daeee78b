from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.index, name="index"),
    path("plan/new/", views.plan_create, name="plan_create"),
    path("plan/copy/", views.plan_copy, name="plan_copy"),
    path("plan/import/", views.plan_import, name="plan_import"),
    path("plan/template.xlsx", views.plan_template, name="plan_template"),
    path("task/new/", views.task_create, name="task_create"),
    path("task/<int:pk>/", views.task_detail, name="task_detail"),
    path("task/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("task/<int:pk>/update/", views.task_update, name="task_update"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("progress/", views.progress, name="progress"),
    path("criteria/", views.criteria_page, name="criteria"),
    path("criteria/default/", views.criteria_default, name="criteria_default"),
    path("criteria/import/", views.criteria_import, name="criteria_import"),
    path("criteria/template.xlsx", views.criteria_template, name="criteria_template"),
    path("criteria/move/", views.criteria_move, name="criteria_move"),
    path("criteria/report/", views.criteria_report, name="criteria_report"),
    path("criteria/new/", views.criterion_create, name="criterion_create"),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion_detail"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
]
