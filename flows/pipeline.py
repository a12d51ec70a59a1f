"""The main job without Prefect: every report of the registry, one after another, then the warehouse.

This plain sequential loop is both the reference the nightly Prefect flow (:mod:`.nightly`) must
agree with and the baseline its benchmark beats. Both share the run's set-up (:func:`plan_run`),
the per-document work (:func:`juesuan.flows.ingest.ingest_report`) and its end
(:func:`finish_run`): the ``documents`` ledger written once by the run, and the warehouse rebuilt
into a new file and swapped in only when the lake changed.

Each report is isolated: a bad document is quarantined with its reason in ``documents`` and the run
goes on; its earlier good partition stays in the lake. Raw bytes are kept once, by sha256, in the
raw store and never overwritten. Re-running the same registry rewrites nothing.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from juesuan.flows.fetch import USER_AGENT, FetchPolicy
from juesuan.flows.ingest import ACTIONS, IngestEnv, IngestJob, ReportOutcome, ingest_report
from juesuan.flows.ledger import DocumentLedger
from juesuan.lake import FACTS, PRIOR_YEAR_FACTS, Lake, lake_of, storage_options
from juesuan.registry import Registry, Report, load_registry
from juesuan.settings import Settings
from juesuan.transform.catalogue import Catalogue
from juesuan.warehouse.build import BuildSummary, refresh_warehouse

log = logging.getLogger(__name__)

__all__ = [
    "USER_AGENT",
    "ReportOutcome",
    "RunPlan",
    "RunSummary",
    "finish_run",
    "ingest_env",
    "plan_run",
    "process_report",
    "run_registry",
]


@dataclass
class StepResult:
    """One validate / post-load step of the flow (see :mod:`.nightly`)."""

    name: str
    status: str  # "ok" | "failed"
    findings: int = 0
    detail: str = ""
    lake_changed: bool = False  # a validate step that wrote into the lake forces the warehouse rebuild


@dataclass
class RunSummary:
    outcomes: list[ReportOutcome] = field(default_factory=list)
    warehouse: BuildSummary | None = None  # None: the warehouse was not rebuilt (nothing changed)
    warehouse_path: Path | None = None
    lake_changed: bool = False
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    flow_run_id: str | None = None  # the Prefect flow run, when the run was one

    @property
    def loaded(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status == "loaded"]

    @property
    def quarantined(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    @property
    def failed(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.action in ("quarantined", "withdrawn", "failed")]

    def counts(self) -> dict[str, int]:
        counted = Counter(o.action for o in self.outcomes)
        return {action: counted.get(action, 0) for action in ACTIONS}

    @property
    def facts_written(self) -> int:
        return sum(o.facts for o in self.outcomes if o.action in ("new", "changed"))

    @property
    def findings(self) -> int:
        return sum(s.findings for s in self.steps)


@dataclass
class RunPlan:
    """Everything a run needs before its first document: registry, lake, ledger and the jobs."""

    settings: Settings
    registry: Registry
    lake: Lake
    ledger: DocumentLedger
    env: IngestEnv
    jobs: list[IngestJob]
    dimensions_changed: bool


def ingest_env(settings: Settings) -> IngestEnv:
    lake = lake_of(settings)
    return IngestEnv(
        lake_url=lake.url,
        raw_store_url=settings.raw_store_url or str(settings.raw_store),
        storage_options=storage_options(settings),
        policy=FetchPolicy(
            timeout=settings.fetch_timeout, per_host=settings.fetch_per_host, delay=settings.fetch_delay
        ),
        retries=settings.fetch_retries,
        backoff=settings.fetch_backoff,
        time_limit=settings.document_timeout or None,
    )


def plan_run(settings: Settings, *, force: bool = False) -> RunPlan:
    """Read the registry, refresh ``units`` and ``subjects``, and list tonight's jobs."""
    registry = load_registry(settings.registry)
    catalogue = Catalogue.load()
    lake = lake_of(settings)
    stale = lake.remove_stale_temporaries()
    if stale:
        log.warning("removed %d temporary file(s) an interrupted run left in the lake", len(stale))
    units_changed = lake.write_units(registry)
    subjects_changed = lake.write_subjects(catalogue.frame())
    ledger = DocumentLedger(lake)
    incomplete = reports_without_prior_year_facts(lake)
    jobs = []
    for report in registry.reports():
        previous = ledger.previous(report.unit_id, report.year)
        backfill = (
            (report.unit_id, report.year) in incomplete and previous is not None and previous.row["status"] == "loaded"
        )
        jobs.append(
            IngestJob(
                report=report,
                unit=registry.unit(report.unit_id),
                registry_path=registry.path,
                previous=previous,
                force=force or backfill,
            )
        )
    backfilled = sum(1 for job in jobs if job.force) if not force else 0
    if backfilled:
        log.info("%d report(s) loaded before prior-year facts were stored: extracting them again", backfilled)
    return RunPlan(
        settings=settings,
        registry=registry,
        lake=lake,
        ledger=ledger,
        env=ingest_env(settings),
        jobs=jobs,
        dimensions_changed=units_changed or subjects_changed,
    )


def reports_without_prior_year_facts(lake: Lake) -> set[tuple[str, int]]:
    """Reports whose facts partition has no ``prior_year_facts`` partition beside it.

    Lakes written before the restated figures were stored hold such reports; their bytes are
    unchanged, so only a forced extraction writes the missing partition.
    """
    return lake.partition_keys(FACTS) - lake.partition_keys(PRIOR_YEAR_FACTS)


def lake_changed(plan: RunPlan, summary: RunSummary) -> bool:
    return (
        plan.dimensions_changed
        or plan.ledger.changed
        or any(o.action in ("new", "changed") for o in summary.outcomes)
        or any(step.lake_changed for step in summary.steps)
    )


def load_warehouse(plan: RunPlan, summary: RunSummary, *, build: bool = True) -> None:
    """Refresh and swap in the warehouse when the lake changed (or build it when there is none yet): only
    the partitions whose files changed are loaded again (:func:`juesuan.warehouse.build.refresh_warehouse`)."""
    plan.ledger.flush()
    summary.lake_changed = lake_changed(plan, summary)
    warehouse = plan.settings.warehouse
    summary.warehouse_path = warehouse
    if not build:
        return
    if summary.lake_changed or not warehouse.exists():
        summary.warehouse = refresh_warehouse(plan.lake.url, warehouse, storage_options=plan.lake.storage_options)
    else:
        log.info("nothing changed in the lake: %s left as it is", warehouse)


def finish_run(plan: RunPlan, summary: RunSummary, *, build: bool = True) -> RunSummary:
    load_warehouse(plan, summary, build=build)
    return summary


def run_registry(
    settings: Settings,
    *,
    on_report: Callable[[ReportOutcome], None] | None = None,
    build: bool = True,
    force: bool = False,
) -> RunSummary:
    """Every report of the registry, one after another, into the lake; then the warehouse."""
    started = time.perf_counter()
    plan = plan_run(settings, force=force)
    summary = RunSummary()
    for job in plan.jobs:
        outcome = ingest_report(job, plan.env)
        plan.ledger.add(outcome)
        summary.outcomes.append(outcome)
        if on_report is not None:
            on_report(outcome)
    finish_run(plan, summary, build=build)
    summary.seconds = time.perf_counter() - started
    return summary


# --- one report outside a run ------------------------------------------------------------------------------
def process_report(report: Report, registry: Registry, lake: Lake, raw_store: Path) -> ReportOutcome:
    """One report into ``lake`` and its ``documents`` row, outside any run."""
    env = IngestEnv(lake_url=lake.url, raw_store_url=str(raw_store), storage_options=lake.storage_options)
    ledger = DocumentLedger(lake)
    job = IngestJob(
        report=report,
        unit=registry.unit(report.unit_id),
        registry_path=registry.path,
        previous=ledger.previous(report.unit_id, report.year),
    )
    outcome = ingest_report(job, env)
    ledger.add(outcome)
    ledger.flush()
    return outcome
