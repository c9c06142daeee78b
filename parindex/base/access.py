"""Who may see and do what, in one place.

Rules (issue 2):
- officer: reads and handles the dossiers of their own ward, updates their own tasks;
- leader (chairperson / vice-chairperson): everything of their ward, dashboards, exports, approvals;
- city viewer: read-only over the wards of their city;
- administrator: catalogues, calendars, targets, users; reads the wards of their city (all wards
  when no city is set).

Personal data of applicants (Nghị định 13/2023) has one rule, ``may_see_personal_data``: full ID,
phone, e-mail and address only for the ward's officers handling the dossier's field and the ward's
leaders; everyone else (city viewers, administrators, superusers, officers of other fields) reads
them masked unless they ask to see them, which is logged (``dossiers.privacy``).

Every queryset a view shows goes through ``ward_scope_q`` (via the ``for_user`` of
``parindex.base.scoping.WardScopedQuerySet``; the admin uses the same rule), so an object of another
ward is simply not found (404), never "forbidden" (which would confirm it exists). A superuser
reads every ward.

Reception regardless of administrative boundary (Nghị định 118/2025): a dossier received at ward
A's counter for ward B is B's (``ward``: B handles it, counts it, sees its personal data by the one
rule) and visible to A in the counter's role (``received_by_ward``): A reads its status and the
return of its result, with personal data masked beyond what A entered, and may only hand the
result back when it is collected at A's counter. ``dossier_scope_q`` is the one predicate every
dossier queryset goes through; a third ward never finds the dossier.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest

# A module reference, not names: parindex.base.models builds its managers on parindex.base.scoping, which
# reads the rule here, so the names are looked up when a rule runs, not when the module loads.
from parindex.base import models as org


def membership_of(user) -> org.Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_membership_cache", False)
    if cached is not False:
        return cached
    try:
        member = org.Membership.objects.select_related("ward__city", "city").get(user=user)
    except org.Membership.DoesNotExist:
        member = None
    user._membership_cache = member
    return member


def role_of(user) -> str | None:
    member = membership_of(user)
    return member.role if member else None


def visible_ward_ids(user) -> list[int]:
    """Ids of the wards this user may read. Cached on the user object for the request."""
    cached = getattr(user, "_visible_ward_ids", None)
    if cached is not None:
        return cached
    member = membership_of(user)
    if getattr(user, "is_superuser", False):
        ids: list[int] = list(org.Ward.objects.values_list("id", flat=True))
    elif member is None:
        ids = []
    elif member.role in (org.Role.OFFICER, org.Role.LEADER):
        ids = [member.ward_id]
    elif member.role == org.Role.CITY_VIEWER:
        ids = list(org.Ward.objects.filter(city_id=member.city_id).values_list("id", flat=True))
    elif member.role == org.Role.ADMIN:
        qs = org.Ward.objects.all()
        if member.city_id:
            qs = qs.filter(city_id=member.city_id)
        ids = list(qs.values_list("id", flat=True))
    else:  # pragma: no cover - choices are closed
        ids = []
    user._visible_ward_ids = ids
    return ids


def visible_city_ids(user) -> list[int]:
    """Ids of the cities this user works in: the membership's city, or its ward's city; every city
    for an administrator without a city. Cached on the user object for the request."""
    cached = getattr(user, "_visible_city_ids", None)
    if cached is not None:
        return cached
    member = membership_of(user)
    if getattr(user, "is_superuser", False):
        ids: list[int] = list(org.City.objects.values_list("id", flat=True))
    elif member is None:
        ids = []
    elif member.role == org.Role.ADMIN and not member.city_id:
        ids = list(org.City.objects.values_list("id", flat=True))
    elif member.city_id:
        ids = [member.city_id]
    else:
        ids = [member.ward.city_id]
    user._visible_city_ids = ids
    return ids


def can_read_ward(user, ward: org.Ward | int) -> bool:
    ward_id = ward if isinstance(ward, int) else ward.id
    return ward_id in visible_ward_ids(user)


def ward_scope_q(user, lookup: str = "ward") -> Q:
    """The one scoping rule, for rows that reach their ward through ``lookup`` ("ward",
    "plan__ward", "pk" for the wards themselves): an officer reads the own ward, a leader all of
    the own ward, city viewers and administrators the wards of their city (an administrator
    without a city: every ward), a superuser every ward; nobody else anything.

    Every ``for_user`` (``parindex.base.scoping.WardScopedQuerySet``) and the scoped admin
    (``parindex.base.admin_scope.ScopedAdmin``) filter with it."""
    return Q(**{"{}__in".format(lookup): visible_ward_ids(user)})


def whole_city_q(user, lookup: str = "city") -> Q:
    """Rows of a city (a city report, a city export) the user reads: only when they read every
    ward of that city, so a city figure never tells a ward member about the wards they do not see."""
    ids = visible_ward_ids(user)
    seen = org.Ward.objects.filter(id__in=ids).values("city_id")
    hidden = org.Ward.objects.exclude(id__in=ids).values("city_id")
    key = "{}__in".format(lookup)
    return Q(**{key: seen}) & ~Q(**{key: hidden})


def dossier_scope_q(ward_ids) -> Q:
    """The dossiers readers of ``ward_ids`` may find: those of their wards (the competent unit),
    and those their counters received for another unit."""
    ids = list(ward_ids)
    return Q(ward_id__in=ids) | Q(received_by_ward_id__in=ids)


def visible_dossiers_q(user) -> Q:
    return dossier_scope_q(visible_ward_ids(user))


def is_receiving_counter(user, dossier) -> bool:
    """The user works at the counter that received ``dossier`` for another unit (an officer or
    leader of that ward): the counter's role, not the handler's."""
    member = membership_of(user)
    counter_id = dossier.received_by_ward_id
    return bool(
        member
        and member.role in (org.Role.OFFICER, org.Role.LEADER)
        and counter_id is not None
        and counter_id != dossier.ward_id
        and member.ward_id == counter_id
    )


def can_handle_dossiers(user, ward: org.Ward | int) -> bool:
    """Log and move dossiers: officers and leaders of that ward."""
    member = membership_of(user)
    ward_id = ward if isinstance(ward, int) else ward.id
    return bool(member and member.role in (org.Role.OFFICER, org.Role.LEADER) and member.ward_id == ward_id)


def can_lead(user, ward: org.Ward | int) -> bool:
    """Approve, edit plans, staffing and targets of a ward: its leaders, and administrators over it."""
    member = membership_of(user)
    if member is None:
        return False
    ward_id = ward if isinstance(ward, int) else ward.id
    if member.role == org.Role.LEADER:
        return member.ward_id == ward_id
    if member.role == org.Role.ADMIN:
        return ward_id in visible_ward_ids(user)
    return False


def may_approve_extension(user, ward: org.Ward | int) -> bool:
    """Approve a request for more time (form 04 since Thông tư 03/2025): the ward's leaders only,
    the competent authority over the dossier (an administrator configures, does not decide)."""
    member = membership_of(user)
    ward_id = ward if isinstance(ward, int) else ward.id
    return bool(member and member.role == org.Role.LEADER and member.ward_id == ward_id)


def may_edit_target(user, *, ward_id: int | None, city_id: int | None) -> bool:
    """Edit a year target: a ward's own target by those who lead the ward; a city's default for
    its wards by the administrators of that city (or of every city)."""
    if ward_id is not None:
        return can_lead(user, ward_id)
    member = membership_of(user)
    return is_admin(user) and (member is None or member.city_id in (None, city_id))


def handled_field_ids(user) -> frozenset[int]:
    """Ids of the dossier fields (lĩnh vực) the user is an officer of. Cached for the request.

    Read through the reverse accessor of ``Field.officers``: the base layer does not import the
    register, it only asks which fields point at the user."""
    cached = getattr(user, "_handled_field_ids", None)
    if cached is not None:
        return cached
    ids: frozenset[int] = frozenset()
    if getattr(user, "is_authenticated", False) and hasattr(user, "dossier_fields"):
        ids = frozenset(user.dossier_fields.values_list("id", flat=True))
    user._handled_field_ids = ids
    return ids


def may_see_personal_data(user, *, ward_id: int, field_id: int) -> bool:
    """The one rule for an applicant's full personal data: the ward's leaders, and the ward's
    officers handling the dossier's field. Administrators and superusers are not among them: they
    see masked values like everyone else unless they ask to see them (which is logged)."""
    member = membership_of(user)
    if member is None or member.ward_id != ward_id:
        return False
    if member.role == org.Role.LEADER:
        return True
    return member.role == org.Role.OFFICER and field_id in handled_field_ids(user)


def is_admin(user) -> bool:
    member = membership_of(user)
    return bool(member and member.role == org.Role.ADMIN) or bool(getattr(user, "is_superuser", False))


def may_use_admin(user) -> bool:
    """Open the admin site: superusers and administrators; a staff flag alone opens nothing."""
    return bool(getattr(user, "is_active", False)) and is_admin(user)


def reads_several_wards(user) -> bool:
    """Pick a ward with the switcher, read a city's scope and the ward comparison: city viewers,
    administrators and superusers (ward members always work in their own ward)."""
    member = membership_of(user)
    if member is None:
        return bool(getattr(user, "is_superuser", False))
    return member.role in (org.Role.CITY_VIEWER, org.Role.ADMIN)


def works_in_a_ward(user) -> bool:
    """An officer or a leader of a ward: their pages are the ward's, not the city's."""
    member = membership_of(user)
    return member is not None and member.role in (org.Role.OFFICER, org.Role.LEADER)


WARD_CODE_MAX = 20  # Ward.code's max_length


def ward_code_from(raw: str | None) -> str | None:
    """The ward code in a query or form value, or None when it cannot be one.

    Every ``ward=`` value passes here before it reaches the database: PostgreSQL refuses a NUL
    byte in a query with an error (a 500), and no code is longer than the column.
    """
    code = (raw or "").strip()
    if not code or len(code) > WARD_CODE_MAX or not code.isprintable():
        return None
    return code


def get_visible_ward(user, code: str) -> org.Ward:
    """The ward with this code if the user may read it; 404 otherwise."""
    code = ward_code_from(code)
    if code is None:
        raise Http404("ward")
    try:
        return org.Ward.objects.select_related("city").get(code=code, id__in=visible_ward_ids(user))
    except org.Ward.DoesNotExist:
        raise Http404("ward") from None


def current_ward(request: HttpRequest) -> org.Ward | None:
    """The ward the request is about: ?ward=CODE if visible, else the session's choice, else home.

    Officers and leaders always get their own ward. City viewers and administrators pick one with
    the ward switcher; the choice is kept in the session.
    """
    user = request.user
    member = membership_of(user)
    if member is None:
        return None
    if member.role in (org.Role.OFFICER, org.Role.LEADER):
        return member.ward
    code = ward_code_from(request.GET.get("ward")) or request.session.get("ward_code")
    if code:
        ward = (
            org.Ward.objects.select_related("city").filter(code=code, id__in=visible_ward_ids(user)).first()
        )
        if ward is not None:
            if request.session.get("ward_code") != ward.code:  # no session save when unchanged
                request.session["ward_code"] = ward.code
            return ward
    return org.Ward.objects.select_related("city").filter(id__in=visible_ward_ids(user)).first()


AXES_USERNAME_MAX = 150  # User.username's max_length; axes keeps it in a 255-character column


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes counts failures for (``AXES_USERNAME_CALLABLE``).

    Django's login forms pass any typed username to ``authenticate`` (their max_length only sets
    the widget attribute), and axes writes it into a 255-character column: 256 characters ended in
    a database error. No account has a longer name, so the longer tail is cut off; NUL bytes,
    which PostgreSQL refuses, are dropped.
    """
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username") if request is not None else None
    if raw is None:
        return None
    return str(raw).replace("\x00", "")[:AXES_USERNAME_MAX]


# -- the PAR assessment rounds (tasks/criteria.py enforces the state; these say who) ------------


def can_self_assess(user, ward: org.Ward | int, *, responsible_id: int | None = None) -> bool:
    """Self score, "not applicable", evidence and explanation of a criterion: the ward's leaders,
    and the officer of that ward responsible for the criterion. Not the city: it appraises."""
    member = membership_of(user)
    ward_id = ward if isinstance(ward, int) else ward.id
    if member is None or member.ward_id != ward_id:
        return False
    if member.role == org.Role.LEADER:
        return True
    return member.role == org.Role.OFFICER and responsible_id is not None and responsible_id == user.id


def can_submit_self_assessment(user, ward: org.Ward | int) -> bool:
    """Submit the self-assessment, the explanations, and write the report: the ward's leaders."""
    member = membership_of(user)
    ward_id = ward if isinstance(ward, int) else ward.id
    return bool(member and member.role == org.Role.LEADER and member.ward_id == ward_id)


def can_appraise(user, ward: org.Ward) -> bool:
    """Appraise a ward's PAR assessment (both rounds, and the final result): the city viewers and
    administrators of the ward's own city. An administrator without a city is not the ward's city."""
    member = membership_of(user)
    return bool(
        member
        and member.role in (org.Role.CITY_VIEWER, org.Role.ADMIN)
        and member.city_id is not None
        and member.city_id == ward.city_id
    )


def can_handle_petitions(user, ward: org.Ward | int) -> bool:
    """Receive, assign, answer and record the petitioner's rating of a PAKN: the ward's officers
    and leaders (the people who handle its dossiers)."""
    return can_handle_dossiers(user, ward)


def may_see_petitioner_data(
    user, *, ward_id: int, handler_id: int | None, receiver_id: int | None, official_id: int | None
) -> bool:
    """The petitioner's full name, phone, ID, e-mail and address (Nghị định 13/2023), by the same
    rule as an applicant's: the ward's leaders, and the ward's officers whose work it is, that is
    the officer handling the petition and the one who received it at the counter. Never the
    official the petition is about (a petitioner must not fear a complaint about staff), even a
    leader; everyone else reads them masked unless they ask to see them, which is logged."""
    member = membership_of(user)
    if member is None or member.ward_id != ward_id:
        return False
    if official_id is not None and official_id == user.id:
        return False
    if member.role == org.Role.LEADER:
        return True
    return member.role == org.Role.OFFICER and user.id in (handler_id, receiver_id)


def petitioner_readable_q(user, ward_id: int) -> Q:
    """The petitions of the ward whose petitioner ``user`` sees in full (``may_see_petitioner_data``
    as a condition): a search by the petitioner's name finds only those, or it would tell a
    masked reader who complained."""
    member = membership_of(user)
    if member is None or member.ward_id != ward_id or member.role not in (org.Role.LEADER, org.Role.OFFICER):
        return Q(pk__in=[])
    readable = Q() if member.role == org.Role.LEADER else Q(handled_by=user) | Q(created_by=user)
    return readable & (Q(official__isnull=True) | ~Q(official=user))


# -- the QĐ 766 service index ---------------------------------------------------------------


def may_see_city_scoreboard(user, city_id: int) -> bool:
    """The city's ranking of its wards: the city's viewers and administrators (an administrator
    without a city: every city). Ward members see their own ward's page only."""
    member = membership_of(user)
    if member is None:
        return bool(getattr(user, "is_superuser", False))
    return member.role in (org.Role.CITY_VIEWER, org.Role.ADMIN) and city_id in visible_city_ids(user)


def may_enter_service_metrics(user, city_id: int) -> bool:
    """Enter the metrics a ward cannot know and import the official scores: the city's
    administrators."""
    return is_admin(user) and (
        city_id in visible_city_ids(user) or (membership_of(user) is None and user.is_superuser)
    )


# -- the reform plan -------------------------------------------------------------------------


def can_manage_plan(user, ward: org.Ward | int) -> bool:
    """Create, import, copy plans and edit any task: the ward's leaders (and administrators)."""
    return can_lead(user, ward)


def can_update_task(user, task) -> bool:
    """Change a task's status and add evidence: leaders, the lead official and co-officials of
    the task. City viewers read only. Co-officials are checked from the prefetched list when
    there is one."""
    ward_id = task.plan.ward_id
    if can_lead(user, ward_id):
        return True
    member = membership_of(user)
    if member is None or member.role != org.Role.OFFICER or member.ward_id != ward_id:
        return False
    if task.lead_id == user.id:
        return True
    return any(u.id == user.id for u in task.co_officials.all())
