"""Matplotlib figures of the training analytics, for the UI and the PNG endpoints.

Each function takes the JSON the analytics return and gives a ``Figure`` (Agg backend: no display
needed). :func:`png` turns any of them into PNG bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: servers and CI have no display

from matplotlib.figure import Figure  # noqa: E402


def _empty(fig: Figure, title: str) -> Figure:
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, "no quiz answers recorded yet", ha="center", va="center", transform=ax.transAxes)
    return fig


def mastery_heatmap(mastery: dict[str, Any]) -> Figure:
    """Users x topics, coloured by mastery (0-1); empty cells where a user has not answered."""
    users, topics, matrix = mastery["users"], mastery["topics"], mastery["matrix"]
    fig = Figure(figsize=(max(6, 1.1 * len(topics) + 3), max(3, 0.5 * len(users) + 2)), layout="constrained")
    if not users:
        return _empty(fig, "Team mastery")
    ax = fig.subplots()
    values = [[float("nan") if v is None else v for v in row] for row in matrix]
    image = ax.imshow(values, vmin=0, vmax=1, cmap="RdYlGn", aspect="auto")
    ax.set_xticks(
        range(len(topics)),
        [f"{t['topic']}\n({t['product']})" if t["product"] else t["topic"] for t in topics],
        rotation=30,
        ha="right",
        fontsize=8,
    )
    ax.set_yticks(range(len(users)), users)
    counts = mastery.get("answers") or [[None] * len(topics) for _ in users]
    for y, row in enumerate(matrix):
        for x, v in enumerate(row):
            n = counts[y][x]
            # Every cell says how many answers it rests on; a cell below the minimum stays uncoloured.
            label = f"{v:.2f}" if v is not None else ("" if not n else "too few")
            if n:
                label += f"\nn={n}"
            if label:
                ax.text(x, y, label, ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label="mastery = accuracy x retrievability")
    ax.set_title("Team mastery by topic")
    return fig


def _draw_topics(ax: Any, topics: list[dict[str, Any]], title: str) -> None:
    labels = [t["topic"] for t in topics]
    ys = range(len(topics))
    ax.barh([y - 0.2 for y in ys], [t["accuracy"] or 0 for t in topics], height=0.4, label="accuracy")
    ax.barh([y + 0.2 for y in ys], [t["retrievability"] or 0 for t in topics], height=0.4, label="retrievability")
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.legend(loc="lower right")
    ax.set_title(title)


def topic_bars(topics: list[dict[str, Any]]) -> Figure:
    """Accuracy and mean retrievability per topic, weakest first."""
    fig = Figure(figsize=(8, max(3, 0.45 * len(topics) + 1.5)), layout="constrained")
    if not topics:
        return _empty(fig, "Topics")
    _draw_topics(fig.subplots(), topics, "Topics, weakest first")
    return fig


def _draw_retention(ax: Any, series: list[dict[str, Any]], title: str) -> None:
    dates = [s["date"] for s in series]
    # Markers on the line: with a single day of data a line alone draws nothing.
    ax.plot(dates, [s["retrievability"] for s in series], marker="o", label="mean retrievability")
    answered = [(d, s["accuracy"]) for d, s in zip(dates, series, strict=True) if s["accuracy"] is not None]
    if answered:
        ax.scatter([d for d, _ in answered], [a for _, a in answered], label="accuracy that day", color="tab:orange")
    ax.set_ylim(0, 1.05)
    step = max(1, len(dates) // 10)
    ax.set_xticks(dates[::step], dates[::step], rotation=30, ha="right", fontsize=8)
    ax.legend()
    ax.set_title(title)


def retention_curve(series: list[dict[str, Any]]) -> Figure:
    """Daily accuracy (points) and end-of-day mean retrievability (line)."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    if not series:
        return _empty(fig, "Retention over time")
    _draw_retention(fig.subplots(), series, "Retention over time (UTC days)")
    return fig


def learner_progress(topics: list[dict[str, Any]], series: list[dict[str, Any]]) -> Figure:
    """One learner: their retention over time above their topics, weakest first (narrow enough for a phone)."""
    if not topics and not series:
        return _empty(Figure(figsize=(6, 3), layout="constrained"), "My progress")
    fig = Figure(figsize=(6, 3.5 + max(2.5, 0.45 * len(topics) + 1)), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3.5, max(2.5, 0.45 * len(topics) + 1)])
    _draw_retention(top, series, "My retention over time (UTC days)")
    _draw_topics(bottom, topics, "My topics, weakest first")
    return fig


def gaps_bars(gaps: list[dict[str, Any]], top: int = 15) -> Figure:
    """The most often refused questions (content gaps)."""
    gaps = gaps[:top]
    fig = Figure(figsize=(9, max(3, 0.45 * len(gaps) + 1.5)), layout="constrained")
    if not gaps:
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_title("Content gaps")
        ax.text(0.5, 0.5, "no refused questions", ha="center", va="center", transform=ax.transAxes)
        return fig
    ax = fig.subplots()
    labels = [g["question"] if len(g["question"]) <= 60 else g["question"][:57] + "..." for g in gaps]
    ax.barh(range(len(gaps)), [g["count"] for g in gaps])
    ax.set_yticks(range(len(gaps)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("times refused")
    ax.set_title("Content gaps: questions the approved content does not answer")
    return fig


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


PLOTS: dict[str, tuple[str, Callable[[Any], Figure]]] = {
    "mastery": ("mastery", mastery_heatmap),
    "topics": ("topics", topic_bars),
    "retention": ("retention", retention_curve),
    "gaps": ("gaps", gaps_bars),
}
"""Plot name -> (the analytics method that feeds it, the figure function)."""


def render(analytics: Any, name: str) -> bytes:
    """PNG of a named plot from an :class:`~hub.learning.analytics.Analytics` instance."""
    from hub.errors import NotFound

    if name not in PLOTS:
        raise NotFound(f"no plot named '{name}'; use one of {', '.join(PLOTS)}")
    method, figure = PLOTS[name]
    return png(figure(getattr(analytics, method)()))
