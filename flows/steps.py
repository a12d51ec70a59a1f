"""The steps every real run takes around the warehouse load: validate, e-mail stewards, report.

The nightly flow (:mod:`.nightly`) calls ``HOOKS.validate`` before the load and ``HOOKS.post_load``
after it. The entry points that run the real night (``juesuan run``, ``juesuan serve``) install the
steps below for their run only (:func:`with_default_steps`); library callers and tests choose their own.

* **identity suites** — the Great Expectations checkpoint over every report in the lake. It runs
  when the facts changed tonight (a new or changed document, new dimensions) or when no
  findings exist yet; an unchanged night keeps last night's findings, so the warehouse stays
  untouched and a warm run stays fast. The findings go into the run's lake through its fsspec
  filesystem (a local folder or ``s3://…``); GX's validation results and Data Docs stay local.
* **stewards mail** — every night, one message per steward who has something new (findings, the
  night's failed documents, tables and codes juesuan could not read; :mod:`juesuan.stewards_mail`),
  built from the lake, so mail that a killed or failed night did not deliver goes out the next night.
  A message the server did not accept fails the step (a Prefect task retried with exponential
  backoff: ``JUESUAN_MAIL_RETRIES``, ``JUESUAN_MAIL_BACKOFF``) and the run (exit status 1).
* **run report** — the static HTML page of the run (``data/reports/latest.html``), every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from juesuan.flows.pipeline import StepResult

if TYPE_CHECKING:
    from juesuan.flows.nightly import NightlyHooks, StepContext
    from juesuan.settings import Settings

VALIDATION_KEY = "validation"
#: Outcomes that change the facts the findings are computed from. A withdrawn report keeps its last
#: good facts (and answers 404 again every night), so it is not one: validating on it would rebuild
#: the warehouse on every warm night.
CHANGING_ACTIONS = ("new", "changed")


def needs_validation(context: StepContext) -> bool:
    """Validate when tonight changed what the findings are computed from, or when there are none."""
    if context.plan.dimensions_changed or any(o.action in CHANGING_ACTIONS for o in context.summary.outcomes):
        return True
    from juesuan.expectations.findings import DATASET

    return not context.plan.lake.report_files(DATASET)


def validate_step(context: StepContext) -> StepResult:
    from juesuan.expectations.runner import validate_lake

    if not needs_validation(context):
        from juesuan.report.validation_page import write_validation_page

        # The findings stand, but tonight's failed documents and new waivers belong on the page.
        write_validation_page(context.settings, context.registry, context.plan.lake, outcomes=context.summary.outcomes)
        return StepResult("identity suites", "ok", detail="nothing changed tonight: last night's findings stand")
    validation = validate_lake(
        context.settings,
        context.registry,
        run_id=context.summary.flow_run_id,
        lake=context.plan.lake,
        outcomes=context.summary.outcomes,
    )
    context.shared[VALIDATION_KEY] = validation
    errors = sum(c.errors for c in validation.counts())
    rounding = sum(c.rounding for c in validation.counts())
    not_passed = sum(c.checks - c.passed for c in validation.counts())
    return StepResult(
        "identity suites",
        "ok",
        findings=not_passed,
        detail=f"{len(validation.reports)} reports: {errors} error(s), {rounding} rounding",
        lake_changed=True,
    )


def mail_step(context: StepContext) -> StepResult:
    """Tonight's stewards' mail; raises :class:`~juesuan.stewards_mail.StewardMailError` when a message
    was not accepted (the step's task is then retried, and the run fails if it stays so)."""
    from juesuan.stewards_mail import send_steward_mail

    result = send_steward_mail(
        context.settings,
        context.registry,
        lake=context.plan.lake,
        outcomes=context.summary.outcomes,
        run_id=context.summary.flow_run_id,
    )
    return StepResult("stewards mail", "ok", detail=result.describe())


def report_step(context: StepContext) -> StepResult:
    from juesuan.report.html import run_report_step

    return run_report_step(context)


def with_default_steps(hooks: NightlyHooks, settings: Settings | None = None) -> NightlyHooks:
    """``hooks`` plus the three real steps (once each), as a new object: the given hooks are not changed.

    The mail step is retried ``settings.mail_retries`` times with exponential backoff from
    ``settings.mail_backoff`` seconds when a message was not accepted.
    """
    from juesuan.flows.nightly import NightlyHooks, Step
    from juesuan.settings import Settings
    from juesuan.stewards_mail import StewardMailError

    settings = settings or Settings.from_env()
    mail = Step(
        "stewards mail",
        mail_step,
        retries=settings.mail_retries,
        retry_delay=settings.mail_backoff,
        retry_on=(StewardMailError,),
    )
    validate = list(hooks.validate)
    post_load = list(hooks.post_load)
    for wanted, steps in (
        ([Step("identity suites", validate_step)], validate),
        ([mail, Step("run report", report_step)], post_load),
    ):
        for step in wanted:
            if all(existing.name != step.name for existing in steps):
                steps.append(step)
    return NightlyHooks(validate=validate, post_load=post_load)
