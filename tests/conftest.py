"""Shared fixtures: the real reports in ../shared/corpus.

Locally, tests that need the corpus are skipped with a reason when it is absent; in CI (``CI`` set)
its absence is an error, because CI always has it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("JUESUAN_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
CORPUS_FILES = {
    "datong-sic": ("datong_2023.txt", 2023),
    "dazhu-sic": ("dazhu_2023.txt", 2023),
    "chaoyang-sic": ("chaoyang_2024.txt", 2024),
    "jincheng-hrss": ("jincheng_2023.txt", 2023),
    "wuhai-sic": ("wuhai_2024.txt", 2024),
}


#: Real published reports (``../shared/real``): ``final/`` 决算 PDFs with truth files, ``budget/`` 预算 PDFs.
REAL = Path(os.environ.get("JUESUAN_REAL", PROJECT_ROOT.parent / "shared" / "real"))


#: Local report files are read only under the registry's folder or JUESUAN_LOCAL_ROOTS (docs/security.md).
#: The tests' registries point at the shared corpus and real reports, as an operator's would: allow them,
#: as the README tells an operator to, for ``Settings.from_env()`` and the command line; settings built
#: from a dict add ``**LOCAL_ROOTS_ENV``. Tests of the refusal give their own roots.
LOCAL_ROOTS_ENV = {"JUESUAN_LOCAL_ROOTS": os.pathsep.join(str(folder) for folder in (CORPUS, REAL))}
os.environ.setdefault("JUESUAN_LOCAL_ROOTS", LOCAL_ROOTS_ENV["JUESUAN_LOCAL_ROOTS"])


def real_path(relative: str) -> Path:
    """A file under ``../shared/real``; skips (or fails in CI) when it is not beside the project."""
    path = REAL / relative
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real document {path} missing: CI must have ../shared/real beside the clone")
        pytest.skip(f"real documents not available at {REAL} (set JUESUAN_REAL or put ../shared beside the repo)")
    return path


def corpus_path(unit_id: str) -> Path:
    """The corpus file of a unit; skips (or fails in CI) when the corpus is not beside the project."""
    path = CORPUS / CORPUS_FILES[unit_id][0]
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"corpus file {path} missing: CI must have ../shared/corpus beside the clone")
        pytest.skip(f"corpus not available at {CORPUS} (set JUESUAN_CORPUS or put ../shared beside the repo)")
    return path


@pytest.fixture(scope="session")
def corpus() -> type:
    """Access to the corpus: ``corpus.path(unit_id)`` and ``corpus.text(unit_id)``."""

    class _Corpus:
        @staticmethod
        def path(unit_id: str) -> Path:
            return corpus_path(unit_id)

        @staticmethod
        def text(unit_id: str) -> str:
            return corpus_path(unit_id).read_text(encoding="utf-8")

        @staticmethod
        def year(unit_id: str) -> int:
            return CORPUS_FILES[unit_id][1]

    return _Corpus


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Prefect stops its temporary API server at interpreter exit, after pytest closed the log
    streams; its goodbye line would print a 'Logging error' traceback below the test summary."""
    import logging

    logging.raiseExceptions = False
