"""``juesuan ui``: the analysts' local web app over the warehouse (read-only, Chinese labels).

It binds 127.0.0.1 by default: the warehouse is not meant to be served to a network. ``--host``
can name another address (a warning says so); ``--port 0`` takes a free port and prints it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from juesuan.cli import WarehouseOption, _settings, console, err_console, reports_errors

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def register(app: typer.Typer) -> None:
    app.command(name="ui")(ui)


@reports_errors
def ui(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free port).")] = 8000,
    warehouse: WarehouseOption = None,
    raw_store: Annotated[
        Path | None, typer.Option("--raw-store", help="Raw documents by sha256 [env JUESUAN_RAW_STORE].")
    ] = None,
) -> None:
    """Browse the warehouse in a local web app: units, comparisons, findings, every figure traced to its page."""
    import uvicorn

    from juesuan.ui.app import UiConfig, create_app
    from juesuan.warehouse.query import connect_readonly

    settings = _settings(warehouse=warehouse, raw_store=raw_store)
    connect_readonly(settings.warehouse).close()  # a missing or unreadable warehouse is one clear error now
    if host not in LOOPBACK:
        err_console.print(f"[yellow]warning:[/] listening on {host}: anyone who reaches it can read the warehouse")
    config = UiConfig(warehouse=settings.warehouse.resolve(), raw_store=settings.raw_store.resolve())
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host=host, port=port, log_level="warning", access_log=False)
    )
    original_startup = server.startup

    async def startup(sockets: list | None = None) -> None:
        await original_startup(sockets)
        bound = [s.getsockname() for srv in server.servers for s in srv.sockets] if server.servers else []
        shown = bound[0][1] if bound else port
        console.print(f"juesuan ui: http://{host if ':' not in host else f'[{host}]'}:{shown}/  (Ctrl+C stops it)")
        console.print(f"warehouse {config.warehouse}, raw documents {config.raw_store}", highlight=False)

    server.startup = startup  # type: ignore[method-assign]
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    server.run()
