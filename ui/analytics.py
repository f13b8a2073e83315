"""Analytics tab (manager/admin): mastery by MSL, product and topic; retention over time; content gaps."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from hub.service import Hub
from ui import render
from ui.session import allowed, guard

log = logging.getLogger(__name__)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def msl_rows(mastery: dict[str, Any], msls: list[str] | None = None) -> list[list[Any]]:
    """One row per MSL: those with answers from the mastery totals, then every other enabled MSL at zero.

    An MSL who has not answered anything is exactly who a manager needs to see.
    """
    rows = [
        [user, t["attempts"], pct(t["accuracy"]), pct(t["retrievability"]), pct(t["mastery"]), t["due"], t["overdue"]]
        for user, t in mastery["totals"].items()
    ]
    listed = set(mastery["totals"])
    rows += [[name, 0, "–", "–", "–", 0, 0] for name in sorted(msls or []) if name not in listed]
    return rows


def enabled_msls(hub: Hub) -> list[str]:
    return [u.name for u in hub.users.list() if str(getattr(u.role, "value", u.role)) == "msl" and not u.disabled]


def topic_rows(topics: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            t["product"],
            t["topic"],
            t["users"],
            t["attempts"],
            pct(t["accuracy"]),
            pct(t["retrievability"]),
            pct(t["mastery"]),
        ]
        for t in topics
    ]


def gap_rows(gaps: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [g["question"], g["count"], g["askers"], ", ".join(g["products"]), g["last_asked"][:16].replace("T", " ")]
        for g in gaps
    ]


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[gr.Tab, Callable[..., Any], list[Any]]:
    with gr.Tab("Analytics", id="analytics", visible=False, elem_id="tab-analytics") as tab:
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            refresh = gr.Button("Refresh", size="sm", elem_id="an-refresh", min_width=0)
            export = gr.Button("Export mastery CSV", size="sm", elem_id="an-export", min_width=0)
        exported = gr.File(label="Mastery CSV", interactive=False, visible=False, elem_id="an-export-file")
        gr.Markdown("## Mastery by MSL")
        by_msl = gr.HTML("", elem_id="an-msl")
        mastery_plot = gr.Plot(
            label="Mastery by MSL and topic", show_label=False, elem_id="an-mastery-plot", elem_classes=["hub-plot"]
        )
        gr.Markdown("## By product and topic (weakest first)")
        by_topic = gr.HTML("", elem_id="an-topics")
        topic_plot = gr.Plot(
            label="Accuracy and recall by topic", show_label=False, elem_id="an-topic-plot", elem_classes=["hub-plot"]
        )
        gr.Markdown("## Retention over time")
        retention_plot = gr.Plot(
            label="Retention", show_label=False, elem_id="an-retention-plot", elem_classes=["hub-plot"]
        )
        gr.Markdown("## Content gaps: questions the approved content does not answer")
        gaps_table = gr.HTML("", elem_id="an-gaps")
        gaps_plot = gr.Plot(label="Content gaps", show_label=False, elem_id="an-gaps-plot", elem_classes=["hub-plot"])

    outputs = [by_msl, mastery_plot, by_topic, topic_plot, retention_plot, gaps_table, gaps_plot]

    def figures(hub: Hub) -> list[Any]:
        from hub.learning import plots

        a = hub.learning.analytics
        mastery, topics, retention, gaps = a.mastery(), a.topics(), a.retention(), a.gaps()
        return [
            render.table(
                ["MSL", "answers", "correct", "recall now", "mastery", "due", "overdue"],
                msl_rows(mastery, enabled_msls(hub)),
                empty="No quiz answers yet.",
            ),
            plots.mastery_heatmap(mastery),
            render.table(
                ["product", "topic", "MSLs", "answers", "correct", "recall now", "mastery"],
                topic_rows(topics),
                empty="No quiz answers yet.",
            ),
            plots.topic_bars(topics),
            plots.retention_curve(retention),
            render.table(
                ["question", "times refused", "askers", "products", "last asked (UTC)"],
                gap_rows(gaps),
                empty="No refused questions.",
            ),
            plots.gaps_bars(gaps),
        ]

    @guard("analytics", get_hub, outputs=7)
    def on_refresh(who: Any) -> list[Any]:
        return figures(get_hub())

    @guard("analytics", get_hub)
    def on_export(who: Any) -> Any:
        hub = get_hub()
        path = Path(tempfile.mkdtemp(prefix="hub-mastery-")) / f"mastery-{hub.now():%Y%m%dT%H%M%SZ}.csv"
        path.write_bytes(hub.learning.analytics.export_csv())
        return gr.update(value=str(path), visible=True)

    refresh.click(on_refresh, [principal], outputs)
    export.click(on_export, [principal], [exported])

    def load(who: Any) -> list[Any]:
        hidden_file = gr.update(value=None, visible=False)  # no earlier user's export stays on the page
        if not allowed(who, "analytics"):
            return ["", None, "", None, None, "", None, hidden_file]
        return [*figures(get_hub()), hidden_file]

    return tab, load, [*outputs, exported]
