"""Benchmark of the nightly ingestion on a synthetic corpus served by the local "government web".

What it measures, in one invocation, on the same corpus:

1. ``sequential``: the plain loop (:func:`juesuan.flows.pipeline.run_registry`), cold: the baseline.
2. ``flow-cold``: the Prefect flow (``juesuan run``'s code path) with a bounded thread pool, cold.
3. ``flow-warm``: the same flow again with nothing changed (conditional GETs, no extraction).
4. ``dask-cold`` (``--dask N``): the flow on a local Dask cluster of N worker processes, cold.
5. ``crash``: the flow killed with SIGKILL at a random point, then run again; the warehouse is
   compared row for row with the uninterrupted cold run's (documents without fetch timestamps).
6. ``discovered-cold`` / ``discovered-warm`` (``--discovered``): the same corpus *published* as the
   units' disclosure columns and a platform (``juesuan.simulate.portal``: three CMS styles, 预算
   reports, news, 招聘, 公示, navigation, a 决算 article linking the 预算 by mistake, a 公开表
   spreadsheet, a 本级 单位决算, a re-post, a unit on two sources …), ingested by the flow from a
   registry of source entries only (no report URL), cold then warm. Checked against the portal's
   expectations: every report found with its expected outcome, no other document ingested;
   throughput against ``flow-cold`` (the registry-URL night) of the same invocation.

Each phase runs in a child process of its own so that its peak memory (``ru_maxrss``) is its own;
the Prefect server the flow starts in ephemeral mode is a grandchild, reported separately. Every
served response waits ``--latency`` seconds first, as slow government sites do; the corpus holds a
few faulty reports (404, 410, 500, a dropped connection, a truncated body, an HTML page, a report of
the wrong year, an empty file, transient 503s) whose outcomes are checked against the manifest.

``--formats`` mixes PDF, DOCX and scanned reports into the corpus (shares, normalised; text
exports only by default). A scanned report is OCR'd, tens of seconds of CPU each, in every cold
phase: keep its share small.

Usage::

    .venv/bin/python benchmarks/nightly.py --units 200 --years 5 --workers 8 --latency 0.2 --dask 2
    .venv/bin/python benchmarks/nightly.py --units 8 --years 5 --latency 0 --formats txt=.6,pdf=.25,docx=.1,scanned=.05
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

log = logging.getLogger("benchmarks.nightly")

FAULTS = {
    "not-found": 2,
    "gone": 1,
    "server-error": 2,
    "drop": 1,
    "truncate": 1,
    "html-200": 1,
    "wrong-year": 1,
    "empty": 1,
    "flaky": 2,
    "slow": 2,
}
ERRORS = {"class-sum": 5, "row-sum": 5, "narrative-mismatch": 5, "rounding": 5}


# --- child phases ------------------------------------------------------------------------------------------
def child(phase: str, env_file: Path, out: Path, dask_workers: int) -> None:
    """Run one phase in this (child) process and write its measurements to ``out``."""
    env = json.loads(env_file.read_text())
    os.environ.update(env)
    from juesuan.settings import Settings

    settings = Settings.from_env()
    started = time.perf_counter()
    # The machine may be shared: the 1-minute load average says how busy it was around the phase.
    result: dict[str, Any] = {"phase": phase, "load_before": round(os.getloadavg()[0], 2)}
    if phase == "sequential":
        from juesuan.flows.pipeline import run_registry

        summary = run_registry(settings)
    elif phase in ("flow-cold", "flow-warm", "crash-victim", "crash-rerun", "discovered-cold", "discovered-warm"):
        from juesuan.flows.nightly import run_flow

        summary = run_flow(settings)
    elif phase == "dask-cold":
        from distributed import LocalCluster
        from prefect.server.api.server import SubprocessASGIServer
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from juesuan.flows.nightly import run_flow

        # Dask workers must reach the flow's Prefect API, as on a real cluster: start a server
        # first and hand its address to the workers through the environment they inherit.
        server = SubprocessASGIServer()
        server.start(timeout=180)
        os.environ["PREFECT_API_URL"] = server.api_url
        with (
            temporary_settings({PREFECT_API_URL: server.api_url}),
            LocalCluster(
                n_workers=dask_workers,
                threads_per_worker=max(1, settings.workers // dask_workers),
                dashboard_address=None,
            ) as cluster,
        ):
            cluster_started = time.perf_counter()
            summary = run_flow(settings, dask_address=cluster.scheduler_address)
            result["cluster_and_server_start_seconds"] = round(cluster_started - started, 2)
        server.stop()
    else:
        raise SystemExit(f"unknown phase {phase!r}")
    wall = time.perf_counter() - started
    result.update(
        {
            "wall_seconds": round(wall, 2),
            "body_seconds": round(summary.seconds, 2),
            "counts": summary.counts(),
            "statuses": {f"{o.unit_id}/{o.year}": o.status for o in summary.outcomes},
            "reasons": {f"{o.unit_id}/{o.year}": o.error for o in summary.outcomes if o.error},
            "facts_written": summary.facts_written,
            "discovery": asdict(summary.discovery) if summary.discovery is not None else None,
            "warehouse_rebuilt": summary.warehouse is not None,
            "load_after": round(os.getloadavg()[0], 2),
            "prefect_start_seconds": round(wall - summary.seconds, 2) if phase != "sequential" else 0.0,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "children_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        }
    )
    out.write_text(json.dumps(result))


def run_phase(phase: str, env: dict[str, str], work: Path, dask_workers: int = 2) -> dict[str, Any]:
    env_file = work / f"{phase}.env.json"
    out = work / f"{phase}.result.json"
    env_file.write_text(json.dumps(env))
    command = [sys.executable, __file__, "--child", phase, str(env_file), str(out), "--dask", str(dask_workers)]
    log.info("phase %s …", phase)
    subprocess.run(command, check=True, env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"})
    result: dict[str, Any] = json.loads(out.read_text())
    log.info("phase %s: %.1f s", phase, result["wall_seconds"])
    return result


def crash_and_rerun(env: dict[str, str], work: Path, kill_after: float) -> dict[str, Any]:
    env_file = work / "crash-victim.env.json"
    env_file.write_text(json.dumps(env))
    command = [sys.executable, __file__, "--child", "crash-victim", str(env_file), str(work / "victim.json")]
    victim = subprocess.Popen(command, env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"})
    time.sleep(kill_after)
    if victim.poll() is not None:
        raise SystemExit("the run to be killed finished before the kill; use a later --kill-fraction")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    facts = Path(env["JUESUAN_DATA_DIR"]) / "lake" / "facts"
    written = len(list(facts.glob("year=*/unit_id=*/facts.parquet")))
    log.info("killed after %.1f s with %d report partitions written", kill_after, written)
    result = run_phase("crash-rerun", env, work)
    result["killed_after_seconds"] = round(kill_after, 1)
    result["partitions_at_kill"] = written
    return result


def format_shares(text: str) -> dict[str, float]:
    """``txt=.6,pdf=.25`` as ``{"txt": 0.6, "pdf": 0.25}`` (the names are checked by the generator)."""
    shares: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, equals, share = part.partition("=")
        try:
            shares[name.strip()] = float(share)
        except ValueError:
            raise argparse.ArgumentTypeError(f"format share {part!r} is not name=number") from None
        if not equals:
            raise argparse.ArgumentTypeError(f"format share {part!r} is not name=number")
    if not shares:
        raise argparse.ArgumentTypeError(f"no format shares in {text!r}")
    return shares


# --- comparisons -------------------------------------------------------------------------------------------
def snapshot(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    import duckdb

    tables = ("facts", "code_repairs", "parsed_tables", "units", "subjects")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = {name: connection.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in tables}
        rows["documents"] = connection.execute("SELECT * EXCLUDE (fetched_at) FROM documents ORDER BY ALL").fetchall()
    return rows


def check_outcomes(result: dict[str, Any], expected: dict[str, str]) -> list[str]:
    wrong = [f"{key}: {result['statuses'].get(key)} (expected {status})" for key, status in expected.items()
             if result["statuses"].get(key) != status]  # fmt: skip
    unexplained = [
        key for key, status in result["statuses"].items() if status != "loaded" and key not in result["reasons"]
    ]
    return wrong + [f"{key}: no reason recorded" for key in unexplained]


def check_discovered(results: dict[str, Any], portal: Any, data: Path) -> dict[str, Any]:
    """The discovered nights against the portal's expectations: every report found, nothing else ingested."""
    from juesuan.lake import Lake

    cold = results["discovered_cold"]
    expected = {f"{k[0]}/{k[1]}": e.outcome for k, e in portal.expected.items()}
    must_ingest = {key: outcome for key, outcome in expected.items() if outcome not in ("rejected", "missing")}
    got = cold["statuses"]
    wrong = sorted(
        f"{key}: {got.get(key)} (expected {outcome})" for key, outcome in must_ingest.items() if got.get(key) != outcome
    )
    extra = sorted(set(got) - set(must_ingest))
    lake = Lake(data / "lake")
    documents = lake.read_document_rows()
    ingested = {f"{r['unit_id']}/{r['year']}" for r in documents}
    discovered, _ = lake.read_discovery()
    budgets_rejected = sum(1 for r in discovered if r["content_kind"] == "预算" and r["decision"] == "rejected")
    noise_rejected = sum(
        1 for r in discovered if r["stage"] == "link" and r["decision"] == "rejected" and r["role"] == "page"
    )
    warm_actions = results["discovered_warm"]["counts"]
    return {
        "reports_expected_ingested": len(must_ingest),
        "reports_expected_refused": len(expected) - len(must_ingest),
        "wrong_outcomes": wrong,
        "ingested_not_expected": extra,
        "documents_rows_outside_expectations": sorted(ingested - set(must_ingest)),
        "budget_documents_refused_by_content": budgets_rejected,
        "links_refused_by_their_words": noise_rejected,
        "warm_changed_or_new": warm_actions.get("new", 0) + warm_actions.get("changed", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", type=int, default=8, help="thread pool size of the flow")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds every served response waits")
    parser.add_argument("--dask", type=int, default=0, help="also run on a LocalCluster of N worker processes")
    parser.add_argument("--kill-fraction", type=float, default=0.0, help="also kill -9 at a random point (0: skip)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--formats",
        type=format_shares,
        default=None,
        help="shares of the report formats, e.g. txt=.6,pdf=.25,docx=.1,scanned=.05 (default: text exports only)",
    )
    parser.add_argument(
        "--discovered", action="store_true", help="also a night from a registry of sources only (disclosure pages)"
    )
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--child", nargs=3, metavar=("PHASE", "ENV", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.dask)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    work = args.work or Path(tempfile.mkdtemp(prefix="juesuan-nightly-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    from juesuan.simulate.corpus import generate_corpus
    from juesuan.simulate.web import GovernmentWeb

    started = time.perf_counter()
    corpus = generate_corpus(
        work / "corpus",
        units=args.units,
        years=args.years,
        seed=args.seed,
        faults=FAULTS,
        errors=ERRORS,
        formats=args.formats,
    )
    generated = time.perf_counter() - started
    expected = {f"{e.unit.id}/{e.year}": e.expected_status for e in corpus.entries}
    log.info("generated %d reports in %.1f s under %s", len(corpus.entries), generated, work)
    results: dict[str, Any] = {
        "reports": len(corpus.entries),
        "units": args.units,
        "years": args.years,
        "latency": args.latency,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "generate_seconds": round(generated, 1),
        "faults": FAULTS,
        "injected_errors": ERRORS,
        "formats": dict(Counter(e.kind for e in corpus.entries)),
    }
    portal = None
    faults = corpus.faults()
    if args.discovered:
        from juesuan.simulate.portal import build_portal

        started = time.perf_counter()
        portal = build_portal(corpus, seed=args.seed, mislabelled=1)
        faults.update(portal.faults())
        results["publish_seconds"] = round(time.perf_counter() - started, 1)
    with GovernmentWeb(
        corpus.site,
        faults,
        latency=args.latency,
        slow_seconds=1.0,
        max_lifetime=7200,
        content_types=portal.content_types if portal else None,
        redirects=portal.redirects if portal else None,
    ) as web:
        registry = corpus.write_registry(web.base_url)

        def env_for(name: str) -> dict[str, str]:
            return {
                "JUESUAN_DATA_DIR": str(work / name),
                "JUESUAN_REGISTRY": str(registry),
                "JUESUAN_WORKERS": str(args.workers),
                # Every report sits on one loopback host here; real sites keep the defaults (2, 0.5 s).
                "JUESUAN_FETCH_PER_HOST": str(args.workers),
                "JUESUAN_FETCH_DELAY": "0",
                "JUESUAN_FETCH_RETRIES": "2",
                "JUESUAN_FETCH_BACKOFF": "0.2",
                "JUESUAN_FETCH_TIMEOUT": "10",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            }

        results["sequential"] = run_phase("sequential", env_for("sequential"), work)
        results["flow_cold"] = run_phase("flow-cold", env_for("flow"), work)
        results["flow_warm"] = run_phase("flow-warm", env_for("flow"), work)
        if args.dask:
            results["dask_cold"] = run_phase("dask-cold", env_for("dask"), work, args.dask)
        if args.kill_fraction:
            point = random.Random(args.seed).uniform(0.2, args.kill_fraction) * results["flow_cold"]["wall_seconds"]
            results["crash"] = crash_and_rerun(env_for("crash"), work, point)
        results["requests_served"] = sum(web.requests.values())
        results["not_modified_served"] = sum(web.not_modified.values())
        if portal is not None:
            sources = portal.write_registry(web.base_url, work / "corpus" / "sources.toml")
            served = sum(web.requests.values()), sum(web.not_modified.values())
            discovered_env = {**env_for("discovered"), "JUESUAN_REGISTRY": str(sources)}
            results["discovered_cold"] = run_phase("discovered-cold", discovered_env, work)
            results["discovered_warm"] = run_phase("discovered-warm", discovered_env, work)
            results["discovered_requests_served"] = sum(web.requests.values()) - served[0]
            results["discovered_not_modified_served"] = sum(web.not_modified.values()) - served[1]
            results["discovered_checks"] = check_discovered(results, portal, work / "discovered")
    reference = snapshot(work / "flow" / "juesuan.duckdb")
    for phase in ("sequential", "flow_cold", "dask_cold", "crash"):
        if phase in results:
            results[phase]["problems"] = check_outcomes(results[phase], expected)
            folder = {"sequential": "sequential", "flow_cold": "flow", "dask_cold": "dask", "crash": "crash"}[phase]
            results[phase]["warehouse_equals_flow_cold"] = snapshot(work / folder / "juesuan.duckdb") == reference
            results[phase]["reports_per_minute"] = round(len(corpus.entries) / results[phase]["wall_seconds"] * 60, 1)
    for phase in ("sequential", "flow_cold", "flow_warm", "dask_cold", "crash", "discovered_cold", "discovered_warm"):
        if phase in results:
            results[phase].pop("statuses")
            results[phase].pop("reasons")
    seq = results["sequential"]["wall_seconds"]
    results["speedup_flow_vs_sequential"] = round(seq / results["flow_cold"]["wall_seconds"], 2)
    if "dask_cold" in results:
        results["speedup_dask_vs_sequential"] = round(seq / results["dask_cold"]["wall_seconds"], 2)
    results["warm_ms_per_document"] = round(results["flow_warm"]["wall_seconds"] / len(corpus.entries) * 1000, 1)
    if "discovered_cold" in results:
        for phase in ("discovered_cold", "discovered_warm"):
            results[phase]["reports_per_minute"] = round(len(corpus.entries) / results[phase]["wall_seconds"] * 60, 1)
        results["discovered_vs_registry_urls"] = round(
            results["flow_cold"]["wall_seconds"] / results["discovered_cold"]["wall_seconds"], 2
        )
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
