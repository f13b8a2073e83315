"""The served web app: the hub's API with the Gradio UI mounted at ``/``."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api import create_app
from hub.settings import Settings


def create_web_app(settings: Settings, *, ui: bool = True) -> FastAPI:
    """The API under ``/api`` (and ``/healthz``, ``/docs``), plus the web UI at ``/`` unless ``ui`` is False."""
    app = create_app(settings)
    if ui:
        from ui.app import mount

        app = mount(app)
    return app
