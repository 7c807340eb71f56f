"""`rag serve`: the browser chat at / and the OpenAI-compatible API at /v1 on one port, in one
process holding the one model.

Contract: `serve(settings, ui=True)` refuses (ConfigError, before loading anything) to bind
anything but a loopback address without an `api_key`, and warns when it binds one with a key
(plain HTTP); loads the store and the model once; builds the /v1 app (rag.api.routes) and,
unless `ui` is False, mounts the Gradio page (rag.ui.app.build, with its launch options except
those only `launch()` takes) at /; then serves with uvicorn on settings.host:settings.port
until interrupted. No share link. Every route, the page's and Gradio's own included, passes
rag.api.guard's Host and Origin checks and carries its security headers; Gradio never serves
a file from the data or model folders. One `GatedAnswerer` serves the page and the API: one
answer at a time, the others queued, a full queue refused (the page's own queue holds as many
events as the gate lets wait). With an `api_key`, the page asks for it too (Gradio's login
form: any user name, the key as the password).
Knows nothing about how answers are made, nor about the routes' work.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from rag.api.gate import GatedAnswerer
from rag.api.guard import SameSite, is_loopback
from rag.api.routes import create_app
from rag.config import Settings
from rag.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)

LAUNCH_ONLY = ("share", "inbrowser")  # launch() options that mount_gradio_app does not take
LOGIN_MESSAGE = "Enter this server's API key as the password (any user name)."


def check_binding(settings: Settings) -> None:
    """ConfigError when the address reaches beyond this machine and no api_key is set; with a
    key, a warning that the key and the articles cross the network in clear text."""
    if is_loopback(settings.host):
        return
    if not settings.api_key:
        raise ConfigError(
            f"refusing to serve on {settings.host} without an api_key: set RAG_API_KEY "
            "(or api_key in rag.toml), or bind to 127.0.0.1"
        )
    log.warning(
        "serving on %s over plain HTTP: the API key, questions and answers cross the network "
        "in clear text; bind to 127.0.0.1 behind an HTTPS proxy instead",
        settings.host,
    )


def key_matches(key: str, _user: str, password: str) -> bool:
    return hmac.compare_digest(password.encode(), key.encode())


def mount_ui(app: FastAPI, settings: Settings, answerer: GatedAnswerer) -> None:
    """Mount the browser chat at /, styled and limited as rag.ui.app's launch options say."""
    import functools

    import gradio as gr

    from rag.ui.app import build, launch_options

    demo = build(settings, answerer)
    demo.queue(default_concurrency_limit=1, max_size=answerer.gate.max_waiting)
    options = {k: v for k, v in launch_options(settings).items() if k not in LAUNCH_ONLY}
    options["blocked_paths"] = [str(settings.data_dir), str(settings.cache_dir)]
    if settings.api_key:
        options["auth"] = functools.partial(key_matches, settings.api_key)
        options["auth_message"] = LOGIN_MESSAGE
    gr.mount_gradio_app(app, demo, path="/", **options)


def build_app(settings: Settings, answerer: GatedAnswerer, ui: bool = True) -> FastAPI:
    """The API at /v1, and the chat at / unless `ui` is False, behind the site's guard."""
    app = create_app(settings, answerer)
    if ui:
        mount_ui(app, settings, answerer)
    app.add_middleware(SameSite, settings=settings)
    return app


def serve(settings: Settings, ui: bool = True) -> None:
    """Load the store and the model, then serve until interrupted."""
    check_binding(settings)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own startup checks
    import uvicorn

    answerer = GatedAnswerer(settings)
    log.info("loading the model %s", settings.model)
    answerer.warm()  # load the model and read the instructions now, not at the first question
    app = build_app(settings, answerer, ui)
    where = f"http://{settings.host}:{settings.port}"
    log.info("serving %s at %s/v1", "the chat at / and the API" if ui else "the API", where)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        server_header=False,
        timeout_graceful_shutdown=5,
    )
