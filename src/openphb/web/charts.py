"""Charts drawn on the server as SVG geometry. Each chart sits beside a table of the same
numbers, so the picture is a convenience and the table is what a screen reader reads."""

from dataclasses import dataclass
from typing import Any

from openphb.enrolment.reporting import STEPS, Uptake

WIDTH = 640  # the monthly chart, across the page
FUNNEL_WIDTH = 420  # the funnel, in half the page beside its table: text stays 14px or more
LABEL_WIDTH = 170
BAR_HEIGHT = 26
GAP = 8
PLOT_HEIGHT = 180


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def funnel(uptake: Uptake) -> dict[str, Any]:
    """Horizontal bars, one a funnel step, for the whole programme."""
    row = uptake.total or (uptake.sites[0] if uptake.sites else None)
    values = [(label, row.counts.get(key, 0) if row else 0) for key, label, _ in STEPS]
    top = max((value for _, value in values), default=0) or 1
    span = FUNNEL_WIDTH - LABEL_WIDTH - 60
    bars = [
        Bar(
            label=label,
            value=value,
            x=LABEL_WIDTH,
            y=index * (BAR_HEIGHT + GAP),
            width=max(span * value / top, 1 if value else 0),
            height=BAR_HEIGHT,
        )
        for index, (label, value) in enumerate(values)
    ]
    return {"bars": bars, "width": FUNNEL_WIDTH, "height": len(bars) * (BAR_HEIGHT + GAP)}


def monthly(series: list[dict[str, Any]]) -> dict[str, Any]:
    """Pairs of columns a month: offers made and budgets going live."""
    top = max((max(int(m["offered"]), int(m["live"])) for m in series), default=0) or 1
    slot = (WIDTH - 40) / max(len(series), 1)
    column = max(slot / 2 - 2, 1)
    offered: list[Bar] = []
    live: list[Bar] = []
    ticks: list[dict[str, Any]] = []
    for index, month in enumerate(series):
        left = 40 + index * slot
        for key, into, shift in (("offered", offered, 0.0), ("live", live, column + 1)):
            height = PLOT_HEIGHT * int(month[key]) / top
            into.append(
                Bar(
                    label=f"{month['month']:%B %Y}",
                    value=int(month[key]),
                    x=left + shift,
                    y=PLOT_HEIGHT - height,
                    width=column,
                    height=height,
                )
            )
        if index % 3 == 0:
            ticks.append({"x": left, "text": f"{month['month']:%b %y}"})
    return {
        "offered": offered,
        "live": live,
        "ticks": ticks,
        "top": top,
        "width": WIDTH,
        "height": PLOT_HEIGHT + 24,
        "plot_height": PLOT_HEIGHT,
    }


BUDGET_WIDTH = 460  # in half the page beside its table
BUDGET_LABEL_HEIGHT = 24
BUDGET_BAR_HEIGHT = 28
BUDGET_GAP = 16
# Where the money of each category is, left to right: what is gone first.
BUDGET_PARTS = (
    ("spent", "Spent"),
    ("held", "Paid, not yet spent"),
    ("committed", "Set aside"),
    ("available", "Not yet set aside"),
)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: int
    x: float
    width: float


def budget_categories(categories: list[tuple[str, Any]]) -> dict[str, Any]:
    """A bar a category (label above it), each split into spent, paid not yet spent, set aside
    and not yet set aside, on one scale: the largest category's approved amount."""
    top = max((figures.approved for _, figures in categories), default=0) or 1
    rows: list[dict[str, Any]] = []
    y = 0.0
    for label, figures in categories:
        x = 0.0
        segments: list[Segment] = []
        for key, part in BUDGET_PARTS:
            value = int(getattr(figures, key))
            width = BUDGET_WIDTH * max(value, 0) / top
            if width > 0:
                segments.append(Segment(key=key, label=part, value=value, x=x, width=width))
            x += width
        rows.append(
            {
                "label": label,
                "label_y": y + 17,
                "bar_y": y + BUDGET_LABEL_HEIGHT,
                "segments": segments,
                "outline": x,
            }
        )
        y += BUDGET_LABEL_HEIGHT + BUDGET_BAR_HEIGHT + BUDGET_GAP
    return {
        "rows": rows,
        "parts": BUDGET_PARTS,
        "width": BUDGET_WIDTH,
        "height": max(y - BUDGET_GAP, 1),
        "bar_height": BUDGET_BAR_HEIGHT,
    }
