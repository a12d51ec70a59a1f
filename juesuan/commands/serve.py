"""``juesuan serve``: serve the nightly flow's deployment on its schedule (02:00 Asia/Shanghai).

``flow.serve(schedules=[Cron(..., timezone=...)])`` registers the deployment with the Prefect API
and runs a process that starts each scheduled run (``cron=`` alone would have no timezone). It
needs a Prefect server (``prefect server start``, then ``PREFECT_API_URL``): in ephemeral mode
nothing stays up between runs, so schedules never fire. See docs/nightly.md for work pools.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer


def build_deployment(name: str, cron: str, timezone: str, parameters: dict[str, Any] | None = None) -> Any:
    """The nightly flow as a deployment with its cron schedule (a Prefect ``RunnerDeployment``)."""
    from prefect.schedules import Cron

    from juesuan.flows.nightly import nightly_ingest

    return nightly_ingest.to_deployment(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"default_steps": True, **(parameters or {})},
        description="Nightly ingestion of every registered report: fetch, extract, lake, validate, warehouse.",
        tags=["juesuan", "nightly"],
    )


def register(app: typer.Typer) -> None:
    # Imported here: juesuan.cli registers the command modules while it is itself being imported.
    from juesuan.cli import reports_errors

    @app.command()
    @reports_errors
    def serve(
        name: Annotated[str, typer.Option("--name", help="Deployment name.")] = "nightly",
        cron: Annotated[str, typer.Option("--cron", help="Cron schedule of the runs.")] = "0 2 * * *",
        timezone: Annotated[str, typer.Option("--timezone", help="Timezone of the cron schedule.")] = "Asia/Shanghai",
    ) -> None:
        """Serve the nightly flow on its schedule until stopped (needs a Prefect server, see docs/nightly.md)."""
        from prefect import serve as serve_deployments

        from juesuan.settings import Settings

        Settings.from_env()  # malformed settings are refused now, not at two o'clock
        deployment = build_deployment(name, cron, timezone)
        # One run at a time: a night that overruns delays the next one instead of racing it.
        serve_deployments(deployment, limit=1)
