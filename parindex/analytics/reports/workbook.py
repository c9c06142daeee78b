"""The report workbook: Biểu 06, Chỉ số, Hồ sơ trễ hạn, Sổ theo dõi, Nhiệm vụ, Nhân sự.

One write-only openpyxl workbook: each sheet streams to a temporary file as it is written, so a
city's year (100k+ dossiers in the log) keeps memory flat. Merged cells and print settings are
written at each sheet's tail, which write-only sheets support.

Queries (fixed, whatever the number of dossiers; the log adds one per 2000 rows): signer, fields,
engine counts, summary (its own fixed set), late ids, late dossiers + apologies + hops, log,
tasks, and four per ward for staffing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import IO

from django.db.models import Case, When
from django.utils.translation import gettext as _

from parindex.analytics import indicators
from parindex.analytics.reports.bieu06 import ReportMeta, write_bieu06
from parindex.analytics.reports.dossier_log import FullFor, write_log
from parindex.analytics.reports.figures import Scope, figures
from parindex.analytics.reports.sheets import (
    write_indicators,
    write_late,
    write_lateness_by_agency,
    write_staffing,
    write_tasks,
)
from parindex.base import xlsx
from parindex.base.models import Membership, Role
from parindex.base.names import full_name
from parindex.base.periods import Period


def default_meta(
    scope: Scope, *, number: str = "", report_date: date | None = None, preparer: str = ""
) -> ReportMeta:
    """Units and signer as the ward's records have them; the leader may change the words in Excel."""
    city = scope.parent_city
    if scope.is_city:
        province = city.province if city else ""
        parent = _("UBND {}").format(province) if province else ""
        reporting = _("UBND {}").format(city.name)
        receiving = _("UBND {}").format(province) if province else ""
        signer_title, signer_name = _("TM. Ủy ban nhân dân"), ""
    else:
        ward = scope.wards[0]
        parent = _("UBND {}").format(city.name) if city else ""
        reporting = _("UBND {}").format(ward.name)
        receiving = _("UBND {}").format(city.name) if city else ""
        # The chairperson signs (TM. UBND); a vice-chairperson only when the ward has no chairperson.
        leader = (
            Membership.objects.filter(ward=ward, role=Role.LEADER)
            .select_related("user")
            .order_by(Case(When(title__istartswith="Chủ tịch", then=0), default=1), "id")
            .first()
        )
        signer_title = leader.title if leader and leader.title else _("Chủ tịch UBND")
        signer_name = full_name(leader.user) if leader else ""
    return ReportMeta(
        number=number,
        report_date=report_date,
        place=city.name if city else "",
        reporting_unit=reporting,
        parent_unit=parent,
        receiving_unit=receiving,
        preparer=preparer,
        signer_title=signer_title,
        signer_name=signer_name,
    )


def build_report(
    scope: Scope,
    period: Period,
    output: IO[bytes] | str,
    *,
    meta: ReportMeta | None = None,
    full_for: FullFor = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Write the report workbook to ``output``; return the Biểu 06 figures it printed.

    ``full_for(dossier)`` says whose address and phone the dossier log shows in full: the reader's
    ``privacy.UnmaskedReads`` on a download, ``privacy.UnmaskedReads(None)`` (nobody) for a report
    sent up to the city; ``None`` (everyone) only for server-side tools with no reader.
    ``progress`` is told the dossier log's rows written so far (the log is nearly all of a large
    workbook's time)."""
    meta = meta or default_meta(scope)
    data = figures(scope, period)
    workbook = xlsx.new_workbook()
    write_bieu06(workbook, scope, period, data, meta)
    write_indicators(workbook, scope, period, indicators.summary(scope.ward_ids, period))
    write_late(workbook, scope, period)
    write_lateness_by_agency(workbook, scope, period)
    write_log(workbook, scope, period, full_for=full_for, progress=progress)
    write_tasks(workbook, scope, period)
    write_staffing(workbook, scope, period)
    workbook.save(output)
    return data


def report_filename(scope: Scope, period: Period) -> str:
    return "bao-cao-{}-{}-{}.xlsx".format(
        scope.code, period.start.strftime("%Y%m%d"), period.end.strftime("%Y%m%d")
    )
