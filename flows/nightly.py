"""The nightly ingestion flow (Prefect 3): registry → per-report tasks → validate → load → post-load.

Shape of a run
--------------
1. :func:`~juesuan.flows.pipeline.plan_run` reads the registry, refreshes ``units``/``subjects``
   and lists one job per report with what ``documents`` knows of it (validators for a conditional
   GET, the hashes of its earlier documents).
2. One ``ingest-document`` task per report (fetch → extract → normalise → write its partition),
   submitted to a task runner whose pool size is set explicitly (Prefect's thread pool is otherwise
   unbounded): a :class:`~prefect.task_runners.ThreadPoolTaskRunner` with ``settings.workers``
   threads, or a :class:`~prefect_dask.DaskTaskRunner` on a Dask cluster. Inside it, ``fetch`` is a
   task of its own with retries and exponential backoff, retried only for failures a retry may cure
   (5xx, timeouts, dropped or truncated bodies); the whole document has a time limit
   (``timeout_seconds``).
3. Per-document isolation: a task returns its outcome (loaded / quarantined / withdrawn / failed
   with the reason); a task that fails anyway (time limit, a bug) becomes a ``failed`` outcome for
   that document only. The run is the single writer of ``documents``, in batches as tasks finish.
4. The ``validate`` steps, then the warehouse (rebuilt into a new file and swapped in, only when
   the lake changed), then the ``post_load`` steps (e-mail to stewards, run report).
5. A run summary as Prefect artifacts: a table of every document (new / changed / unchanged /
   quarantined / withdrawn / failed, with the reason) and a markdown summary (facts written,
   findings, whether the warehouse was rebuilt).

Hook points
-----------
``HOOKS.validate`` and ``HOOKS.post_load`` are lists of :class:`Step` (a name and a callable taking
a :class:`StepContext` and returning a :class:`~juesuan.flows.pipeline.StepResult` or ``None``).
Each step runs as a task of its own; a step that raises a named juesuan error is recorded as
failed and the run goes on. Validation suites, the stewards' e-mail and the run report plug in
there (see ``docs/nightly.md``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import Task

from juesuan.errors import JuesuanError
from juesuan.flows.discover import DiscoveryEnv, SourceJob, SourceResult, discover_source, failed_source
from juesuan.flows.fetch import Fetched, FetchError, FetchPolicy, Validators, backoff_delays, fetcher_for
from juesuan.flows.ingest import IngestEnv, IngestJob, ReportOutcome, document_row, ingest_report
from juesuan.flows.pipeline import RunPlan, RunSummary, StepResult, load_warehouse, plan_run
from juesuan.flows.prefect_server import temporary_api
from juesuan.registry import Registry, Report
from juesuan.report.wording import report_title_of
from juesuan.settings import Settings

log = logging.getLogger(__name__)

FLOW_NAME = "nightly-ingest"
#: Outcomes merged into ``documents`` per write while the run goes on (and once more at the end).
LEDGER_BATCH = 100
SCHEDULE_CRON = "0 2 * * *"
SCHEDULE_TIMEZONE = "Asia/Shanghai"


# --- hooks --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepContext:
    """What a validate / post-load step gets: the run's settings, registry, plan and summary so far."""

    settings: Settings
    registry: Registry
    plan: RunPlan
    summary: RunSummary
    #: What one step leaves for a later one in the same run (e.g. the validation for the e-mail).
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """A named step; with ``retries`` its task is retried (exponential backoff from ``retry_delay``
    seconds) while it raises one of ``retry_on``, and recorded as failed when it still does."""

    name: str
    run: Callable[[StepContext], StepResult | None]
    retries: int = 0
    retry_delay: float = 0.0
    retry_on: tuple[type[BaseException], ...] = (JuesuanError,)


@dataclass
class NightlyHooks:
    """Steps around the warehouse load; the run calls them in list order."""

    validate: list[Step] = field(default_factory=list)
    post_load: list[Step] = field(default_factory=list)


class _TaskLogNoise(logging.Filter):
    """Keep Prefect's task-run log readable on a night of a thousand reports.

    * Drops the per-task notice that thread timeouts cannot interrupt blocking calls: known and
      accepted (docs/nightly.md): network waits are bounded by the HTTP timeout and the retries,
      and the time limit interrupts the Python work (extraction) between bytecodes.
    * Keeps the one-line error of a failed download but not its traceback: a 404 or a 500 is the
      web as it is, named by :class:`FetchError`, not a bug to debug. The same for every named
      juesuan error (a step's, e.g. a mail server that refused a message).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Timeout of %s seconds configured for this task"):
            return False
        if record.exc_info and isinstance(record.exc_info[1], (FetchError, JuesuanError)):
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("prefect.task_runs").addFilter(_TaskLogNoise())

HOOKS = NightlyHooks()
#: Called with every outcome as its task finishes (the CLI's progress bar listens here).
PROGRESS_LISTENERS: list[Callable[[ReportOutcome], None]] = []


@contextmanager
def listening(listener: Callable[[ReportOutcome], None]) -> Iterator[None]:
    PROGRESS_LISTENERS.append(listener)
    try:
        yield
    finally:
        PROGRESS_LISTENERS.remove(listener)


# --- tasks ----------------------------------------------------------------------------------------------
def _retry_fetch(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only failures a retry may cure (5xx, timeouts, dropped or truncated bodies)."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, FetchError) and error.retryable


@task(name="fetch", cache_policy=NO_CACHE, retry_condition_fn=_retry_fetch, log_prints=False)
def fetch_document(report: Report, validators: Validators | None, policy: FetchPolicy) -> Fetched:
    return fetcher_for(policy).fetch(report, validators)


@task(
    name="ingest-document",
    cache_policy=NO_CACHE,
    task_run_name="{job.report.unit_id} {job.report.year} {job.report.kind}",
)
def ingest_document(job: IngestJob, env: IngestEnv) -> ReportOutcome:
    fetch = fetch_document.with_options(
        retries=env.retries,
        retry_delay_seconds=backoff_delays(env.retries, env.backoff) or 0,
    )

    def fetch_with_task(report: Report, validators: Validators | None) -> Fetched:
        return fetch(report, validators, env.policy)

    return ingest_report(job, env, fetch=fetch_with_task)


@task(name="discover-source", cache_policy=NO_CACHE, task_run_name="discover {job.source.url}")
def discover_source_task(job: SourceJob, env: DiscoveryEnv) -> SourceResult:
    return discover_source(job, env)


def discover_with_tasks(jobs: list[SourceJob], env: DiscoveryEnv) -> Iterator[SourceResult]:
    """Every source walked as a task of the flow's runner, yielded as each ends; a task that fails loses
    that source only.

    At most half the pool walks at once (each walk downloads ``workers`` at a time itself): the other
    half ingests the reports of the units already walked.
    """
    window = max(1, env.workers // 2)
    waiting = list(reversed(jobs))
    running: dict[PrefectFuture[SourceResult], SourceJob] = {}
    while waiting or running:
        while waiting and len(running) < window:
            job = waiting.pop()
            running[discover_source_task.submit(job, env)] = job
        future = next(as_completed(list(running)))
        job = running.pop(future)
        future.wait()
        if future.state.is_completed():
            yield future.result()
            continue
        error = future.state.result(raise_on_failure=False)
        reason = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(future.state.name)
        log.error("discovery of %s failed: %s", job.source.url, reason)
        yield failed_source(job, reason)


@task(name="step", cache_policy=NO_CACHE)
def run_step(step: Step, context: StepContext) -> StepResult:
    """One step; whatever it raises fails that step only, with the reason, and the run goes on.

    A named juesuan error or an OS error (a full disk, a folder that cannot be written) is logged in
    one line; anything else is a bug and is logged with its traceback. Either way the night's
    summary and run report still say what the run did (issue 13.5).
    """
    try:
        result = step.run(context)
    except (JuesuanError, OSError) as exc:
        get_run_logger().error("step %s failed: %s", step.name, exc)
        return StepResult(name=step.name, status="failed", detail=_describe(exc))
    except Exception as exc:  # noqa: BLE001 — a step is isolated like a document: logged with its traceback, failed
        get_run_logger().exception("step %s failed on an unexpected error", step.name)
        return StepResult(name=step.name, status="failed", detail=_describe(exc))
    return result or StepResult(name=step.name, status="ok")


def _describe(error: BaseException) -> str:
    """An error in one line: juesuan's own message, or the type and message of anything else."""
    if isinstance(error, JuesuanError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _retry_for(retry_on: tuple[type[BaseException], ...]) -> Callable[[Task[Any, Any], TaskRun, State[Any]], bool]:
    """Retry a retried step only for the errors it names (a bad setting is not cured by waiting)."""

    def condition(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
        return isinstance(state.result(raise_on_failure=False), retry_on)

    return condition


@task(name="retried step", cache_policy=NO_CACHE)
def run_retried_step(step: Step, context: StepContext) -> StepResult:
    """A step whose errors fail the task, so that Prefect retries it (see :func:`run_steps`)."""
    return step.run(context) or StepResult(name=step.name, status="ok")


def run_steps(steps: list[Step], context: StepContext, stage: str) -> list[StepResult]:
    """Run ``steps`` in order, each as a task; a named error fails the step, never the run."""
    results = []
    for step in steps:
        name = f"{stage}: {step.name}"
        if not step.retries:
            results.append(run_step.with_options(name=name)(step, context))
            continue
        retried = run_retried_step.with_options(
            name=name,
            retries=step.retries,
            retry_delay_seconds=backoff_delays(step.retries, step.retry_delay) or 0,
            retry_condition_fn=_retry_for(step.retry_on),
        )
        state = retried(step, context, return_state=True)
        if state.is_completed():
            results.append(state.result())
            continue
        error = state.result(raise_on_failure=False)
        if not isinstance(error, (JuesuanError, OSError)):  # a full disk fails the step too (issue 13.5)
            raise error if isinstance(error, BaseException) else RuntimeError(f"step {step.name}: {state.message}")
        log.info("step %s failed: %s", step.name, error)
        results.append(StepResult(name=step.name, status="failed", detail=_describe(error)))
    return results


# --- the flow -------------------------------------------------------------------------------------------
def task_runner_for(settings: Settings, dask_address: str | None = None) -> TaskRunner[Any]:
    """A bounded thread pool, or the Dask cluster at ``dask_address`` (workers import juesuan)."""
    address = dask_address or settings.dask_address
    if address:
        from prefect.settings import PREFECT_API_URL
        from prefect_dask import DaskTaskRunner

        if not PREFECT_API_URL.value():
            # Without a server every Dask worker would start a throwaway ephemeral API of its own
            # (seconds each) and record its task runs there, out of the flow's sight.
            raise JuesuanError(
                f"--dask-address {address} needs a Prefect server the workers can reach: "
                "start one (prefect server start) and set PREFECT_API_URL, see docs/nightly.md"
            )
        return DaskTaskRunner(address=address)
    if settings.workers < 1:
        raise ValueError(f"workers must be at least 1, got {settings.workers}")
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def settings_for(registry: str | None, lake: str | None, warehouse: str | None) -> Settings:
    """Settings from the environment with the flow's parameters on top (a lake may be a URL)."""
    settings = Settings.from_env()
    if registry:
        settings = replace(settings, registry=Path(registry))
    if warehouse:
        settings = replace(settings, warehouse=Path(warehouse))
    if lake and "://" in lake and not lake.startswith("file://"):
        settings = replace(settings, lake_url=lake)
    elif lake:
        settings = replace(settings, lake=Path(lake.removeprefix("file://")), lake_url=None)
    settings.check()  # a --lake URL is checked like JUESUAN_LAKE_URL (no login in it)
    return settings


@flow(name=FLOW_NAME, log_prints=False, validate_parameters=True)
def nightly_ingest(
    registry: str | None = None,
    lake: str | None = None,
    warehouse: str | None = None,
    force: bool = False,
    default_steps: bool = False,
) -> RunSummary:
    """Every report of the registry into the lake, then validate, load the warehouse, notify.

    Parameters override the environment's settings (``JUESUAN_*``); ``lake`` may be an fsspec URL.
    ``force`` extracts every report again even when its bytes did not change. ``default_steps``
    adds the real night's steps (identity suites, stewards' mail, run report: :mod:`.steps`) to
    the hooks; ``juesuan run`` and the served deployment set it.
    """
    hooks = HOOKS
    settings = settings_for(registry, lake, warehouse)
    if default_steps:
        from juesuan.flows.steps import with_default_steps

        hooks = with_default_steps(HOOKS, settings)
    return run_nightly(settings, force=force, hooks=hooks)


def run_flow(
    settings: Settings, *, force: bool = False, dask_address: str | None = None, default_steps: bool = False
) -> RunSummary:
    """Run :func:`nightly_ingest` now with ``settings``' paths and its task runner (what the CLI does)."""
    runner = task_runner_for(settings, dask_address)
    configured = nightly_ingest.with_options(task_runner=runner)
    # The lock first: a second run stops at once, in one line, before Prefect starts (the flow takes
    # it again, re-entrantly). Then Prefect's temporary server, started so that it dies with us.
    with run_lock(settings), temporary_api():
        return configured(
            registry=str(settings.registry),
            lake=settings.lake_url or str(settings.lake),
            warehouse=str(settings.warehouse),
            force=force,
            default_steps=default_steps,
        )


def run_nightly(settings: Settings, *, force: bool = False, hooks: NightlyHooks | None = None) -> RunSummary:
    """The flow's body (call inside a flow run: it submits tasks to the flow's task runner)."""
    hooks = hooks or HOOKS
    from prefect.runtime import flow_run

    started = time.perf_counter()
    with run_lock(settings):
        submitted: dict[PrefectFuture[ReportOutcome], IngestJob] = {}
        task = ingest_document.with_options(timeout_seconds=settings.document_timeout or None)

        def submit(jobs: list[IngestJob], env: IngestEnv) -> None:
            # Registry reports at once, discovered ones as soon as their units' sources are walked.
            for job in jobs:
                submitted[task.submit(job, env)] = job

        plan = plan_run(settings, force=force, discover_sources=discover_with_tasks, on_jobs=submit)
        summary = RunSummary(
            flow_run_id=flow_run.get_id(), discovery=plan.discovery.summary if plan.discovery else None
        )
        summary.outcomes = _ingest_all(plan, submitted)
        context = StepContext(settings=settings, registry=plan.registry, plan=plan, summary=summary)
        summary.steps.extend(run_steps(hooks.validate, context, "validate"))
        _load_warehouse(plan, summary)
        summary.steps.extend(run_steps(hooks.post_load, context, "post-load"))
    summary.seconds = time.perf_counter() - started
    publish_artifacts(summary, settings)
    return summary


def _load_warehouse(plan: RunPlan, summary: RunSummary) -> None:
    """The ledger and the warehouse; a failure (a full disk …) is the step ``warehouse``, the run goes on."""
    try:
        load_warehouse(plan, summary)
    except (JuesuanError, OSError) as exc:
        log.error("the warehouse was not rebuilt: %s", exc)
        summary.warehouse = None
        summary.steps.append(StepResult(name="warehouse", status="failed", detail=_describe(exc)))


def _ingest_all(
    plan: RunPlan, submitted: dict[PrefectFuture[ReportOutcome], IngestJob] | None = None
) -> list[ReportOutcome]:
    """Every job's outcome (``submitted``: jobs already running; the others are submitted here)."""
    task = ingest_document.with_options(timeout_seconds=plan.settings.document_timeout or None)
    futures: dict[PrefectFuture[ReportOutcome], IngestJob] = dict(submitted or {})
    running = {id(job) for job in futures.values()}
    for job in plan.jobs:
        if id(job) not in running:
            futures[task.submit(job, plan.env)] = job
    outcomes: dict[tuple[str, int, str], ReportOutcome] = {}
    for future in as_completed(list(futures)):
        outcome = _outcome_of(future, futures[future])
        outcomes[outcome.key] = outcome
        plan.ledger.add(outcome)
        if plan.ledger.pending >= LEDGER_BATCH:
            try:
                plan.ledger.flush()
            except OSError as exc:  # the rows stay pending: the end of the run writes them, or says it could not
                log.warning(
                    "documents ledger not written yet (%s); %d row(s) kept for the end", exc, plan.ledger.pending
                )
        for listener in list(PROGRESS_LISTENERS):
            listener(outcome)
    return [outcomes[job.report.key] for job in plan.jobs]


def _outcome_of(future: PrefectFuture[ReportOutcome], job: IngestJob) -> ReportOutcome:
    """The task's outcome; a task that ended otherwise (time limit, a bug) fails this document only."""
    future.wait()
    state = future.state
    if state.is_completed():
        return future.result()
    report = job.report
    error = state.result(raise_on_failure=False)
    if isinstance(error, TimeoutError) or state.name == "TimedOut":
        reason: str = f"time limit of {job_time_limit(future)} exceeded"
    else:
        described = isinstance(error, BaseException)
        reason = f"{type(error).__name__}: {error}" if described else str(state.message or state.name)
    log.error("failed %s: %s", report.label, reason)
    outcome = ReportOutcome(
        unit_id=report.unit_id,
        year=report.year,
        url=report.url,
        status="failed",
        action="failed",
        error=reason,
        report_kind=report.kind,
    )
    outcome.document = document_row(outcome)
    return outcome


def job_time_limit(future: PrefectFuture[ReportOutcome]) -> str:
    message = future.state.message or ""
    return message.removeprefix("Task run exceeded timeout of ").rstrip(".") or "the document"


@contextmanager
def run_lock(settings: Settings) -> Iterator[float]:
    """One writer at a time for the data folder, the lake and the warehouse (:mod:`juesuan.runlock`).

    Taken without waiting (:class:`~juesuan.runlock.LockBusy` at once); released by the kernel if the
    process dies (kill -9 included). Temporary warehouse files older than the lock are removed.
    """
    from juesuan.runlock import run_lock as hold_run_lock

    with hold_run_lock(settings) as since:
        yield since


# --- summary artifacts ------------------------------------------------------------------------------------
def document_table(summary: RunSummary) -> list[dict[str, Any]]:
    return [
        {
            "unit": o.unit_id,
            "year": o.year,
            "kind": o.report_kind,
            "result": o.action,
            "status": o.status,
            "facts written": o.facts if o.action in ("new", "changed") else 0,
            "reason": o.error or "",
            "seconds": round(o.seconds, 3),
        }
        for o in summary.outcomes
    ]


def summary_markdown(summary: RunSummary, settings: Settings) -> str:
    counts = summary.counts()
    lines = [
        "# Nightly ingestion",
        "",
        f"{len(summary.outcomes)} reports in {summary.seconds:.1f} s: "
        + ", ".join(f"{n} {action}" for action, n in counts.items() if n),
        "",
        f"- facts written: {summary.facts_written}",
        f"- findings: {summary.findings}",
        "- warehouse: "
        + (f"rebuilt ({summary.warehouse.facts} facts)" if summary.warehouse else "unchanged (nothing new)")
        + f" at `{settings.warehouse}`",
        f"- lake: `{settings.lake_url or settings.lake}`",
    ]
    if summary.discovery is not None:
        lines.append(f"- discovery: {summary.discovery.line()}")
    for step in summary.steps:
        lines.append(f"- step {step.name}: {step.status}, {step.findings} finding(s) {step.detail}".rstrip())
    problems = [o for o in summary.outcomes if o.action in ("quarantined", "withdrawn", "failed")]
    if problems:
        lines += [
            "",
            "## Documents needing attention",
            "",
            "| unit | report | result | reason |",
            "|---|---|---|---|",
        ]
        for o in problems:
            reason = (o.error or "").replace("|", "/")
            lines.append(f"| {o.unit_id} | {report_title_of(o.year, o.report_kind)} | {o.action} | {reason} |")
    return "\n".join(lines) + "\n"


def publish_artifacts(summary: RunSummary, settings: Settings) -> None:
    create_table_artifact(
        table=document_table(summary),
        key="nightly-documents",
        description="Every registered report tonight: new / changed / unchanged / quarantined / withdrawn / failed.",
    )
    create_markdown_artifact(
        markdown=summary_markdown(summary, settings),
        key="nightly-summary",
        description="Run summary: counts, facts written, findings, warehouse.",
    )
