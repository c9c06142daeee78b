"""Server-drawn SVG of the plan month by month: no JavaScript, prints as it shows."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.queries import MonthlyLine

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 34


@dataclass
class LineChart:
    width: int
    height: int
    due_points: str
    done_points: str
    done_dots: list[tuple[float, float, int]]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    left: int
    right: int
    bottom: float
    months: list[dict]


def line_chart(line: MonthlyLine, *, last_month: int = 12) -> LineChart:
    """Cumulative tasks due (the plan) against cumulative tasks done, January to December.

    The done line stops at ``last_month`` (the current month of the year shown) so the future
    does not look like a flat line of no progress.
    """
    due = line.due_cumulative
    done = line.done_cumulative[:last_month]
    top = max([*due, *done, 1])
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return round(LEFT + plot_w * i / 11, 1)

    def y(v: int) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    ticks = sorted({0, top // 2, top})
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        due_points=" ".join("{},{}".format(x(i), y(v)) for i, v in enumerate(due)),
        done_points=" ".join("{},{}".format(x(i), y(v)) for i, v in enumerate(done)),
        done_dots=[(x(i), y(v), v) for i, v in enumerate(done)],
        x_labels=[(x(i), "T{}".format(i + 1)) for i in range(12)],
        y_ticks=[(y(t), t) for t in ticks],
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=TOP + plot_h,
        months=[
            {
                "month": i + 1,
                "due": line.due[i],
                "done": line.done[i],
                "due_cum": due[i],
                "done_cum": line.done_cumulative[i],
            }
            for i in range(12)
        ],
    )
