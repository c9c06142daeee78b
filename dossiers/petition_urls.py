from django.urls import path

from dossiers import petition_views as views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="index"),
    path("new/", views.petition_create, name="create"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/show/", views.petition_reveal, name="reveal"),
    path("<int:pk>/<slug:name>/", views.petition_move, name="move"),
]
