"""The floors: the same figures and the same rows by the shortest road.

``dashboard_sql`` is one hand-written statement that returns what the dashboards count (Biểu 06
and service counts per ward and field, apology letters, ratings and, for the ward dashboard, the
monthly trend) with the engine's definitions (``parindex/analytics/indicators.py``). ``floor_figures``
turns its answer into the engine's shapes so the bench can check they agree before timing.

``LOG_SQL`` selects the dossier log's rows (``parindex/analytics/reports/dossier_log.py``) for the openpyxl
floor: local wall-clock datetimes straight from PostgreSQL, codes instead of display labels.
"""

from __future__ import annotations

import json

DASHBOARD_SQL = """
WITH d AS (
    SELECT id, ward_id, field_id, channel, status, outcome, received_at, resolved_at, resolved_on,
           due_date, due_at, e_circulated, fee, paid_online, digitised_at_reception, electronic_result,
           -- the due moment in force at the period's end (dossiers/deadlines.py: due_in_force_expr)
           CASE WHEN due_since IS NULL OR due_since < %(end_at)s
                THEN CASE WHEN due_paused THEN NULL ELSE due_at END
                ELSE (SELECT c.due_at FROM dossiers_duechange c
                      WHERE c.dossier_id = dossiers_dossier.id AND c.effective_at < %(end_at)s
                      ORDER BY c.effective_at DESC, c.id DESC LIMIT 1)
           END AS due_end
    FROM dossiers_dossier
    WHERE ward_id = ANY(%(wards)s) AND status <> 'rejected'
      AND received_at < %(end_at)s AND (resolved_at IS NULL OR resolved_at >= %(start_at)s)
),
c AS (
    SELECT *,
           received_at >= %(start_at)s AS new,
           resolved_at < %(end_at)s AS closed,
           status IN ('withdrawn', 'stopped') OR outcome IN ('withdrawn', 'stopped') OR due_at IS NULL
               AS anyway,
           resolved_at IS NULL OR resolved_at >= %(end_at)s AS open
    FROM d
),
k AS (
    SELECT *,
           closed AND NOT anyway AND resolved_at > due_at AS late,
           open AND due_end < %(judge)s AS overdue
    FROM c
),
cells AS (
    SELECT ward_id, field_id,
        count(*) AS received,
        count(*) FILTER (WHERE new AND channel = 'online') AS received_online,
        count(*) FILTER (WHERE new AND channel = 'in_person') AS received_in_person,
        count(*) FILTER (WHERE new AND channel = 'post') AS received_post,
        count(*) FILTER (WHERE NOT new) AS carried_over,
        count(*) FILTER (WHERE closed) AS resolved,
        count(*) FILTER (WHERE closed AND NOT anyway AND resolved_on < due_date) AS resolved_before,
        count(*) FILTER (WHERE closed AND (anyway OR (resolved_on >= due_date AND resolved_at <= due_at)))
            AS resolved_on_time,
        count(*) FILTER (WHERE late) AS resolved_late,
        count(*) FILTER (WHERE open) AS in_progress,
        count(*) FILTER (WHERE open AND (due_end IS NULL OR due_end >= %(judge)s)) AS in_progress_within,
        count(*) FILTER (WHERE overdue) AS in_progress_overdue,
        count(*) FILTER (WHERE new AND (e_circulated
            OR EXISTS (SELECT 1 FROM dossiers_hop h WHERE h.dossier_id = k.id))) AS circulated,
        count(*) FILTER (WHERE new AND e_circulated) AS e_circulated,
        count(*) FILTER (WHERE new AND fee > 0) AS fee_due,
        count(*) FILTER (WHERE new AND fee > 0 AND paid_online) AS paid_online,
        count(*) FILTER (WHERE new AND digitised_at_reception) AS digitised,
        count(*) FILTER (WHERE closed AND electronic_result) AS electronic_result,
        count(*) FILTER (WHERE late OR overdue) AS needs_apology,
        count(*) FILTER (WHERE (late OR overdue)
            AND NOT EXISTS (SELECT 1 FROM dossiers_apologyletter a
                            WHERE a.dossier_id = k.id AND NOT a.issued_late)) AS apology_missing
    FROM k GROUP BY ward_id, field_id
),
letters AS (
    SELECT ward_id, field_id, count(DISTINCT dossier_id) AS apology_issued
    FROM dossiers_apologyletter
    WHERE ward_id = ANY(%(wards)s) AND issued_at >= %(start_at)s AND issued_at < %(end_at)s
    GROUP BY ward_id, field_id
),
ratings AS (
    SELECT ward_id, field_id, count(*) AS rated,
           count(*) FILTER (WHERE value IN ('very', 'yes')) AS rated_satisfied
    FROM dossiers_rating
    WHERE ward_id = ANY(%(wards)s) AND rated_at >= %(start_at)s AND rated_at < %(end_at)s
    GROUP BY ward_id, field_id
),
trend AS (
    SELECT m, sum(n) AS received_new, sum(r) AS resolved, sum(t) AS resolved_in_time FROM (
        SELECT date_trunc('month', received_at AT TIME ZONE %(tz)s) AS m, count(*) AS n, 0 AS r, 0 AS t
        FROM k WHERE %(trend)s AND new GROUP BY 1
        UNION ALL
        SELECT date_trunc('month', resolved_at AT TIME ZONE %(tz)s), 0, count(*),
               count(*) FILTER (WHERE anyway OR resolved_at <= due_at)
        FROM k WHERE %(trend)s AND closed GROUP BY 1
    ) t GROUP BY m
)
SELECT json_build_object(
    'cells', (SELECT json_agg(x) FROM (
        SELECT * FROM cells FULL JOIN letters USING (ward_id, field_id)
                            FULL JOIN ratings USING (ward_id, field_id)) x),
    'trend', (SELECT json_agg(trend ORDER BY m) FROM trend)
)
"""


def dashboard_params(ward_ids: list[int], period, *, trend: bool) -> dict:
    from dossiers import deadlines

    return {
        "judge": deadlines.judged_at(period.end_at),
        "wards": list(ward_ids),
        "start_at": period.start_at,
        "end_at": period.end_at,
        "end": period.end,
        "tz": "Asia/Ho_Chi_Minh",
        "trend": trend,
    }


def run_dashboard_sql(cursor, ward_ids: list[int], period, *, trend: bool) -> dict:
    cursor.execute(DASHBOARD_SQL, dashboard_params(ward_ids, period, trend=trend))
    value = cursor.fetchone()[0]
    return value if isinstance(value, dict) else json.loads(value)


def floor_figures(answer: dict) -> dict:
    """{(ward_id, field_id): {bucket: n}} and [(received_new, resolved, in_time) per month]."""
    cells = {}
    for row in answer["cells"] or []:
        key = (row.pop("ward_id"), row.pop("field_id"))
        cells[key] = {name: int(value or 0) for name, value in row.items()}
    trend = [
        (int(t["received_new"]), int(t["resolved"]), int(t["resolved_in_time"]))
        for t in answer["trend"] or []
    ]
    return {"cells": cells, "trend": trend}


def engine_figures(ward_ids: list[int], period, *, trend: bool) -> dict:
    """The same shapes from the indicator engine."""
    from dataclasses import asdict

    from parindex.analytics import indicators

    cells = {}
    for key, (counts, service) in indicators.service_counts(ward_ids, period).items():
        cells[key] = {**asdict(counts), **asdict(service)}
    points = []
    if trend:
        points = [
            (p.received_new, p.resolved, p.resolved_in_time)
            for p in indicators.monthly_trend(ward_ids, period)
            if p.received_new or p.resolved
        ]
    return {"cells": cells, "trend": points}


LOG_SQL = """
SELECT w.code, d.code, p.code, p.name, f.name, d.sets, d.applicant_name, d.applicant_address,
       d.applicant_phone, d.channel, p.lead_agency,
       d.received_at AT TIME ZONE %(tz)s, d.due_date,
       (SELECT h.sent_at FROM dossiers_hop h WHERE h.dossier_id = d.id
        ORDER BY h.sent_at, h.id LIMIT 1) AT TIME ZONE %(tz)s,
       (SELECT h.returned_at FROM dossiers_hop h WHERE h.dossier_id = d.id AND h.returned_at IS NOT NULL
        ORDER BY h.returned_at DESC, h.id DESC LIMIT 1) AT TIME ZONE %(tz)s,
       d.resolved_at AT TIME ZONE %(tz)s, d.returned_at AT TIME ZONE %(tz)s,
       d.status, d.outcome, d.cancel_reason
FROM dossiers_dossier d
JOIN parindex_ward w ON w.id = d.ward_id
JOIN dossiers_procedure p ON p.id = d.procedure_id
JOIN dossiers_field f ON f.id = d.field_id
WHERE d.ward_id = ANY(%(wards)s) AND d.status <> 'rejected'
  AND d.received_at < %(end_at)s AND (d.resolved_at IS NULL OR d.resolved_at >= %(start_at)s)
ORDER BY w.name, d.received_at, d.id
"""
