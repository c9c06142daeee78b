from django.urls import path

from parindex.staffing import views

app_name = "staffing"

urlpatterns = [
    path("", views.index, name="index"),
]
