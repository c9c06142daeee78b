"""Administrators work in Django's admin: keep their group's permissions and staff flag in step.
``migrate`` also creates the database cache table (see ``_create_cache_tables``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from parindex.base.models import Membership, Role
from parindex.middleware import mark_renewed

ADMIN_GROUP = "Quản trị viên"
# What administrators manage (issue 2): catalogues, calendars, targets, users and the organisation.
ADMIN_APPS = ("dossiers", "tasks", "staffing", "parindex", "auth", "reports", "api")
# Dossier records themselves move only through the workflow, never through the admin.
READ_ONLY_MODELS = {
    "dossier",
    "dossierevent",
    "hop",
    "supplementrequest",
    "apologyletter",
    "rating",
    "codecounter",
    "accesslog",
    "sentreport",
}


def ensure_admin_group() -> Group:
    group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS).select_related("content_type")
    allowed = [
        p
        for p in perms
        if (p.content_type.model not in READ_ONLY_MODELS or p.codename.startswith("view_"))
        # groups and permissions are how rights are granted: superusers only
        and not (p.content_type.app_label == "auth" and p.content_type.model in ("group", "permission"))
    ]
    group.permissions.set(allowed)
    return group


@receiver(post_migrate)
def _sync_admin_group(sender, **kwargs):
    if sender.label == "parindex":  # the base app (parindex/base), which holds the organisation's models
        ensure_admin_group()


@receiver(post_migrate)
def _create_cache_tables(sender, using: str = "default", **kwargs):
    # A separate `createcachetable` step run without the production settings left no table, and
    # every public rating then failed. The production table is created whatever cache this run
    # uses (DEBUG keeps a memory cache), and so is any other database cache configured.
    if sender.label == "parindex":  # the base app (parindex/base), which holds the organisation's models
        call_command("createcachetable", settings.DATABASE_CACHE_TABLE, database=using, verbosity=0)
        call_command("createcachetable", database=using, verbosity=0)


@receiver(post_save, sender=Membership)
def _admin_membership(sender, instance: Membership, **kwargs):
    user = instance.user
    if instance.role == Role.ADMIN:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(ensure_admin_group())


@receiver(user_logged_in, dispatch_uid="session_renewed_at_login")
def _session_renewed_at_login(sender, request, **kwargs) -> None:
    # The login writes the session anyway: the next minute of pages needs no session write.
    if request is not None and hasattr(request, "session"):
        mark_renewed(request.session)
