from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers import digests, worklists
from dossiers.models import Dossier
from parindex.base.access import (
    can_handle_dossiers,
    current_ward,
    membership_of,
    role_of,
    visible_ward_ids,
    ward_code_from,
)
from parindex.base.models import Role, Ward


class PortalLoginView(LoginView):
    """Login; without a ``next``, city viewers land on the ward comparison, everyone else at home."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        if role_of(self.request.user) == Role.CITY_VIEWER:
            return reverse("city_dashboard")
        return super().get_default_redirect_url()


def home(request: HttpRequest) -> HttpResponse:
    """Home: the ward's worklists with their sizes for those who handle dossiers, then the modules."""
    member = membership_of(request.user)
    wards = Ward.objects.filter(id__in=visible_ward_ids(request.user)).select_related("city")
    ward = current_ward(request)
    tabs = []
    if ward is not None and can_handle_dossiers(request.user, ward):
        today = timezone.localdate()
        sizes = worklists.counts(Dossier.objects.filter(ward=ward), request.user, today, now=timezone.now())
        index = reverse("dossiers:index")
        tabs = [
            {"key": key, "label": _(label), "count": sizes[key], "url": "{}?list={}".format(index, key)}
            for key, label in worklists.WORKLISTS.items()
        ]
        inbox = worklists.inbox_counts([ward.id], timezone.now())
        tabs.append(
            {
                "key": worklists.ONLINE,
                "label": _(worklists.ONLINE_LABEL),
                "count": inbox["online"],
                "late": inbox["online_late"],
                "url": reverse("dossiers:inbox"),
            }
        )
    return render(
        request,
        "parindex/home.html",
        {
            "member": member,
            "ward": ward,
            "wards": wards[:200],
            "worklists": tabs,
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
    code = ward_code_from(request.POST.get("ward"))
    if code and Ward.objects.filter(code=code, id__in=visible_ward_ids(request.user)).exists():
        request.session["ward_code"] = code
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
