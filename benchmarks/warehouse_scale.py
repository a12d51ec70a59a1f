"""The warehouse at scale: a lake of 10 million facts, its build, and the analysts' queries on it.

    .venv/bin/python benchmarks/warehouse_scale.py                      # 10,000,000 facts, results to RESULTS.md
    .venv/bin/python benchmarks/warehouse_scale.py --facts 200000 --no-write   # a quick look

Phases, each in a child process of its own (so its peak RSS is its own):

1. **generate** — synthetic units and years from the simulator (``juesuan.simulate.corpus``: the figures
   of every table drawn per 项 so the identities hold, the same tables, rows and columns as the real
   reports), written as a lake exactly as the nightly flow writes one: per report a ``facts`` partition
   (table facts with page, raw text and bbox, plus the figures the narrative restates), ``parsed_tables``,
   ``prior_year_facts`` (last year's totals the report restates), ``code_repairs`` and
   ``identity_findings`` (a few findings per report, as the suites write them), and ``units``,
   ``subjects`` (the real catalogue) and ``documents``.
2. **build** — :func:`juesuan.warehouse.build.build_warehouse`, the whole nightly build: wall time and
   peak RSS; then the incremental refresh (``refresh_warehouse``) after one report changed.
3. **queries** — the analysts' queries, each on a cursor of one read-only instance, as the web app
   holds it (:class:`juesuan.ui.app.SharedWarehouse` over :func:`juesuan.warehouse.query.connect_readonly`;
   opening a fresh connection is timed on its own), median and 95th percentile of repeated runs
   after one warm-up: compare one subject across all units, a unit-year page (every query the page
   runs), the findings of one unit, year over year of one class — and the same pages over HTTP from the
   web app (``juesuan ui``'s app under a test client), templates included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import command, is_loaded, load_average, machine, markdown_table, today, write_section

HEADING = "## Warehouse at scale (`benchmarks/warehouse_scale.py`)"
YEARS = (2020, 2021, 2022, 2023, 2024)
TARGET_MS = 100.0


# --- generate ---------------------------------------------------------------------------------------------------
def _narrative_keys(model: Any) -> list[tuple[str, str, str]]:
    """The (table, row, column) keys a report's 情况说明 restates, as the narrative reader yields them."""
    from juesuan import contract as c

    keys = []
    for table, rows in model.tables.items():
        for code, line, values in rows:
            for column in values:
                key = code or line
                if (
                    table == c.TOTALS
                    or (table in (c.INCOME, c.EXPENDITURE) and key == "合计")
                    or (table == c.GENERAL_BUDGET and column == "小计" and (key == "合计" or len(key) == 3))
                    or (table == c.THREE_PUBLIC and column == "决算数")
                    or (table == c.BASIC and key in ("人员经费合计", "公用经费合计"))
                ):
                    keys.append((table, key, column))
    return keys


class FactRows:
    """The columns of one report's facts file, filled a fact at a time (page, raw text and a bbox)."""

    def __init__(self, names: list[str], sha256: str, table_pages: dict[str, int], report_kind: str = "决算") -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in names}
        self.sha256 = sha256
        self.table_pages = table_pages
        self.report_kind = report_kind

    @property
    def count(self) -> int:
        return len(self.columns["value"])

    def add(self, table: str, code: str | None, line: str, column: str, value: Decimal, kind: str) -> None:
        x = 300.0 + (60.0 * self.count) % 240
        y = 700.0 - 14.0 * (self.count % 40)
        for name, cell in (
            ("table_name", table),
            ("subject_code", code),
            ("line_item", line),
            ("column_name", column),
            ("value", value),
            ("source_kind", kind),
            ("extractor", "camelot-lattice" if kind == "table" else "narrative-regex"),
            ("document_sha256", self.sha256),
            ("page", self.table_pages[table] if kind == "table" else 3),
            ("raw_text", f"{value:.2f}" if kind == "table" else f"{line}{value:.2f}万元"),
            ("bbox", [x, y, x + 31.0, y + 7.0]),
            ("report_kind", self.report_kind),
        ):
            self.columns[name].append(cell)


def _generate_chunk(job: tuple[str, int, int, int]) -> tuple[int, int]:
    """Write the reports of units ``first`` … ``last - 1`` (every year); returns (reports, facts)."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    from juesuan import contract as c
    from juesuan.expectations.findings import FILE_SCHEMA as FINDING_SCHEMA
    from juesuan.lake import (
        CODE_REPAIR_SCHEMA,
        FACT_FILE_SCHEMA,
        PARSED_TABLE_SCHEMA,
        PRIOR_YEAR_FACT_FILE_SCHEMA,
        Lake,
    )
    from juesuan.simulate import corpus as sc
    from juesuan.transform.catalogue import Catalogue

    root, first, last, seed = job
    lake = Lake(root)
    catalogue = Catalogue.load()
    subjects_pool = [code for pool in sc.SUBJECT_POOL.values() for code in pool[1:]]
    first_codes = [pool[0] for pool in sc.SUBJECT_POOL.values() if pool[0][:3] in ("208", "210", "221")]
    table_pages = {table: 5 + i for i, table in enumerate((*c.TABLE_NAMES, *c.BUDGET_TABLE_NAMES))}
    reports = facts_written = 0
    validated_at = datetime(2026, 12, 6, tzinfo=UTC)

    def write(table: pa.Table, dataset: str, unit_id: str, year: int) -> None:
        path = lake.partition(dataset, unit_id, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)

    for index in range(first, last):
        unit_id = unit_ids(index)
        for year in YEARS:
            rng = random.Random(f"{seed}/{index}/{year}")
            codes = first_codes + rng.sample(subjects_pool, rng.randint(1, 4))
            if rng.random() < 0.3:
                codes.append(rng.choice(sc.SUBJECT_POOL["201"] + sc.SUBJECT_POOL["206"]))
            model = sc.build_model(sc.draw_figures(rng, sorted(set(codes))), catalogue, year)
            sha = hashlib.sha256(f"{unit_id}/{year}".encode()).hexdigest()
            rows = FactRows(FACT_FILE_SCHEMA.names, sha, table_pages)
            value_of: dict[tuple[str, str, str], Decimal] = {}
            for table, table_rows in model.tables.items():
                for code, line, values in table_rows:
                    for column, fen in values.items():
                        if fen:
                            value = Decimal(fen).scaleb(-2)
                            value_of[(table, code or line, column)] = value
                            rows.add(table, code, line, column, value, "table")
            for table, key, column in _narrative_keys(model):
                if (table, key, column) in value_of:
                    code = key if key[0].isdigit() else None
                    line = next((ln for cd, ln, _ in model.tables[table] if (cd or ln) == key), key)
                    rows.add(table, code, line, column, value_of[(table, key, column)], "narrative")
            budget = value_of.get((c.GENERAL_BUDGET, "合计", "小计"))
            if budget is not None:
                initial = (budget * Decimal("0.8")).quantize(Decimal("0.01"))
                rows.add(c.GENERAL_BUDGET, None, "合计", "年初预算数", initial, "narrative")
            write(pa.Table.from_pydict(rows.columns, schema=FACT_FILE_SCHEMA), "facts", unit_id, year)
            facts_written += rows.count
            # Its 预算 (budget_vs_final): the general budget's rows, budgeted 85–115% of what was spent.
            budget_sha = hashlib.sha256(f"{unit_id}/{year}/budget".encode()).hexdigest()
            budget_rows = FactRows(FACT_FILE_SCHEMA.names, budget_sha, table_pages, c.BUDGET)
            for (table, key, column), value in value_of.items():
                if table == c.GENERAL_BUDGET and column == "小计":
                    planned = (value * Decimal(rng.randint(85, 115)) / 100).quantize(Decimal("0.01"))
                    code = key if key[0].isdigit() else None
                    budget_rows.add(c.BUDGET_GENERAL, code, key, c.BUDGET_TOTAL_COLUMN, planned, "table")
            budget_path = lake.partition("facts", unit_id, year).with_name("facts.budget.parquet")
            pq.write_table(pa.Table.from_pydict(budget_rows.columns, schema=FACT_FILE_SCHEMA), budget_path)
            facts_written += budget_rows.count

            restated = [
                (c.TOTALS, None, "收入总计", "金额"),
                (c.TOTALS, None, "支出总计", "金额"),
                (c.THREE_PUBLIC, None, "合计", "决算数"),
            ]
            prior: dict[str, list[Any]] = {name: [] for name in PRIOR_YEAR_FACT_FILE_SCHEMA.names}
            for table, code, line, column in restated:
                current = value_of.get((table, line, column))
                if current is None:
                    continue
                for name, value in (
                    ("fact_year", year - 1),
                    ("table_name", table),
                    ("subject_code", code),
                    ("line_item", line),
                    ("column_name", column),
                    ("value", (current * Decimal("0.93")).quantize(Decimal("0.01"))),
                    ("source_kind", "narrative"),
                    ("extractor", "narrative-regex"),
                    ("document_sha256", sha),
                    ("page", 3),
                    ("raw_text", f"{line}…与上年相比…"),
                    ("bbox", None),
                    ("report_kind", c.FINAL),
                ):
                    prior[name].append(value)
            write(pa.Table.from_pydict(prior, schema=PRIOR_YEAR_FACT_FILE_SCHEMA), "prior_year_facts", unit_id, year)

            parsed = [
                {
                    "document_sha256": sha,
                    "title": table,
                    "table_name": table,
                    "status": "ok",
                    "extractor": "camelot-lattice",
                    "page": table_pages[table],
                    "line": None,
                    "rows": len(model.tables[table]),
                    "facts": sum(1 for _, _, v in model.tables[table] for f in v.values() if f),
                    "notes": "",
                    "reading": "pdfium-rules",
                    "reconciled": "exact",
                    "reliable": True,
                    "unreliable_reason": "",
                    "pages": [table_pages[table]],
                }
                for table in model.tables
            ]
            write(pa.Table.from_pylist(parsed, schema=PARSED_TABLE_SCHEMA), "parsed_tables", unit_id, year)
            write(CODE_REPAIR_SCHEMA.empty_table(), "code_repairs", unit_id, year)

            findings = []
            coded = [(k, v) for k, v in value_of.items() if k[0] == c.GENERAL_BUDGET and k[1][0].isdigit()]
            for number, ((table, key, column), value) in enumerate(rng.sample(coded, min(3, len(coded)))):
                severity = "error" if rng.random() < 0.02 else "rounding"
                right = value + (Decimal("0.01") if severity == "rounding" else Decimal("12.50"))
                findings.append(
                    {
                        "run_id": "scale-benchmark",
                        "validated_at": validated_at,
                        "check_id": f"{unit_id}/{year}/R02/{table}/{key}/{column}/{number}",
                        "rule_id": "R02",
                        "rule_name": "功能分类层级汇总",
                        "family": "within_table",
                        "check_name": "类 = Σ 款",
                        "severity": severity,
                        "table_name": table,
                        "other_table_name": table,
                        "subject_code": key,
                        "line_item": key,
                        "column_name": column,
                        "left_value": value,
                        "right_value": right,
                        "difference": value - right,
                        "tolerance": Decimal("0.02"),
                        "left_expression": f"{key} {value:,.2f}",
                        "right_expression": f"Σ 款 {right:,.2f}",
                        "left_source_kind": "table",
                        "right_source_kind": "table",
                        "left_pages": [table_pages[table]],
                        "right_pages": [table_pages[table]],
                        "left_document_sha256": sha,
                        "right_document_sha256": sha,
                        "message": f"{table} {key} {column}: {value:,.2f} ≠ {right:,.2f}",
                        "report_kind": c.FINAL,
                    }
                )
            write(pa.Table.from_pylist(findings, schema=FINDING_SCHEMA), "identity_findings", unit_id, year)
            reports += 1
    return reports, facts_written


def unit_ids(index: int) -> str:
    from juesuan.simulate import corpus as sc

    suffix = sc.DEPARTMENTS[index % len(sc.DEPARTMENTS)][0]
    return f"u{index:05d}-{suffix}"


def _unit_rows(count: int) -> list[dict[str, Any]]:
    from juesuan.simulate import corpus as sc

    rows = []
    for index in range(count):
        province, city = sc.CITIES[index % len(sc.CITIES)]
        _, department, kind = sc.DEPARTMENTS[index % len(sc.DEPARTMENTS)]
        county = f"第{index // (len(sc.CITIES) * len(sc.DEPARTMENTS)) + 1}县" if index >= 200 else ""
        rows.append(
            {
                "unit_id": unit_ids(index),
                "name": f"{city}{county}{department}",
                "province": province,
                "city": city,
                "county": county,
                "level": "县级" if county else "市级",
                "kind": kind,
                "stewards": f"steward.{index:05d}@example.org",
            }
        )
    return rows


def generate(root: Path, facts: int, seed: int, workers: int) -> dict[str, Any]:
    import hashlib

    import pyarrow as pa

    from juesuan.lake import DOCUMENT_SCHEMA, UNIT_SCHEMA, Lake
    from juesuan.transform.catalogue import Catalogue

    per_report = 187  # table facts + the narrative's restatements of a simulated report (measured: 187.9)
    units = max(2, -(-facts // (per_report * len(YEARS))))  # enough for at least ``facts``
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    lake = Lake(root)
    lake.put_table(pa.Table.from_pylist(_unit_rows(units), schema=UNIT_SCHEMA), "units.parquet")
    lake.write_subjects(Catalogue.load().frame())
    fetched = datetime(2026, 12, 6, tzinfo=UTC)
    documents = [
        {
            "sha256": hashlib.sha256(f"{unit_ids(i)}/{year}".encode()).hexdigest(),
            "unit_id": unit_ids(i),
            "year": year,
            "url": f"https://example.gov.cn/{unit_ids(i)}/{year}.pdf",
            "fetched_at": fetched,
            "format": "pdf",
            "pages": 20,
            "status": "loaded",
            "error": None,
            "http_status": 200,
            "size": 400_000,
            "content_type": "application/pdf",
            "etag": None,
            "last_modified": None,
        }
        for i in range(units)
        for year in YEARS
    ]
    lake.put_table(pa.Table.from_pylist(documents, schema=DOCUMENT_SCHEMA), "documents.parquet")
    chunks = max(workers * 8, 1)
    step = -(-units // chunks)
    jobs = [(str(root), start, min(start + step, units), seed) for start in range(0, units, step)]
    start = time.perf_counter()
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = pool.map(_generate_chunk, jobs)
    else:
        done = [_generate_chunk(job) for job in jobs]
    reports = sum(r for r, _ in done)
    written = sum(f for _, f in done)
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    files = sum(1 for _ in root.rglob("*.parquet"))
    return {
        "units": units,
        "years": len(YEARS),
        "reports": reports,
        "facts": written,
        "files": files,
        "lake_bytes": size,
        "seconds": time.perf_counter() - start,
    }


# --- build ---------------------------------------------------------------------------------------------------
def build(lake: Path, warehouse: Path) -> dict[str, Any]:
    from juesuan.warehouse.build import build_warehouse

    start = time.perf_counter()
    summary = build_warehouse(lake, warehouse)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "facts": summary.facts,
        "unit_years": summary.unit_years,
        "bytes": warehouse.stat().st_size,
    }


def refresh(lake: Path, warehouse: Path) -> dict[str, Any]:
    """One report re-extracted (its facts partition rewritten), then the warehouse brought up to date."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from juesuan.warehouse import build as warehouse_build

    path = lake / "facts" / f"year={YEARS[-1]}" / f"unit_id={unit_ids(0)}" / "facts.parquet"
    table = pq.read_table(path)
    position = table.schema.get_field_index("value")
    raised = pa.array([v + 1 for v in table["value"].to_pylist()], type=table.schema.field("value").type)
    pq.write_table(table.set_column(position, table.schema.field("value"), raised), path)
    refresher: Callable[..., Any] | None = getattr(warehouse_build, "refresh_warehouse", None)
    start = time.perf_counter()
    if refresher is None:
        warehouse_build.build_warehouse(lake, warehouse)
        how = "full rebuild (no incremental refresh)"
    else:
        result = refresher(lake, warehouse)
        how = str(result)
    return {"seconds": time.perf_counter() - start, "how": how}


# --- queries ---------------------------------------------------------------------------------------------------
def _time(run: Callable[[], object], repeats: int) -> dict[str, float]:
    run()  # warm-up: the file's pages in the OS cache, as for any page after the first
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max_ms": times[-1],
    }


def queries(warehouse: Path, repeats: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from juesuan.reader import floats_for_decimals
    from juesuan.ui import data
    from juesuan.ui.app import SharedWarehouse, UiConfig, create_app
    from juesuan.warehouse.query import Selection, compare_units, connect_readonly, frame_from_arrow
    from juesuan.warehouse.subject_search import find_subjects

    unit = unit_ids(7)
    year = YEARS[-1]

    shared = SharedWarehouse(warehouse)  # what the web app holds: one instance, a cursor per page

    def on_connection(work: Callable[[Any], object]) -> Callable[[], object]:
        def run() -> object:
            cursor = shared.cursor()
            try:
                return work(cursor)
            finally:
                cursor.close()

        return run

    def unit_year_page(con: Any) -> object:
        return (
            data.unit(con, unit),
            data.unit_years(con, unit, with_budgets=True),
            data.quality(con, unit, year),
            data.headline(con, unit, year),
            data.structure(con, unit, year),
            data.three_public(con, unit, year),
            data.year_over_year(con, unit, year, everything=False),
            data.budget_execution(con, unit, year),
            data.budget_vs_final(con, unit, year),
            data.has_budget(con, unit, year),
            data.findings(con, unit, year, ("error", "warning", "rounding")),
            data.findings(con, unit, year, ("not_checkable",)),
            data.documents(con, unit, year),
            data.parsed_tables(con, unit, year),
        )

    def yoy_of_class(con: Any) -> object:
        # As juesuan.read returns it to a notebook: Arrow → pandas, amounts as float64.
        sql = (
            "SELECT unit_id, year, previous_value, value, change, change_rate FROM year_over_year "
            "WHERE table_name = '支出决算表' AND subject_code = '208' AND column_name = '本年支出合计'"
        )
        return frame_from_arrow(floats_for_decimals(con.sql(sql).to_arrow_table()))

    checks = {
        "open a fresh read-only connection (connect_readonly)": lambda: connect_readonly(warehouse).close(),
        "compare 208 across all units (latest year each)": on_connection(
            lambda con: compare_units(warehouse, subject="208", connection=con).frame
        ),
        "compare 208 across all units, 2020-2024": on_connection(
            lambda con: (
                compare_units(
                    warehouse, subject="208", selection=Selection(years=YEARS, years_span=True), connection=con
                ).frame
            )
        ),
        "compare 208 execution (预算 against 决算), all units": on_connection(
            lambda con: compare_units(warehouse, subject="208", report_measure="execution", connection=con).frame
        ),
        "unit-year page (its 14 queries)": on_connection(unit_year_page),
        "findings of one unit": on_connection(lambda con: data.findings(con, unit)),
        "year over year of one class (208, all units)": on_connection(yoy_of_class),
        "subject suggestions (社会保障)": on_connection(lambda con: find_subjects(con, "社会保障")),
    }
    results: dict[str, Any] = {}
    for name, run in checks.items():
        results[name] = _time(run, repeats)
        check = run()
        results[name]["rows"] = len(check) if hasattr(check, "__len__") else None
    config = UiConfig(warehouse, warehouse.parent / "raw")
    client = TestClient(create_app(config))
    pages = {
        "web: /compare?subject=208": "/compare?subject=208",
        f"web: /unit/{unit}/{year}": f"/unit/{unit}/{year}",
        f"web: /findings?unit={unit}": f"/findings?unit={unit}",
        "web: /api/subjects?q=社会保障": "/api/subjects?q=社会保障",
    }
    for name, url in pages.items():

        def get(url: str = url) -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])
            return response.content

        results[name] = _time(get, repeats)
        results[name]["rows"] = None
    return results


# --- orchestration ---------------------------------------------------------------------------------------------
def child(phase: str, options: dict[str, Any], out: Path) -> None:
    work = Path(options["work"])
    lake, warehouse = work / "lake", work / "juesuan.duckdb"
    if phase == "generate":
        result = generate(lake, options["facts"], options["seed"], options["workers"])
    elif phase == "build":
        result = build(lake, warehouse)
    elif phase == "refresh":
        result = refresh(lake, warehouse)
    elif phase == "queries":
        result = queries(warehouse, options["repeats"])
    else:
        raise SystemExit(f"unknown phase {phase}")
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


def run_phase(phase: str, options: dict[str, Any]) -> dict[str, Any]:
    out = Path(options["work"]) / f"{phase}.json"
    load_before = load_average()
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--child", phase, "--options", json.dumps(options)], check=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    result["wall_seconds"] = time.perf_counter() - start
    result["load_before"] = load_before
    result["load_after"] = load_average()
    return result


def duckdb_version() -> str:
    from importlib.metadata import version

    return version("duckdb")


def report(options: dict[str, Any], phases: dict[str, dict[str, Any]]) -> str:
    generated, built, refreshed, timed = phases["generate"], phases["build"], phases["refresh"], phases["queries"]
    loaded = is_loaded(*(p["load_before"] for p in phases.values()))
    lines = [
        HEADING,
        "",
        f"Run of {today()} on {machine()}, DuckDB {duckdb_version()}: `{command()}`."
        + (" **Provisional: the machine was loaded** (1-min load above half the cores)." if loaded else ""),
        "",
        f"Lake: {generated['units']:,} synthetic units × {generated['years']} years = "
        f"{generated['reports']:,} reports, "
        f"**{generated['facts']:,} facts**, {generated['files']:,} Parquet files, "
        f"{generated['lake_bytes'] / 1e6:,.0f} MB (generated in {generated['seconds']:.0f} s).",
        "",
        markdown_table(
            ["step", "wall", "peak RSS", "what"],
            [
                [
                    "full build (`build_warehouse`)",
                    f"{built['seconds']:.1f} s",
                    f"{built['peak_rss_mb']:,.0f} MB",
                    f"{built['facts']:,} facts, {built['unit_years']:,} unit-years, "
                    f"file {built['bytes'] / 1e6:,.0f} MB",
                ],
                [
                    "one report changed, warehouse refreshed",
                    f"{refreshed['seconds']:.1f} s",
                    f"{refreshed['peak_rss_mb']:,.0f} MB",
                    refreshed["how"],
                ],
            ],
        ),
        "",
        f"Analysts' queries, each on a cursor of one read-only instance (as the web app holds it; opening a "
        f"fresh connection is its own line), {options['repeats']} runs after a warm-up "
        f"(target < {TARGET_MS:.0f} ms):",
        "",
        markdown_table(
            ["query", "median", "p95", "max", "rows", "< 100 ms"],
            [
                [
                    name,
                    f"{r['median_ms']:.1f} ms",
                    f"{r['p95_ms']:.1f} ms",
                    f"{r['max_ms']:.1f} ms",
                    "" if r.get("rows") is None else f"{r['rows']:,}",
                    "yes" if r["median_ms"] < TARGET_MS else "**no**",
                ]
                for name, r in timed.items()
                if name != "peak_rss_mb" and isinstance(r, dict)
            ],
        ),
        "",
        f"Peak RSS of the query process (web app included): {timed['peak_rss_mb']:,.0f} MB.",
    ]
    flat: list[str] = []
    for line in lines:
        flat.extend(line if isinstance(line, list) else [line])
    return "\n".join(flat) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--facts", type=int, default=10_000_000, help="facts in the lake (about)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/juesuan-warehouse-scale"), help="scratch folder")
    parser.add_argument("--workers", type=int, default=2, help="processes generating the lake")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs of each query")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--reuse-lake", action="store_true", help="keep the lake of an earlier run with --work")
    parser.add_argument("--no-write", action="store_true", help="print the results, leave RESULTS.md alone")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        options = json.loads(args.options)
        child(args.child, options, Path(options["work"]) / f"{args.child}.json")
        return
    args.work.mkdir(parents=True, exist_ok=True)
    options = {
        "work": str(args.work),
        "facts": args.facts,
        "workers": args.workers,
        "repeats": args.repeats,
        "seed": args.seed,
    }
    phases: dict[str, dict[str, Any]] = {}
    reuse = args.reuse_lake and (args.work / "generate.json").exists()
    phases["generate"] = (
        json.loads((args.work / "generate.json").read_text(encoding="utf-8")) | {"load_before": load_average()}
        if reuse
        else run_phase("generate", options)
    )
    print(f"generate: {phases['generate']}", flush=True)
    for phase in ("build", "queries", "refresh"):
        phases[phase] = run_phase(phase, options)
        print(f"{phase}: {phases[phase]}", flush=True)
    text = report(options, phases)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(phases, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    main()
