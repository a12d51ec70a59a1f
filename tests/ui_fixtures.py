"""The web app's test harness: a real uvicorn server on loopback, a real headless Chromium (Debian's).

``serving(config)`` runs the app in a thread on 127.0.0.1 (a free port) and stops it on exit — or by
itself after ``max_lifetime`` seconds, whatever happens to the test. ``launch_chromium()`` drives the
Debian ``chromium`` through Playwright (no browser download). ``bundled_samples_warehouse`` runs the
main job on the bundled sample reports (PDFs with positions, DOCX) into a temporary data folder.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from juesuan.settings import Settings
from juesuan.ui.app import UiConfig, create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_REGISTRY = PROJECT_ROOT / "samples" / "registry.toml"


@contextmanager
def serving(config: UiConfig, max_lifetime: float = 600.0) -> Iterator[str]:
    """The app served on 127.0.0.1 in a background thread; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="juesuan-ui-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    stopper = threading.Timer(max_lifetime, lambda: setattr(server, "should_exit", True))
    stopper.daemon = True
    stopper.start()
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stopper.cancel()
        server.should_exit = True
        thread.join(timeout=30)


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium (apt-get install chromium) for the web app's tests")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return found


def screenshot_dir(base: Path) -> Path:
    """Where the tests save their screenshots: ``JUESUAN_SCREENSHOTS`` or ``<pytest basetemp>/screenshots``."""
    folder = Path(os.environ.get("JUESUAN_SCREENSHOTS", base / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bundled_samples_warehouse(base: Path) -> Settings:
    """The main job on the bundled sample reports, validated, in ``base`` (built once, then reused)."""
    from juesuan.expectations.runner import validate_lake
    from juesuan.flows.pipeline import run_registry
    from juesuan.registry import load_registry
    from juesuan.warehouse.build import build_warehouse

    settings = Settings.from_env({"JUESUAN_DATA_DIR": str(base / "data")}).with_overrides(registry=SAMPLES_REGISTRY)
    if settings.warehouse.exists():
        return settings
    summary = run_registry(settings)
    assert all(o.status == "loaded" for o in summary.outcomes), summary.outcomes
    validate_lake(settings, load_registry(settings.registry), "ui-validation")
    build_warehouse(settings.lake, settings.warehouse)
    return settings
