"""Commands beyond the core four live here, one module each, found at start-up.

A module ``juesuan/commands/<name>.py`` defines ``register(app: typer.Typer) -> None`` and adds its
command(s) there; nothing else needs editing. Modules are registered in name order.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer


def register_all(app: typer.Typer) -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is None:
            raise RuntimeError(f"command module {module.__name__} defines no register(app)")
        register(app)
