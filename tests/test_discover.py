"""Discovery against the simulated disclosure columns and platform, served on loopback.

A registry of source entries only: every report of every unit found, classified and ingested (no 预算, no
noise); the CMS styles' pages read (GBK, script-drawn lists and pages, javascript: links, viewers, redirects);
the same file at two addresses taken once; pagination followed and bounded; robots.txt obeyed; a revised report
picked up at its address or a new one; a listing that fails halfway keeps what earlier nights found; and the
warehouse tells a steward why a report is missing. The nightly Prefect flow does the same (acceptance).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_flow_support import prefect_api, settings_env, use_env  # noqa: F401  (prefect_api is a fixture)

from juesuan.flows.discover import forget_robots
from juesuan.flows.pipeline import RunSummary, run_registry
from juesuan.lake import Lake
from juesuan.settings import Settings
from juesuan.simulate.corpus import generate_corpus
from juesuan.simulate.portal import Portal, build_portal
from juesuan.simulate.web import GovernmentWeb

FAULTS = {"not-found": 1, "server-error": 1, "html-200": 1, "wrong-year": 1, "redirect": 1, "flaky": 1}


@dataclass
class Night:
    portal: Portal
    web: GovernmentWeb
    settings: Settings

    def run(self) -> RunSummary:
        forget_robots()
        return run_registry(self.settings)

    def lake(self) -> Lake:
        return Lake(self.settings.lake)

    def discovered(self) -> list[dict[str, object]]:
        return self.lake().read_discovery()[0]

    def pages(self) -> list[dict[str, object]]:
        return self.lake().read_discovery()[1]

    def sql(self, query: str) -> list[tuple[object, ...]]:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as connection:
            return connection.execute(query).fetchall()


def publish(root: Path, *, units: int = 12, years: int = 2, seed: int = 5, **options: Any) -> Portal:
    corpus = generate_corpus(root / "corpus", units=units, years=years, seed=seed, faults=options.pop("faults", {}))
    return build_portal(corpus, seed=seed, **options)


@contextmanager
def serve(portal: Portal, root: Path, **source_keys: object) -> Iterator[Night]:
    with GovernmentWeb(
        portal.site,
        portal.faults(),
        content_types=portal.content_types,
        redirects=portal.redirects,
        hang_seconds=1.5,
        max_lifetime=600,
    ) as web:
        registry = portal.write_registry(web.base_url, root / "sources.toml", **source_keys)
        settings = replace(
            Settings.from_env({"JUESUAN_DATA_DIR": str(root / "data")}),
            registry=registry,
            fetch_delay=0,
            fetch_retries=1,
            fetch_backoff=0.05,
            fetch_timeout=1.0,
            workers=4,
        )
        yield Night(portal, web, settings)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Night, RunSummary]]:
    """One published corpus with every trap, and its first night (shared by the read-only tests)."""
    root = tmp_path_factory.mktemp("portal")
    portal = publish(root, faults=dict(FAULTS), mislabelled=1, on_both=2, reposts=1, extra_tables=1, own_unit_reports=1)
    with serve(portal, root) as night:
        yield night, night.run()


def outcomes(summary: RunSummary) -> dict[tuple[str, int], str]:
    return {o.key[:2]: o.status for o in summary.outcomes}


def sha_of(portal: Portal, file: str) -> str:
    return hashlib.sha256((portal.site / file.lstrip("/")).read_bytes()).hexdigest()


# --- the first night -------------------------------------------------------------------------------------------
def test_every_report_of_every_unit_is_found_and_nothing_else_is_ingested(first: tuple[Night, RunSummary]) -> None:
    night, summary = first
    got = outcomes(summary)
    expected = night.portal.expected
    assert len(expected) == len(night.portal.corpus.entries) == 24
    for key, report in expected.items():
        if report.outcome in ("rejected", "missing"):
            assert key not in got, key  # bytes that are no 决算 of that year are never ingested
        else:
            assert got.get(key) == report.outcome, (key, report)
    assert set(got) <= set(expected)  # no 预算, notice or noise became a job
    documents = night.lake().read_document_rows()
    loaded = {(r["unit_id"], int(r["year"])): r["sha256"] for r in documents if r["status"] == "loaded"}
    for key, report in expected.items():
        if report.outcome == "loaded":
            assert loaded[key] == sha_of(night.portal, report.file), key
    assert len(loaded) == sum(1 for r in expected.values() if r.outcome == "loaded") >= 18
    assert summary.discovery is not None and summary.discovery.selected == len(got)


def test_each_candidate_is_classified_with_its_reason(first: tuple[Night, RunSummary]) -> None:
    night, _ = first
    rows = night.discovered()
    documents = [r for r in rows if r["role"] == "document"]
    assert all(r["decision"] in ("selected", "rejected", "failed") and r["stage"] for r in documents)
    assert all(r["reason"] for r in documents if r["decision"] != "selected")
    by_reason = {r["reason"] for r in documents}
    budgets = [r for r in documents if r["content_kind"] == "预算"]
    assert budgets and all(r["decision"] == "rejected" and "预算 (budget)" in str(r["reason"]) for r in budgets)
    assert any("a ZIP archive" in str(reason) for reason in by_reason)  # the 公开表 spreadsheet
    assert any("the source takes the 部门决算" in str(reason) for reason in by_reason)  # the 本级 单位决算
    assert any("an HTML page, not a report" in str(reason) for reason in by_reason)  # html-200
    assert any("the report covers" in str(reason) and "but its link names" in str(reason) for reason in by_reason)
    assert any(str(reason).startswith("the same document as") for reason in by_reason)  # a unit on two sources
    selected = [r for r in documents if r["decision"] == "selected"]
    assert all(r["content_kind"] == "决算" and r["unit_id"] and r["year"] and r["sha256"] for r in selected)


def test_noise_is_rejected_by_its_words_and_never_fetched(first: tuple[Night, RunSummary]) -> None:
    night, _ = first
    rows = night.discovered()
    noise = [
        article
        for listing in night.portal.listings
        for article in listing.articles
        if article.kind in ("noise", "预算")
    ]
    assert len(noise) > 20
    for article in noise:
        assert night.web.requests[article.path] == 0, article.title
    page_rows = [r for r in rows if r["role"] == "page" and r["decision"] == "rejected"]
    reasons = {str(r["reason"]) for r in page_rows}
    assert any(reason.startswith("names no 决算 report") for reason in reasons)  # news, 招聘, 公示, navigation
    assert any(reason == "names a 预算 (budget) report, not a 决算" for reason in reasons)
    assert any(reason.startswith("a javascript: link without an address") for reason in reasons)


def test_the_cms_styles_are_read(first: tuple[Night, RunSummary]) -> None:
    night, _ = first
    pages = night.pages()
    rows = night.discovered()
    styles = {listing.style for listing in night.portal.listings}
    assert styles == {"static", "scripted", "gbk-table"}
    gbk = [p for p in pages if "/list.jsp" in str(p["url"]) or ("/art/" in str(p["url"]) and "/u/" in str(p["url"]))]
    assert gbk and all(p["charset"] == "gb18030" for p in gbk if p["status"] == "ok")
    assert any("预决算公开_" in str(p["title"]) for p in gbk)  # Chinese read right from GBK bytes
    # a script-drawn listing: its pages from the registry's template, its end a missing page
    assert any(p["status"] == "skipped" and "the listing ends" in str(p["error"]) for p in pages)
    # javascript: article links followed; download scripts redirected to the file
    followed = [r for r in rows if r["decision"] == "followed" and "/art/" in str(r["url"]) and "/u/" in str(r["url"])]
    assert followed
    redirected = [r for r in rows if "download.jsp" in str(r["url"]) and r["decision"] == "selected"]
    assert redirected and all("/uploadfiles/" in str(r["final_url"]) for r in redirected)
    # viewers: the iframe's file, and a page that embeds it
    assert any(r["tag"] == "iframe" and r["decision"] == "selected" for r in rows)
    assert any(r["tag"] == "embed" and r["depth"] == 2 and r["decision"] == "selected" for r in rows)


def test_the_same_file_linked_twice_is_downloaded_once(first: tuple[Night, RunSummary]) -> None:
    night, _ = first
    rows = [r for r in night.discovered() if r["role"] == "document"]
    by_url: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_url.setdefault(str(row["url"]), []).append(row)
    reposted = [url for url, found in by_url.items() if len({r["found_on"] for r in found}) > 1]
    assert reposted  # the 重发 article links the same attachment
    for url in reposted:
        path = url.split("//", 1)[1].split("/", 1)[1]
        assert night.web.requests["/" + path] <= 2  # downloaded once (a flaky file: once more)


def test_robots_txt_is_obeyed(first: tuple[Night, RunSummary]) -> None:
    night, _ = first
    blocked = [p for p in night.pages() if p["status"] == "blocked"]
    assert [p["url"] for p in blocked] == [f"{night.web.base_url}/platform/internal/draft.html"]
    assert blocked[0]["error"] == "robots.txt disallows this address"
    assert not any(path.startswith("/platform/internal/") for path in night.web.requests)


def test_the_warehouse_tells_a_steward_why_a_report_is_missing(first: tuple[Night, RunSummary]) -> None:
    night, _ = first
    missing = [key for key, r in night.portal.expected.items() if r.outcome in ("missing", "rejected")]
    assert len(missing) == 3  # mislabelled (the 预算 linked), html-200, last year's report
    coverage = {
        (unit, year): (state, reasons)
        for unit, year, state, reasons in night.sql(
            "SELECT unit_id, year, coverage, reasons FROM discovery_coverage ORDER BY ALL"
        )
    }
    for key in missing:
        state, reasons = coverage[key]
        assert state == "found, all rejected" and reasons, key
    mislabelled = next(k for k, r in night.portal.expected.items() if r.outcome == "missing")
    assert "预算 (budget)" in coverage[mislabelled][1]
    links = night.sql(
        f"SELECT link_text, decision, stage, reason FROM discovered_documents "
        f"WHERE unit_id = '{mislabelled[0]}' AND role = 'document' ORDER BY ALL"
    )
    assert any(decision == "rejected" and stage == "identity" for _, decision, stage, _ in links)
    loaded = [k for k, r in night.portal.expected.items() if r.outcome == "loaded"]
    assert all(coverage[key][0] == "loaded" for key in loaded)
    in_warehouse = night.sql("SELECT count(*) FROM discovered_documents WHERE in_warehouse AND decision = 'selected'")
    assert in_warehouse[0][0] >= len(loaded)
    failed = [k for k, r in night.portal.expected.items() if r.outcome in ("failed", "withdrawn")]
    assert all(coverage[key][0] == "download failed" for key in failed)


# --- later nights ------------------------------------------------------------------------------------------------
def test_a_second_night_changes_nothing(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=6, reposts=1, on_both=1)
    with serve(portal, tmp_path) as night:
        first = night.run()
        assert set(outcomes(first).values()) == {"loaded"}
        lake_files = {p: p.read_bytes() for p in night.settings.lake.glob("discover*.parquet")}
        warehouse = night.settings.warehouse.read_bytes()
        bodies = dict(night.web.bodies)
        second = night.run()
        assert {o.action for o in second.outcomes} == {"unchanged"}
        assert {p: p.read_bytes() for p in night.settings.lake.glob("discover*.parquet")} == lake_files
        assert not second.lake_changed and night.settings.warehouse.read_bytes() == warehouse
        # every page and document answered 304 Not Modified: no body was sent again but robots.txt's
        sent = {path: n - bodies.get(path, 0) for path, n in night.web.bodies.items() if n > bodies.get(path, 0)}
        assert sent == {"/robots.txt": 1}
        assert sum(night.web.not_modified.values()) > 20


def test_a_revised_report_is_picked_up_at_its_address_or_a_new_one(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=6)
    (same, old), (moved, _) = sorted(portal.expected.items())[:2]
    with serve(portal, tmp_path) as night:
        night.run()
        portal.republish(*same, new_url=False)
        revised = portal.republish(*moved, new_url=True)
        second = night.run()
        actions = {o.key[:2]: o.action for o in second.outcomes}
        assert actions[same] == actions[moved] == "changed"
        assert {action for key, action in actions.items() if key not in (same, moved)} == {"unchanged"}
        loaded = {
            (r["unit_id"], int(r["year"])): r
            for r in night.lake().read_document_rows()
            if r["status"] == "loaded" and r["sha256"] == Lake(night.settings.lake).partition_sha256(*_key(r))
        }
        assert loaded[same]["sha256"] == sha_of(portal, old.file)
        assert loaded[moved]["sha256"] == sha_of(portal, revised.file) and loaded[moved]["url"].endswith(revised.file)
        older = [
            r
            for r in night.discovered()
            if r["unit_id"] == moved[0] and r["year"] == moved[1] and r["decision"] == "rejected"
        ]
        assert older and all(str(r["reason"]).startswith("an older document of the same report") for r in older)


def _key(row: dict[str, object]) -> tuple[str, int]:
    return str(row["unit_id"]), int(str(row["year"]))


def test_pagination_is_followed_and_bounded(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=6, years=4, platform_share=0, on_both=0)
    paged = [listing for listing in portal.listings if len(listing.pages()) > 1]
    assert paged
    on_later_pages = {
        (article.unit.id, int(article.title.split("年度部门决算")[0][-4:]))
        for listing in paged
        for page in listing.pages()[1:]
        for article in page
        if article.kind == "决算" and article.unit is not None
    }
    assert on_later_pages
    with serve(portal, tmp_path / "bounded", max_pages=1) as night:
        summary = night.run()
        assert not on_later_pages & set(outcomes(summary))
        skipped = [p for p in night.pages() if p["status"] == "skipped"]
        assert any(p["error"] == "beyond max_pages = 1" for p in skipped)
        assert all(p["page_number"] == 1 for p in night.pages() if p["role"] == "listing" and p["status"] == "ok")
    with serve(portal, tmp_path / "all") as night:
        assert on_later_pages <= set(outcomes(night.run()))


def test_a_listing_that_fails_halfway_keeps_what_earlier_nights_found(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=4, years=4, platform_share=0, on_both=0, styles=("static",))
    listing = next(li for li in portal.listings if len(li.pages()) > 1 and any(a.kind == "决算" for a in li.pages()[1]))
    second_page = listing.page_path(2)
    later = {(a.unit.id, int(a.title.split("年度部门决算")[0][-4:])) for a in listing.pages()[1] if a.kind == "决算"}
    with serve(portal, tmp_path / "kept") as night:
        first = night.run()
        assert later <= set(outcomes(first))
        night.web.faults[second_page] = "server-error"
        second = night.run()
        assert {o.key[:2]: o.action for o in second.outcomes}.items() >= {key: "unchanged" for key in later}.items()
        failed = [p for p in night.pages() if p["url"].endswith(second_page)]
        assert failed[0]["status"] == "failed" and "last good night are used" in str(failed[0]["error"])
        assert night.web.requests[second_page] >= 3  # tried tonight too (first night, and with a retry)
    # a first night on which the page fails: what only it lists is not found, and the page says why
    portal.served_faults[second_page] = "server-error"
    with serve(portal, tmp_path / "fresh") as night:
        summary = night.run()
        assert not later & set(outcomes(summary))
        page = next(p for p in night.pages() if str(p["url"]).endswith(second_page))
        assert page["status"] == "failed" and page["error"] == "HTTP 500 Internal Server Error"


def test_a_registry_report_url_wins_over_what_discovery_finds(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=3, platform_share=0, on_both=0)
    key = sorted(portal.expected)[0]
    with serve(portal, tmp_path) as night:
        text = night.settings.registry.read_text(encoding="utf-8")
        explicit = portal.corpus.entry(*key)
        block = f'[[unit.report]]\nyear = {key[1]}\nurl = "{night.web.base_url}/{explicit.path}"\n'
        marker = f'id = "{key[0]}"'
        head, tail = text.split(marker, 1)
        first_break = tail.index("\n\n") + 2
        night.settings.registry.write_text(head + marker + tail[:first_break] + block + tail[first_break:], "utf-8")
        summary = night.run()
        outcome = next(o for o in summary.outcomes if o.key[:2] == key)
        assert outcome.url.endswith(explicit.path) and outcome.status == "loaded"
        rows = [r for r in night.discovered() if (r["unit_id"], r["year"]) == key and r["role"] == "document"]
        assert rows and all(str(r["reason"]).startswith("the registry names this report's URL") for r in rows)


# --- the nightly flow --------------------------------------------------------------------------------------------
def test_acceptance_a_registry_of_sources_only_through_the_nightly_flow(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,  # noqa: F811
) -> None:
    from juesuan.flows.nightly import run_flow

    portal = publish(tmp_path, units=8, mislabelled=1, reposts=1, on_both=1)
    with serve(portal, tmp_path) as night:
        settings = use_env(monkeypatch, settings_env(tmp_path, night.settings.registry, JUESUAN_FETCH_TIMEOUT="2"))
        forget_robots()
        first = run_flow(settings)
        expected = {k: r.outcome for k, r in portal.expected.items() if r.outcome != "missing"}
        assert outcomes(first) == expected and set(expected.values()) == {"loaded"}
        assert first.discovery is not None and first.discovery.selected == len(expected)
        published = settings.warehouse.read_bytes()
        second = run_flow(settings)
        assert {o.action for o in second.outcomes} == {"unchanged"} and second.warehouse is None
        assert settings.warehouse.read_bytes() == published
        changed_key = sorted(expected)[0]
        portal.republish(*changed_key, new_url=False)
        third = run_flow(settings)
        assert [o.key[:2] for o in third.outcomes if o.action != "unchanged"] == [changed_key]
        missing = next(k for k, r in portal.expected.items() if r.outcome == "missing")
        with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
            why = connection.execute(
                "SELECT coverage, reasons FROM discovery_coverage WHERE unit_id = ? AND year = ?", list(missing)
            ).fetchone()
        assert why is not None and why[0] == "found, all rejected" and "预算 (budget)" in why[1]


# --- juesuan discover ------------------------------------------------------------------------------------------------
def test_juesuan_discover_shows_what_the_sources_hold_without_ingesting(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from juesuan.cli import app

    portal = publish(tmp_path, units=4, mislabelled=1, platform_share=0, on_both=0)
    missing = next(key for key, report in portal.expected.items() if report.outcome == "missing")
    # Fast retries and no politeness delay (every page of the simulated sites is on one host).
    env = {"JUESUAN_FETCH_DELAY": "0", "JUESUAN_FETCH_RETRIES": "1", "JUESUAN_FETCH_BACKOFF": "0.05"}
    runner = CliRunner(env={**env, "JUESUAN_DATA_DIR": str(tmp_path / "data")})
    with serve(portal, tmp_path) as night:
        lake = str(night.settings.lake)
        args = ["discover", "--registry", str(night.settings.registry), "--lake", lake, "--format", "csv"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        lines = result.output.strip().splitlines()
        assert lines[0] == "unit,year,result,document,why"
        selected = [line for line in lines[1:] if ",selected," in line]
        assert len(selected) == len(portal.expected) - 1
        assert any(
            line.startswith(f"{missing[0]},{missing[1]},rejected,") and "预算 (budget)" in line for line in lines
        )
        assert not night.settings.warehouse.exists() and not night.lake().read_document_rows()  # nothing ingested
        one = runner.invoke(
            app, ["discover", "--registry", str(night.settings.registry), "--lake", lake, "--unit", missing[0]]
        )
        assert one.exit_code == 0 and "discovered for" in one.output and "identity" in one.output
        assert "report(s) selected" in one.output
        summary = night.run()  # the next night ingests what was found, from the raw store
        assert {o.status for o in summary.outcomes} == {"loaded"} and len(summary.outcomes) == len(selected)
        bare = runner.invoke(app, ["discover", "--registry", str(portal.corpus.write_registry(night.web.base_url))])
        assert bare.exit_code == 1 and "lists no [[unit.source]] or [[source]]" in bare.output


# --- the source's bounds and filters, robots.txt that cannot be read ---------------------------------------------
def test_years_exclude_and_depth_of_a_source(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=4, years=2, platform_share=0.5, on_both=0)
    first_year = min(year for _, year in portal.expected)
    with serve(portal, tmp_path / "years", years=[first_year]) as night:
        got = outcomes(night.run())
        assert got and {year for _, year in got} == {first_year}
        reasons = {str(r["reason"]) for r in night.discovered() if r["decision"] == "rejected"}
        assert f"names {first_year + 1}, not a year the source takes" in reasons
    with serve(portal, tmp_path / "exclude", exclude=["部门决算"]) as night:
        assert not outcomes(night.run())
        assert any("excluded by the source's exclude words (部门决算)" in str(r["reason"]) for r in night.discovered())
    # depth 1: the platform's documents shown only on a page under the article are not reached
    with serve(portal, tmp_path / "shallow", max_depth=1) as night:
        got = outcomes(night.run())
        behind_view_pages = {
            (a.unit.id, int(a.title.split("年度部门决算")[0][-4:]))
            for a in portal.platform.articles  # type: ignore[union-attr]
            if a.viewer and a.unit is not None and a.kind == "决算"
        }
        assert behind_view_pages and not behind_view_pages & set(got)
        assert set(portal.expected) - behind_view_pages <= set(got)


def test_a_robots_txt_that_cannot_be_read_allows_nothing(tmp_path: Path) -> None:
    portal = publish(tmp_path, units=2, platform_share=0, on_both=0)
    portal.served_faults["/robots.txt"] = "server-error"
    with serve(portal, tmp_path) as night:
        summary = night.run()
        assert not summary.outcomes
        pages = night.pages()
        assert pages and all(p["status"] == "blocked" for p in pages)
        assert "robots.txt could not be read (HTTP 500 Internal Server Error)" in str(pages[0]["error"])
        assert set(night.web.requests) == {"/robots.txt"}
