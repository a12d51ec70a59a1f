"""PDFs extracted on many threads at once give the facts one thread gives.

pdfium is not thread-safe, not even across documents, and the nightly flow extracts on a thread pool:
without the process-wide lock (``juesuan.extract.pdf_triage.PDFIUM``) this run gave wrong facts or
crashed the process (SIGSEGV) within a few rounds. It runs in a child process, so that a crash fails
this test instead of ending the test session.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
from concurrent.futures import ThreadPoolExecutor
from juesuan.extract.api import extract_document
from juesuan.transform.catalogue import Catalogue

catalogue = Catalogue.load()
reports = [
    ("samples/reports/ruled/datong-sic_2023.pdf", "datong-sic", 2023),
    ("samples/reports/unruled/chaoyang-sic_2024.pdf", "chaoyang-sic", 2024),
    ("samples/reports/ruled/wuhai-sic_2024.pdf", "wuhai-sic", 2024),
]

def facts(report):
    path, unit_id, year = report
    extraction = extract_document(path, unit_id=unit_id, year=year, catalogue=catalogue)
    return sorted((f.key, str(f.value), f.page) for f in extraction.facts)

alone = [facts(report) for report in reports]
with ThreadPoolExecutor(6) as pool:
    for round_ in range(6):
        together = list(pool.map(facts, reports * 4))
        assert together == alone * 4, f"round {round_}: the facts differ when read on threads"
print("same facts", sum(map(len, alone)))
"""


def test_pdfs_read_on_many_threads_give_the_facts_of_one() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.startswith("same facts ")
    assert int(done.stdout.split()[-1]) > 300
