"""Every indicator of the dashboards, the city comparison, the reports and the year targets, with
its definition: the tooltip, the definitions page and the choices of ``YearTarget.indicator``.

The engine that computes them is ``parindex.analytics.indicators``; the year targets
(``parindex.analytics.targets``) need only this registry, so neither imports the other in a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class Direction:
    AT_LEAST = ">="  # higher is better
    AT_MOST = "<="  # lower is better


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    label: str
    definition: str
    direction: str = Direction.AT_LEAST
    kind: str = "ratio"  # "ratio" (percentage) or "count"
    per_field: bool = False  # may have a target per field


INDICATORS: dict[str, IndicatorDef] = {
    d.code: d
    for d in [
        IndicatorDef(
            "on_time_rate",
            _("Tỷ lệ giải quyết đúng hạn"),
            _(
                "(Trước hạn + Đúng hạn) / Tổng số đã giải quyết trong kỳ. Hồ sơ công dân rút và hồ "
                "sơ dừng giải quyết được tính là đúng hạn."
            ),
            per_field=True,
        ),
        IndicatorDef(
            "online_rate",
            _("Tỷ lệ hồ sơ trực tuyến"),
            _(
                "Hồ sơ tiếp nhận trực tuyến trong kỳ / Tổng số hồ sơ mới tiếp nhận trong kỳ (trực "
                "tuyến + trực tiếp + bưu chính). Hồ sơ từ kỳ trước chuyển sang không được tính."
            ),
            per_field=True,
        ),
        IndicatorDef(
            "e_circulation_rate",
            _("Tỷ lệ luân chuyển điện tử"),
            _(
                "Hồ sơ mới tiếp nhận trong kỳ được đánh dấu luân chuyển điện tử / Hồ sơ mới tiếp "
                "nhận trong kỳ có luân chuyển giữa các cơ quan (có ít nhất một bước luân chuyển "
                "hoặc được đánh dấu luân chuyển điện tử)."
            ),
            per_field=True,
        ),
        IndicatorDef(
            "online_payment_rate",
            _("Tỷ lệ thanh toán trực tuyến"),
            _(
                "Hồ sơ mới tiếp nhận trong kỳ đã thanh toán phí, lệ phí trực tuyến / Hồ sơ mới "
                "tiếp nhận trong kỳ có phí, lệ phí lớn hơn 0."
            ),
            per_field=True,
        ),
        IndicatorDef(
            "digitisation_rate",
            _("Tỷ lệ số hóa khi tiếp nhận"),
            _("Hồ sơ mới tiếp nhận trong kỳ được số hóa khi tiếp nhận / Hồ sơ mới tiếp nhận trong kỳ."),
            per_field=True,
        ),
        IndicatorDef(
            "electronic_result_rate",
            _("Tỷ lệ trả kết quả điện tử"),
            _("Hồ sơ giải quyết trong kỳ có kết quả điện tử / Tổng số hồ sơ giải quyết trong kỳ."),
            per_field=True,
        ),
        IndicatorDef(
            "satisfaction",
            _("Mức độ hài lòng"),
            _(
                "(Rất hài lòng + Hài lòng) / Tổng số đánh giá ghi nhận trong kỳ (theo thời điểm "
                "đánh giá), chung và theo từng lĩnh vực."
            ),
            per_field=True,
        ),
        IndicatorDef(
            "tasks_done_rate",
            _("Tiến độ kế hoạch CCHC"),
            _(
                "Nhiệm vụ đã hoàn thành / Nhiệm vụ trong kế hoạch năm. Dự báo cuối năm: số đã "
                "hoàn thành chia cho phần năm đã trôi qua (tuyến tính), tối đa 100%."
            ),
        ),
        IndicatorDef(
            "tasks_overdue",
            _("Nhiệm vụ quá hạn"),
            _("Số nhiệm vụ của kế hoạch năm chưa hoàn thành mà đã quá hạn vào ngày cuối kỳ."),
            direction=Direction.AT_MOST,
            kind="count",
        ),
        IndicatorDef(
            "apology_missing",
            _("Hồ sơ trễ hạn chưa có thư xin lỗi"),
            _(
                "Hồ sơ giải quyết quá hạn trong kỳ hoặc đang quá hạn cuối kỳ mà chưa có thư xin lỗi "
                "phát hành trước thời điểm hẹn trả (thư phát hành muộn không được tính)."
            ),
            direction=Direction.AT_MOST,
            kind="count",
        ),
        IndicatorDef(
            "vacancies",
            _("Vị trí còn trống"),
            _("Số vị trí việc làm theo định biên chưa có người đảm nhiệm vào ngày cuối kỳ."),
            direction=Direction.AT_MOST,
            kind="count",
        ),
    ]
}


def indicator_choices() -> list[tuple[str, str]]:
    return [(d.code, d.label) for d in INDICATORS.values()]
