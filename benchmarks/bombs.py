"""Peak memory of the bomb cases of issue 13.11 (and 13.7's gzip bomb), after the limits.

Each case runs in a fresh process the way ``juesuan run`` reads a report: fetch (a local file under
the registry's folder, or HTTP from a loopback server), sniff the format under the document limits,
then read it in a worker process (``juesuan.extract.isolated``). It prints what became of the
document (loaded or quarantined, with the reason), the peak resident memory of the process that
fetched it and of the worker that read it (``getrusage`` ``ru_maxrss``), and the seconds.

Cases:

* ``docx-3gib`` — a real DOCX (大竹's sample, about 70 KB) plus a thumbnail that unpacks to 3 GiB;
* ``text-200mb`` — a 200 MB text export (大同's real report repeated), ``text-30mb`` — one of 30 MB;
* ``text-60mb-cap`` — 60 MB with the text limit raised to 100 MB, so only the worker's memory cap
  (2 GB by default) stands between it and the ~53× its size a text export costs to read;
* ``pdf-huge-pages`` — a 6 KB PDF of ten image-only pages 14,400 pt square (OCR);
* ``gzip-1gib`` — 1 GiB of zeros served gzip-compressed (about 1 MB on the wire);
* ``reference`` — 大同's ruled sample PDF, a normal report, for comparison.

Results go to ``benchmarks/RESULTS.md`` (section "Bomb cases"). Run:
``.venv/bin/python benchmarks/bombs.py`` (a few minutes; needs ../shared/corpus for the text cases).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, command, machine, markdown_table, today, write_section

sys.path.insert(0, str(ROOT / "tests"))

from bombs import MB, docx_bomb, huge_page_pdf, text_bomb

CORPUS_DATONG = ROOT.parent / "shared" / "corpus" / "datong_2023.txt"
SAMPLE_PDF = ROOT / "samples" / "reports" / "ruled" / "datong-sic_2023.pdf"
CASES = ("reference", "docx-3gib", "text-200mb", "text-30mb", "text-60mb-cap", "pdf-huge-pages", "gzip-1gib")
BEFORE = {  # peak memory before the limits: issue 13's probe (and, for the gzip bomb, measured here)
    "docx-3gib": "6.5 GB (issue)",
    "text-200mb": "MemoryError at an 8 GiB cap (issue)",
    "pdf-huge-pages": "6.9 GB (issue)",
    "gzip-1gib": "2,202 MB (measured with the fetcher before the fix, 1 GiB body kept)",
}


def make(case: str, folder: Path) -> Path:
    """The case's file in ``folder``."""
    if case == "reference":
        target = folder / "datong.pdf"
        target.write_bytes(SAMPLE_PDF.read_bytes())
        return target
    if case == "docx-3gib":
        return docx_bomb(folder / "dazhu.docx", 3 * 1024 * MB)
    if case.startswith("text-"):
        size = {"text-200mb": 200, "text-30mb": 30, "text-60mb-cap": 60}[case] * MB
        return text_bomb(folder / "datong.txt", size, CORPUS_DATONG)
    if case == "pdf-huge-pages":
        return huge_page_pdf(folder / "huge.pdf", pages=10)
    if case == "gzip-1gib":
        import zlib

        target = folder / "bomb.txt"
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        with target.open("wb") as out:
            for _ in range(1024):
                out.write(compressor.compress(bytes(MB)))
            out.write(compressor.flush())
        return target
    raise SystemExit(f"unknown case {case!r} (cases: {', '.join(CASES)})")


def measure(case: str, path: Path) -> dict[str, object]:
    """In the child: read ``path`` as ``juesuan run`` would; what happened and what it cost."""
    from juesuan.errors import JuesuanError
    from juesuan.extract.document import document_from_bytes, using_limits
    from juesuan.extract.isolated import run_isolated
    from juesuan.flows.fetch import Fetcher, FetchPolicy
    from juesuan.registry import Report, load_registry
    from juesuan.settings import DocumentLimits
    from juesuan.simulate.web import GovernmentWeb

    limits = DocumentLimits(max_text_bytes=100 * MB) if case == "text-60mb-cap" else DocumentLimits()
    unit = "dazhu-sic" if case == "docx-3gib" else "datong-sic"
    registry = load_registry(ROOT / "samples" / "registry.toml")
    fetcher = Fetcher(FetchPolicy(delay=0, local_roots=(str(path.parent),), max_bytes=limits.max_bytes))
    started = time.perf_counter()
    result: dict[str, object] = {"case": case, "file_bytes": path.stat().st_size, "worker_peak_mb": None}
    try:
        if case == "gzip-1gib":
            with GovernmentWeb(path.parent, encodings={f"/{path.name}": "gzip"}, max_lifetime=300) as web:
                fetched = fetcher.fetch(Report(unit_id=unit, year=2023, url=f"{web.base_url}/{path.name}", format=None))
        else:
            fetched = fetcher.fetch(Report(unit_id=unit, year=2023, url=str(path), format=None))
        with using_limits(limits):
            document = document_from_bytes(str(path), fetched.data or b"")
        isolated = run_isolated(document, unit_id=unit, year=2023, registry=registry, expected_format=None,
                                limits=limits, time_limit=600)  # fmt: skip
        result["worker_peak_mb"] = round(isolated.peak_rss_bytes / MB)
        extraction = isolated.result()
        result.update(outcome="loaded", reason=f"{len(extraction.facts)} facts")
    except (JuesuanError, TimeoutError) as exc:
        result.update(outcome="quarantined", reason=str(exc).split(": ", 1)[-1])
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["fetcher_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=CASES, help="run one case in this process (used by the parent run)")
    parser.add_argument("--path", type=Path)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--no-write", action="store_true", help="print only; do not update RESULTS.md")
    arguments = parser.parse_args()
    if arguments.case:
        print(json.dumps(measure(arguments.case, arguments.path), ensure_ascii=False))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="juesuan-bombs-") as scratch:
        for case in arguments.cases:
            folder = Path(scratch) / case
            folder.mkdir()
            path = make(case, folder)
            child = subprocess.run(
                [sys.executable, __file__, "--case", case, "--path", str(path)],
                capture_output=True,
                text=True,
                timeout=1200,
                check=False,
            )
            if child.returncode != 0:
                raise SystemExit(f"{case}: the measuring process failed:\n{child.stderr}")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(json.dumps(result, ensure_ascii=False), flush=True)
            rows.append(result)
            path.unlink()
    table = markdown_table(
        ["case", "file", "outcome", "reason", "fetching process peak MB", "worker peak MB", "seconds", "before"],
        [
            [
                r["case"],
                f"{int(r['file_bytes']) / MB:,.2f} MB",  # type: ignore[call-overload]
                r["outcome"],
                r["reason"],
                r["fetcher_peak_mb"],
                r["worker_peak_mb"] if r["worker_peak_mb"] is not None else "– (refused before a worker)",
                r["seconds"],
                BEFORE.get(str(r["case"]), "–"),
            ]
            for r in rows
        ],
    )
    text = "\n".join(
        [
            "## Bomb cases (`benchmarks/bombs.py`)",
            "",
            f"Measured {today()} on {machine()}: `{command()}`. Each case in a fresh process, read the way",
            "`juesuan run` reads a report (fetch, format sniffing under the document limits, then a worker",
            "process); peak memory is `ru_maxrss` of the fetching process and of the worker. Default limits:",
            "100 MB a document, 20 MB a text export, 200 MB an unpacked DOCX, 40 megapixels a page for OCR,",
            "2 GB a worker (`JUESUAN_DOCUMENT_MEMORY_MB`).",
            "",
            *table,
            "",
        ]
    )
    print(text)
    if not arguments.no_write:
        write_section("## Bomb cases (`benchmarks/bombs.py`)", text)


if __name__ == "__main__":
    main()
