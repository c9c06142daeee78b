from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def ward_dashboard(request: HttpRequest) -> HttpResponse:
    # Placeholder until the dashboards are built (issue 6).
    return render(request, "parindex/placeholder.html", {"section": "dashboard"})


def city_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "parindex/placeholder.html", {"section": "city_dashboard"})
