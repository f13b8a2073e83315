"""The ASGI app as an import string, for ``hub serve --workers N`` (uvicorn starts N processes).

Each worker process builds its own :class:`~hub.service.Hub` from the environment (``HUB_*``), so
all workers share only what is in the database and the Chroma server; none holds state another
needs. ``MSL_HUB_SERVE_UI=0`` serves the API only.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

UI_ENV = "MSL_HUB_SERVE_UI"


def app_from_env() -> FastAPI:
    """Factory called once in each worker process."""
    from hub.settings import Settings
    from mslhub.web import create_web_app

    logging.getLogger("hub").setLevel(logging.INFO)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    return create_web_app(Settings(), ui=os.environ.get(UI_ENV, "1") != "0")


def prepare_encoder() -> None:
    """Build (and cache) the converted encoder once, in a short-lived process before the workers start,
    so N workers do not all convert it at the same time on first start."""
    from hub.embedding import Embedder
    from hub.settings import Settings

    Embedder.from_settings(Settings())
