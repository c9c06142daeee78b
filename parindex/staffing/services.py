"""Every change to the staffing of a ward goes through these functions.

Each checks the rules that span several rows (quota, overlaps, a cover only on a vacant post)
before writing anything and runs in one transaction, so a refused change leaves no trace. Errors
are ``ValidationError`` keyed by the argument's name, so a form can show them next to its field.
History rows (who, when) are written by django-simple-history on each save.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.base.models import Ward
from parindex.staffing.models import (
    OPEN_RECRUITMENT,
    Cover,
    Holding,
    Official,
    Position,
    Recruitment,
    RecruitmentStatus,
    overlapping,
)

Interval = tuple[date, date | None]


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _peak(intervals: Iterable[Interval], start: date, end: date | None) -> tuple[int, date]:
    """Most intervals in force on one day of [start, end], and the first such day.

    The count only rises where an interval starts, so checking ``start`` and the starts inside
    the range is enough.
    """
    intervals = list(intervals)
    days = sorted({start} | {s for s, _e in intervals if s > start and (end is None or s <= end)})
    best, best_day = 0, start
    for day in days:
        n = sum(1 for s, e in intervals if s <= day and (e is None or e >= day))
        if n > best:
            best, best_day = n, day
    return best, best_day


def _check_dates(start: date, end: date | None, *, field: str = "end") -> None:
    if end is not None and end < start:
        raise ValidationError(
            {field: _("Ngày kết thúc ({}) không được trước ngày bắt đầu ({}).").format(_d(end), _d(start))}
        )


def _check_same_ward(official: Official, position: Position) -> None:
    if official.ward_id != position.ward_id:
        raise ValidationError({"official": _("Cán bộ và vị trí phải thuộc cùng một phường.")})


def _check_position_in_force(position: Position, start: date) -> None:
    if not position.is_valid_on(start):
        raise ValidationError(
            {"start": _("Vị trí “{}” không áp dụng vào ngày {}.").format(position.title, _d(start))}
        )


def _check_official_serving(official: Official, start: date) -> None:
    if start < official.start or (official.end is not None and start > official.end):
        raise ValidationError(
            {"start": _("{} không công tác tại phường vào ngày {}.").format(official.full_name, _d(start))}
        )


def _holding_intervals(position: Position, *, exclude_pk: int | None = None) -> list[Interval]:
    qs = Holding.objects.filter(position=position)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.values_list("start", "end"))


def _cover_intervals(position: Position, *, exclude_pk: int | None = None) -> list[Interval]:
    qs = Cover.objects.filter(position=position)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.values_list("start", "end"))


def _lock(position: Position) -> Position:
    """Row-lock the post so two leaders appointing at once cannot both take its last place."""
    return Position.objects.select_for_update().get(pk=position.pk)


def _save(obj) -> None:
    obj.full_clean()
    obj.save()


# Positions and officials -------------------------------------------------------------------


@transaction.atomic
def create_position(
    *,
    ward: Ward,
    title: str,
    quota: int,
    valid_from: date,
    office: str = "",
    valid_to: date | None = None,
    sort_order: int = 0,
) -> Position:
    _check_dates(valid_from, valid_to, field="valid_to")
    position = Position(
        ward=ward,
        title=title.strip(),
        office=office.strip(),
        quota=quota,
        valid_from=valid_from,
        valid_to=valid_to,
        sort_order=sort_order,
    )
    _save(position)
    return position


@transaction.atomic
def update_position(
    *,
    position: Position,
    title: str,
    quota: int,
    valid_from: date,
    as_of: date,
    office: str = "",
    valid_to: date | None = None,
    sort_order: int = 0,
) -> Position:
    """Change a post. The quota may not fall below the holders on ``as_of`` or any later day
    (appointments already decided count): lower the quota after the holding ends, not before."""
    position = _lock(position)
    _check_dates(valid_from, valid_to, field="valid_to")
    check_from = max(as_of, valid_from)
    if valid_to is None or check_from <= valid_to:
        holders, day = _peak(_holding_intervals(position), check_from, valid_to)
        if quota < holders:
            raise ValidationError(
                {
                    "quota": _(
                        "Số lượng được giao ({}) thấp hơn số người đang đảm nhiệm vị trí vào ngày {} "
                        "({} người). Hãy kết thúc việc đảm nhiệm trước khi giảm số lượng."
                    ).format(quota, _d(day), holders)
                }
            )
    position.title = title.strip()
    position.office = office.strip()
    position.quota = quota
    position.valid_from = valid_from
    position.valid_to = valid_to
    position.sort_order = sort_order
    _save(position)
    return position


@transaction.atomic
def create_official(
    *,
    ward: Ward,
    full_name: str,
    start: date,
    end: date | None = None,
    user=None,
    code: str = "",
    note: str = "",
) -> Official:
    _check_dates(start, end)
    _check_user_free(user, exclude_pk=None)
    official = Official(
        ward=ward,
        full_name=full_name.strip(),
        start=start,
        end=end,
        user=user,
        code=code.strip(),
        note=note.strip(),
    )
    _save(official)
    return official


@transaction.atomic
def update_official(
    *,
    official: Official,
    full_name: str,
    start: date,
    end: date | None = None,
    user=None,
    note: str = "",
) -> Official:
    _check_dates(start, end)
    _check_user_free(user, exclude_pk=official.pk)
    official.full_name = full_name.strip()
    official.start = start
    official.end = end
    official.user = user
    official.note = note.strip()
    _save(official)
    return official


def _check_user_free(user, *, exclude_pk: int | None) -> None:
    if user is None:
        return
    taken = Official.objects.filter(user=user)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    other = taken.first()
    if other is not None:
        raise ValidationError({"user": _("Tài khoản này đã gắn với cán bộ {}.").format(other.full_name)})


# Holdings ----------------------------------------------------------------------------------


def _checked_place(official: Official, position: Position, start: date, end: date | None) -> Position:
    """The checks an appointment and a cover share; returns the position, locked."""
    _check_dates(start, end)
    _check_same_ward(official, position)
    position = _lock(position)
    _check_position_in_force(position, start)
    _check_official_serving(official, start)
    return position


def _overlaps(model: type[Holding] | type[Cover], official, position, start: date, end: date | None) -> bool:
    """Whether ``official`` already holds (or covers) ``position`` on a day of the range."""
    return model.objects.filter(official=official, position=position).filter(overlapping(start, end)).exists()


@transaction.atomic
def appoint(
    *,
    official: Official,
    position: Position,
    start: date,
    end: date | None = None,
    note: str = "",
) -> Holding:
    """``official`` holds ``position`` from ``start``.

    Refused when the post would have more holders than its quota on any day of the range.
    Covers of the post that no longer fit (the vacancy they covered is now filled) end the day
    before ``start``, the appointee's own cover first; open recruitments of a post left with no
    vacancy are marked filled.
    """
    position = _checked_place(official, position, start, end)
    if _overlaps(Holding, official, position, start, end):
        raise ValidationError(
            {
                "official": _("{} đã đảm nhiệm vị trí “{}” trong khoảng thời gian này.").format(
                    official.full_name, position.title
                )
            }
        )
    holdings = _holding_intervals(position)
    holders, day = _peak(holdings, start, end)
    if holders + 1 > position.quota:
        raise ValidationError(
            {
                "position": _("Vị trí “{}” chỉ được giao {} người; ngày {} đã có {} người đảm nhiệm.").format(
                    position.title, position.quota, _d(day), holders
                )
            }
        )
    holding = Holding(official=official, position=position, start=start, end=end, note=note.strip())
    _save(holding)

    _release_covers(position, start=start, appointee=official)
    vacant_after = position.quota - _peak(holdings + [(start, end)], start, start)[0]
    if vacant_after <= 0:
        for recruitment in Recruitment.objects.filter(position=position, status__in=OPEN_RECRUITMENT):
            recruitment.status = RecruitmentStatus.FILLED
            recruitment.save()
    return holding


def _release_covers(position: Position, *, start: date, appointee: Official) -> None:
    """End the covers that exceed the vacancies left from ``start`` on."""
    holders, _day = _peak(_holding_intervals(position), start, start)
    room = max(position.quota - holders, 0)
    covers = list(Cover.objects.filter(position=position).filter(overlapping(start, None)))
    # The appointee's own cover ends first, then the most recent ones.
    covers.sort(key=lambda c: (c.official_id != appointee.pk, -c.start.toordinal(), -c.pk))
    excess = covers[: max(len(covers) - room, 0)]
    for cover in excess:
        if cover.start >= start:
            raise ValidationError(
                {
                    "start": _(
                        "{} được phân công kiêm nhiệm vị trí này từ ngày {}; hãy kết thúc hoặc "
                        "xóa việc kiêm nhiệm đó trước."
                    ).format(cover.official.full_name, _d(cover.start))
                }
            )
        cover.end = start - timedelta(days=1)
        _save(cover)


def _end_span(span: Holding | Cover, end: date) -> Holding | Cover:
    """End a holding or a cover on ``end`` (locked, checked against its start)."""
    span = type(span).objects.select_for_update().get(pk=span.pk)
    _check_dates(span.start, end)
    span.end = end
    _save(span)
    return span


@transaction.atomic
def end_holding(*, holding: Holding, end: date) -> Holding:
    return _end_span(holding, end)


# Covers (concurrent duties) -------------------------------------------------------------------


@transaction.atomic
def start_cover(
    *,
    official: Official,
    position: Position,
    start: date,
    end: date | None = None,
    note: str = "",
) -> Cover:
    """``official`` covers a vacant place of ``position`` from ``start`` (to ``end``).

    Refused when, on any day of the range, the post has no vacant place, or every vacant place is
    already covered by someone else.
    """
    position = _checked_place(official, position, start, end)
    if _overlaps(Holding, official, position, start, end):
        raise ValidationError(
            {
                "official": _("{} đang đảm nhiệm chính vị trí “{}”, không thể kiêm nhiệm.").format(
                    official.full_name, position.title
                )
            }
        )
    if _overlaps(Cover, official, position, start, end):
        raise ValidationError(
            {
                "official": _("{} đã kiêm nhiệm vị trí “{}” trong khoảng thời gian này.").format(
                    official.full_name, position.title
                )
            }
        )
    holdings = _holding_intervals(position)
    holders, day = _peak(holdings, start, end)
    if holders >= position.quota:
        raise ValidationError(
            {
                "position": _(
                    "Vị trí “{}” không còn trống vào ngày {}: đã đủ {} người đảm nhiệm. "
                    "Chỉ được kiêm nhiệm vị trí còn trống."
                ).format(position.title, _d(day), holders)
            }
        )
    taken, day = _peak(holdings + _cover_intervals(position), start, end)
    if taken >= position.quota:
        raise ValidationError(
            {
                "position": _("Ngày {} mọi chỗ trống của vị trí “{}” đã có người kiêm nhiệm.").format(
                    _d(day), position.title
                )
            }
        )
    cover = Cover(official=official, position=position, start=start, end=end, note=note.strip())
    _save(cover)
    return cover


@transaction.atomic
def end_cover(*, cover: Cover, end: date) -> Cover:
    return _end_span(cover, end)


# Recruitment -----------------------------------------------------------------------------------


@transaction.atomic
def update_recruitment(
    *,
    position: Position,
    status: str,
    opened_on: date,
    recruitment: Recruitment | None = None,
    posts: int = 1,
    organiser: str = "",
    expected_date: date | None = None,
    note: str = "",
) -> Recruitment:
    """Create (``recruitment`` None) or update the recruitment that will fill ``position``."""
    if recruitment is not None and recruitment.position_id != position.pk:
        raise ValidationError(_("Đợt tuyển dụng không thuộc vị trí này."))
    if status not in RecruitmentStatus.values:
        raise ValidationError({"status": _("Tình trạng tuyển dụng không hợp lệ.")})
    if posts < 1:
        raise ValidationError({"posts": _("Số chỉ tiêu tuyển phải từ 1 trở lên.")})
    if expected_date is not None and expected_date < opened_on:
        raise ValidationError(
            {
                "expected_date": _("Ngày dự kiến có người ({}) không được trước ngày bắt đầu ({}).").format(
                    _d(expected_date), _d(opened_on)
                )
            }
        )
    if recruitment is None:
        recruitment = Recruitment(position=position)
    recruitment.status = status
    recruitment.posts = posts
    recruitment.organiser = organiser.strip()
    recruitment.opened_on = opened_on
    recruitment.expected_date = expected_date
    recruitment.note = note.strip()
    _save(recruitment)
    return recruitment
