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

from juesuan.flows.discover import Discovery, DiscoveryEnv, DiscoverySummary, Selected, SourceMapper, discover
from juesuan.flows.fetch import USER_AGENT, FetchPolicy
from juesuan.flows.ingest import ACTIONS, IngestEnv, IngestJob, ReportOutcome, ingest_report
from juesuan.flows.ledger import DocumentLedger
from juesuan.lake import FACTS, NARRATIVE_STATEMENTS, PRIOR_YEAR_FACTS, Lake, lake_of, storage_options
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
    discovery: DiscoverySummary | None = None  # None: the registry has no sources

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
    #: The discovery step's night (``None`` when the registry lists no sources).
    discovery: Discovery | None = None


def ingest_env(settings: Settings) -> IngestEnv:
    lake = lake_of(settings)
    return IngestEnv(
        lake_url=lake.url,
        raw_store_url=settings.raw_store_url or str(settings.raw_store),
        storage_options=storage_options(settings),
        policy=fetch_policy(settings),
        retries=settings.fetch_retries,
        backoff=settings.fetch_backoff,
        time_limit=settings.document_timeout or None,
        limits=settings.document_limits(),
        isolation=settings.extract_isolation,
    )


def fetch_policy(settings: Settings, registry_path: Path | None = None) -> FetchPolicy:
    """How the run fetches: politeness, bounds, and the folders local reports may be read from
    (the registry's own folder and ``JUESUAN_LOCAL_ROOTS``)."""
    registry_folder = (registry_path or settings.registry).resolve().parent
    return FetchPolicy(
        timeout=settings.fetch_timeout,
        per_host=settings.fetch_per_host,
        delay=settings.fetch_delay,
        max_bytes=settings.document_limits().max_bytes,
        deadline=settings.fetch_deadline,
        local_roots=tuple(str(root) for root in (registry_folder, *(r.resolve() for r in settings.local_roots))),
    )


def plan_run(
    settings: Settings,
    *,
    force: bool = False,
    discover_sources: SourceMapper | None = None,
    on_jobs: Callable[[list[IngestJob], IngestEnv], None] | None = None,
) -> RunPlan:
    """Read the registry, refresh ``units`` and ``subjects``, discover, and list tonight's jobs.

    The registry's report URLs are jobs as they are; its sources are walked
    (:func:`juesuan.flows.discover.discover`, each source through ``discover_sources``: one after
    another by default, Prefect tasks in the flow) and each report found is a job carrying its
    download. ``on_jobs`` gets the jobs as they become known — the registry's first, then each unit's
    discovered reports once its sources are walked — so the flow can start them at once.
    """
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
    env = ingest_env(settings)
    jobs: list[IngestJob] = []

    def add(wanted: list[Selected]) -> None:
        fresh = []
        for report, prefetched in wanted:
            # A report discovery found as several parts carries one download per part.
            parts = prefetched if isinstance(prefetched, tuple) else ()
            single = prefetched if not isinstance(prefetched, tuple) else None
            previous = ledger.previous(report.unit_id, report.year, report.kind)
            backfill = report.key in incomplete and previous is not None and previous.row["status"] == "loaded"
            fresh.append(
                IngestJob(
                    report=report,
                    unit=registry.unit(report.unit_id),
                    registry_path=registry.path,
                    previous=previous,
                    force=force or backfill,
                    prefetched=single,
                    prefetched_parts=parts,
                )
            )
        jobs.extend(fresh)
        if on_jobs is not None and fresh:
            on_jobs(fresh, env)

    add([(report, None) for report in registry.reports()])
    discovery = None
    if registry.sources:
        discovery_env = DiscoveryEnv(ingest=env, workers=settings.workers, force=force)
        discovery = discover(registry, lake, discovery_env, discover_sources, on_reports=add)
        # Discovered reports in registry order (they arrived in the order their sources finished).
        order = {unit.id: index for index, unit in enumerate(registry.units)}
        explicit = len(registry.reports())
        jobs[explicit:] = sorted(
            jobs[explicit:], key=lambda job: (order[job.report.unit_id], job.report.year, job.report.kind)
        )
    backfilled = sum(1 for job in jobs if job.force) if not force else 0
    if backfilled:
        log.info(
            "%d report(s) loaded before prior-year facts or evidence were stored: extracting them again", backfilled
        )
    return RunPlan(
        settings=settings,
        registry=registry,
        lake=lake,
        ledger=ledger,
        env=env,
        jobs=jobs,
        dimensions_changed=units_changed or subjects_changed,
        discovery=discovery,
    )


def reports_without_prior_year_facts(lake: Lake) -> set[tuple[str, int, str]]:
    """Reports whose facts partition has no ``prior_year_facts`` (or ``narrative_statements``) partition beside it.

    Lakes written before the restated figures — or the evidence the checks beyond arithmetic read — were
    stored hold such reports; their bytes are unchanged, so only a forced extraction writes the missing
    partitions.
    """
    facts = lake.report_keys(FACTS)
    return (facts - lake.report_keys(PRIOR_YEAR_FACTS)) | (facts - lake.report_keys(NARRATIVE_STATEMENTS))


def lake_changed(plan: RunPlan, summary: RunSummary) -> bool:
    return (
        plan.dimensions_changed
        or (plan.discovery is not None and plan.discovery.summary.changed)
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
    summary = RunSummary(discovery=plan.discovery.summary if plan.discovery else None)
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
    settings = Settings.from_env()
    env = IngestEnv(
        lake_url=lake.url,
        raw_store_url=str(raw_store),
        storage_options=lake.storage_options,
        policy=fetch_policy(settings, registry.path),
        limits=settings.document_limits(),
        isolation=settings.extract_isolation,
    )
    ledger = DocumentLedger(lake)
    job = IngestJob(
        report=report,
        unit=registry.unit(report.unit_id),
        registry_path=registry.path,
        previous=ledger.previous(report.unit_id, report.year, report.kind),
    )
    outcome = ingest_report(job, env)
    ledger.add(outcome)
    ledger.flush()
    return outcome
