"""The admin's city scope, in one place: every ModelAdmin and inline of the portal mixes in
``ScopedAdmin`` (or ``ScopedHistoryAdmin``); third-party admins are ``SuperuserOnlyAdmin``.

The scope is the screens' scope (``parindex.base.access``): a city administrator reads and writes the
wards of the own city, its people and what hangs from them; an administrator without a city and
superusers see everything; anybody else with a staff flag (no membership, or an officer) sees no
model at all. An object outside the scope is answered exactly like a missing one.

Shared catalogue rows (fields, agencies, procedures, calendar days) have no city: every
administrator may edit them, as on the catalogue and calendar screens. What a shared row points to
is still scoped (a field's officers), and deleting one is refused when any row that would go with
it, or that protects it, belongs to another city: the confirmation page then names nothing.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects, NotRelationField, get_fields_from_path, unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from parindex.base.access import may_use_admin, visible_city_ids, visible_ward_ids, ward_scope_q

# How deep the delete check follows foreign keys to find a row's ward before it gives up and
# treats the row as hidden (the safe answer).
MAX_SCOPE_DEPTH = 4


def visible_rows(request, model, *, site=admin.site, depth: int = 0) -> QuerySet | None:
    """The rows of ``model`` the request's user may see; ``None`` for rows shared by every city.

    A model with a ``ScopedAdmin`` uses that admin's scope. Any other model (dossiers, hops,
    officials, M2M through rows) is visible when every row it points to is visible or absent; a
    model pointing to nothing scoped is shared.
    """
    model_admin = site._registry.get(model)
    if isinstance(model_admin, ScopedAdmin):
        if model_admin.scope_q(request) is None and may_use_admin(request.user):
            return None
        return model_admin.get_queryset(request)
    if depth >= MAX_SCOPE_DEPTH or not may_use_admin(request.user):
        return model._default_manager.none()
    conditions = []
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.related_model in (None, model):
            continue
        target = visible_rows(request, field.related_model, site=site, depth=depth + 1)
        if target is None:
            continue
        condition = Q(**{"{}__in".format(field.name): target.values("pk")})
        if field.null:
            condition |= Q(**{"{}__isnull".format(field.name): True})
        conditions.append(condition)
    if not conditions:
        return None
    query = Q()
    for condition in conditions:
        query &= condition
    return model._default_manager.filter(query)


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box names the chosen row beside it: only when the user may see that row (a
    posted id of another city must not come back with its name)."""

    def __init__(self, rel, admin_site, rows: QuerySet, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.rows = rows

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            visible = self.rows.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        return super().label_and_url_for_value(value) if visible else ("", "")


class ScopedValuesListFilter(admin.AllValuesFieldListFilter):
    """A filter on a related row's value ("plan__year"): Django offers the values of every row of
    that table; offer those of the rows listed."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .filter(**{"{}__isnull".format(field_path): False})
            .order_by(field_path)
            .values_list(field_path, flat=True)
            .distinct()
        )


class SuperuserOnlyAdmin:
    """For admins we do not scope (groups, login attempts): rights and addresses of every city."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def history_view(self, request, object_id, extra_context=None):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class ScopedAdmin:
    """Rows reach a ward through ``ward_path`` (``None``: a shared catalogue row).

    Querysets, object lookups, pickers (choices, raw-id pop-ups, autocomplete, list filters),
    saves and delete confirmations all follow the same scope.
    """

    ward_path: str | None = "ward"
    # A user's scope comes from its membership, saved with the inlines: check after those.
    check_scope_after_related = False

    def scope_q(self, request) -> Q | None:
        if self.ward_path is None:
            return None
        return ward_scope_q(request.user, self.ward_path)

    # --- who may open it at all ---------------------------------------------------------------

    def has_module_permission(self, request):
        return may_use_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return may_use_admin(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return may_use_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_use_admin(request.user) and super().has_delete_permission(request, obj)

    # --- what it shows ------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the object up first and answers "does not exist" to anybody: refuse first.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_queryset(self, request):
        return self.in_scope(request, super().get_queryset(request))

    def in_scope(self, request, qs):
        """``qs`` narrowed to what this administrator may see (superusers: all; no admin right: none)."""
        if request.user.is_superuser:
            return qs
        if not may_use_admin(request.user):
            return qs.none()
        query = self.scope_q(request)
        return qs if query is None else qs.filter(query)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return filters
        # The plain filters list every row (or value) of the related table: every city's.
        return [self._scoped_filter(name) for name in filters]

    def _scoped_filter(self, name):
        if not isinstance(name, str):
            return name
        try:
            last = get_fields_from_path(self.model, name)[-1]
        except (models.FieldDoesNotExist, NotRelationField):
            return name
        if last.is_relation:
            return (name, admin.RelatedOnlyFieldListFilter)
        return (name, ScopedValuesListFilter) if "__" in name else name

    # --- what it offers to pick ---------------------------------------------------------------

    def _scoped_choices(self, request, db_field, kwargs) -> QuerySet | None:
        if request.user.is_superuser or "queryset" in kwargs:
            return None
        rows = visible_rows(request, db_field.related_model, site=self.admin_site)
        if rows is not None:
            kwargs["queryset"] = rows
        return rows

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        rows = self._scoped_choices(request, db_field, kwargs)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if rows is not None and formfield is not None and type(formfield.widget) is ForeignKeyRawIdWidget:
            widget = formfield.widget
            formfield.widget = ScopedRawIdWidget(widget.rel, widget.admin_site, rows, using=widget.db)
        return formfield

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scoped_choices(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- what it writes -----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        self._keep_hidden_relations(request, obj, form)
        super().save_model(request, obj, form, change)
        if not self.check_scope_after_related:
            self._refuse_out_of_scope(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if self.check_scope_after_related:
            self._refuse_out_of_scope(request, form.instance)

    def _keep_hidden_relations(self, request, obj, form) -> None:
        """A picker lists only the own city; saving it must not drop another city's entries
        (the officers of a shared field)."""
        if request.user.is_superuser or obj.pk is None:
            return
        for field in self.model._meta.many_to_many:
            form_field = form.fields.get(field.name)
            if form_field is None or field.name not in form.cleaned_data:
                continue
            hidden = list(getattr(obj, field.name).exclude(pk__in=form_field.queryset.values("pk")))
            if hidden:
                form.cleaned_data[field.name] = list(form.cleaned_data[field.name]) + hidden

    def _refuse_out_of_scope(self, request, obj) -> None:
        # Runs inside the view's transaction: raising rolls the write (and its history row) back.
        if request.user.is_superuser:
            return
        if not self.get_queryset(request).filter(pk=obj.pk).exists():
            raise PermissionDenied

    # --- what deleting shows ------------------------------------------------------------------

    def get_deleted_objects(self, objs, request):
        if not request.user.is_superuser and self._touches_hidden_rows(objs, request):
            # Refuse (a non-empty "protected" list) and name nothing: not even how many.
            return [], {}, set(), [_("Có dữ liệu liên quan thuộc thành phố khác; không thể xóa.")]
        return super().get_deleted_objects(objs, request)

    def _touches_hidden_rows(self, objs, request) -> bool:
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        pks = defaultdict(set)
        for model, instances in collector.model_objs.items():
            pks[model].update(o.pk for o in instances)
        for obj in collector.protected:
            pks[type(obj)].add(obj.pk)
        for model, ids in pks.items():
            rows = visible_rows(request, model, site=self.admin_site)
            if rows is not None and rows.filter(pk__in=ids).count() != len(ids):
                return True
        return False


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """simple-history's list and revert form, under the same scope as the change form."""

    def _history_rows(self, request):
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        return self.in_scope(request, history.all())

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        qs = super().get_history_queryset(request, history_manager, pk_name, object_id)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=self._history_rows(request).values("pk"))

    def _live_object_in_scope_or_gone(self, request, object_id) -> None:
        """A live object outside the scope is not found, whatever its past versions say."""
        if request.user.is_superuser:
            return
        pk = unquote(object_id)
        try:
            exists = self.model._default_manager.filter(pk=pk).exists()
            if exists and not self.get_queryset(request).filter(pk=pk).exists():
                raise Http404
        except (ValueError, ValidationError):
            raise Http404 from None

    def history_view(self, request, object_id, extra_context=None):
        self._live_object_in_scope_or_gone(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def _version_in_scope_or_404(self, request, object_id, version_id) -> None:
        """A past version of an object in scope, or "not found" (outside the scope as everywhere)."""
        self._live_object_in_scope_or_gone(request, object_id)
        try:
            found = (
                self._history_rows(request)
                .filter(**{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id})
                .exists()
            )
        except (ValueError, ValidationError):
            raise Http404 from None
        if not found:
            raise Http404

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._version_in_scope_or_404(request, object_id, version_id)
        # simple-history saves a re-posted form with only a view right; reverting is a change.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        # Unlike the change form, the revert form runs outside a transaction: make the scope check
        # after the save able to undo it.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)


def user_scope_q(request) -> Q:
    """Accounts of the own city: members of its wards, or of the city itself; never superusers."""
    wards = visible_ward_ids(request.user)
    return Q(is_superuser=False) & (
        Q(membership__ward__in=wards)
        | Q(membership__ward__isnull=True, membership__city__in=visible_city_ids(request.user))
    )


def lock_down_unscoped(site=admin.site) -> None:
    """Every registered admin not scoped by us becomes superuser-only (groups, login attempts)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ScopedAdmin | SuperuserOnlyAdmin):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (SuperuserOnlyAdmin, cls), {}))
