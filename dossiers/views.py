from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    # Placeholder until this part of the portal is built (see the open issues).
    return render(request, "parindex/placeholder.html", {"section": "dossiers"})
