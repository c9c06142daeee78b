from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dossiers import digests
from parindex.access import current_ward, membership_of, visible_ward_ids
from parindex.models import Ward


def home(request: HttpRequest) -> HttpResponse:
    member = membership_of(request.user)
    wards = Ward.objects.filter(id__in=visible_ward_ids(request.user)).select_related("city")
    return render(
        request,
        "parindex/home.html",
        {
            "member": member,
            "ward": current_ward(request),
            "wards": wards[:200],
            "digest": digests.latest_for(request.user),
        },
    )


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_POST
def switch_ward(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("ward", "")
    if Ward.objects.filter(code=code, id__in=visible_ward_ids(request.user)).exists():
        request.session["ward_code"] = code
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
