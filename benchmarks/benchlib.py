"""What the benchmark scripts share: the machine they ran on, the documents under the paths given,
pypdfium2's bare text extraction (the floor for any PDF reader), Markdown tables, and writing one section
of ``benchmarks/RESULTS.md``."""

from __future__ import annotations

import datetime
import logging
import os
import platform
import re
import shlex
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pypdfium2 as pdfium

log = logging.getLogger("benchmark")
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
#: A 1-minute load average above this share of the cores marks the timings provisional.
LOADED = 0.5
#: The files read as documents (the format itself comes from the bytes).
SUFFIXES = (".pdf", ".docx", ".txt", ".md")


def machine() -> str:
    """``2 cores (x86_64, Linux), Python 3.11.7``."""
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}, {platform.system()}), Python {platform.python_version()}"


def today() -> str:
    return datetime.date.today().isoformat()


def command() -> str:
    """The command line this script was run with, as one would type it again from the project folder."""
    script = os.path.relpath(sys.argv[0], ROOT)
    return shlex.join([".venv/bin/python", script, *sys.argv[1:]])


def load_average() -> float:
    return os.getloadavg()[0]


def is_loaded(*loads: float) -> bool:
    return max(loads, default=0.0) > LOADED * (os.cpu_count() or 1)


def find_documents(paths: Iterable[Path]) -> Iterator[Path]:
    """The documents named, and those under the folders named (README files left out), in order."""
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            yield from sorted(p for p in found if not p.name.upper().startswith("README"))
        else:
            log.warning("%s: no such file or folder, skipped", path)


def slug(stem: str) -> str:
    """A registry-style unit id from a file name (``putuo_ghzy_2024`` → ``putuo-ghzy-2024``); ``document``
    for a name with fewer than two ASCII letters or digits (a unit id has two at least)."""
    slugged = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slugged if len(slugged) >= 2 else "document"


def pdfium_text_seconds(path: Path) -> float:
    """Seconds pypdfium2 takes to open ``path`` and extract the text of every page."""
    start = time.perf_counter()
    document = pdfium.PdfDocument(path)
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    document.close()
    return time.perf_counter() - start


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A pipe table (``|`` inside a cell escaped), as lines."""

    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"

    return [line(headers), "|" + "---|" * len(headers), *(line(row) for row in rows)]


def write_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Replace the section that starts with the line ``heading`` (up to the next ``## `` heading) with
    ``text``; append it when the file has no such section yet."""
    current = path.read_text(encoding="utf-8")
    body = text.rstrip("\n") + "\n"
    pattern = re.compile(r"^" + re.escape(heading) + r"\n.*?(?=\n## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(current):
        updated = pattern.sub(lambda _: body, current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + body
    path.write_text(updated, encoding="utf-8")
