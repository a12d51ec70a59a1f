"""The synthetic corpus: consistent figures, every layout and format read back exactly, injected errors on
record and found by the identity checks in every format, a registry that points at the local web, the web's own
behaviour (ETag, latency, faults, content types), and a mixed-format corpus ingested by the nightly flow."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import httpx
import pandas as pd
import pytest
from test_flow_support import prefect_api, settings_env, use_env  # noqa: F401  (prefect_api is a fixture)

from juesuan import contract as c
from juesuan.errors import UsageError
from juesuan.extract.api import extract_raw_document
from juesuan.extract.document import document_from_bytes
from juesuan.flows.nightly import run_flow
from juesuan.lake import Lake
from juesuan.registry import Registry, Unit, load_registry
from juesuan.simulate.corpus import (
    ERROR_KINDS,
    FAULT_OUTCOMES,
    FORMATS,
    LAYOUT_CHOICES,
    RENDERERS,
    SyntheticReport,
    assign_formats,
    generate_corpus,
    generate_report,
    make_units,
)
from juesuan.simulate.web import CONTENT_TYPES, GovernmentWeb
from juesuan.transform.catalogue import Catalogue
from juesuan.transform.identities import NOT_CHECKABLE, PASSED, compute_checks, reports_from_facts

CATALOGUE = Catalogue.load()
UNIT = make_units(1)[0]
LAYOUTS = [dict(zip(LAYOUT_CHOICES, combo, strict=True)) for combo in itertools.product(*LAYOUT_CHOICES.values())]


def extracted_facts(report: SyntheticReport) -> list[c.Fact]:
    unit = report.unit
    registry = Registry(
        path=Path("synthetic.toml"),
        units=(Unit(unit.id, unit.name, unit.province, unit.city, unit.county, unit.level, unit.kind, (), ()),),
    )
    document = document_from_bytes(report.filename, report.data)
    assert document.format == report.format
    extraction = extract_raw_document(
        document, unit_id=unit.id, year=report.year, registry=registry, catalogue=CATALOGUE
    )
    return extraction.facts


def extract(report: SyntheticReport) -> dict[tuple[str, str, str, str], Decimal]:
    return {
        (f.source_kind, f.table_name, f.subject_code or f.line_item, f.column_name): f.value
        for f in extracted_facts(report)
    }


def verdicts(facts: list[c.Fact]) -> dict[str, str]:
    """Every identity check of one report's facts, by check id: the severity the suites must report."""
    checks = compute_checks(reports_from_facts(pd.DataFrame([asdict(f) for f in facts])))
    return {check.check_id: check.expected_severity() for check in checks}


def table_facts(facts: dict[tuple[str, str, str, str], Decimal]) -> dict[tuple[str, str, str], Decimal]:
    return {key[1:]: value for key, value in facts.items() if key[0] == "table"}


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: "-".join(lay.values()))
def test_every_layout_is_read_back_exactly(layout: dict[str, str]) -> None:
    report = generate_report(UNIT, 2024, seed=11, catalogue=CATALOGUE, layout=layout)
    assert table_facts(extract(report)) == report.expected


def test_same_seed_same_bytes_and_another_seed_other_figures() -> None:
    one = generate_report(UNIT, 2023, seed=5, catalogue=CATALOGUE)
    assert generate_report(UNIT, 2023, seed=5, catalogue=CATALOGUE).data == one.data
    assert generate_report(UNIT, 2023, seed=6, catalogue=CATALOGUE).expected != one.expected


def test_identities_hold_without_injected_errors() -> None:
    for year in (2023, 2024, 2025):
        e = generate_report(UNIT, year, seed=year, catalogue=CATALOGUE).expected

        def get(table: str, key: str, column: str, e: dict[tuple[str, str, str], Decimal] = e) -> Decimal:
            return e.get((table, key, column), Decimal(0))

        for table, columns in (
            (c.EXPENDITURE, ("本年支出合计", "基本支出", "项目支出")),
            (c.GENERAL_BUDGET, ("小计",)),
        ):
            codes = {k for (t, k, _) in e if t == table and k.isdigit()}
            for column in columns:
                classes = [k for k in codes if len(k) == 3]
                assert get(table, "合计", column) == sum(get(table, k, column) for k in classes)
                for code in codes - set(classes):
                    parent = code[:3] if len(code) == 5 else code[:5]
                    siblings = [k for k in codes if len(k) == len(code) and k.startswith(parent)]
                    assert get(table, parent, column) == sum(get(table, k, column) for k in siblings)
        assert get(c.EXPENDITURE, "合计", "本年支出合计") == get(c.EXPENDITURE, "合计", "基本支出") + get(
            c.EXPENDITURE, "合计", "项目支出"
        )
        assert get(c.TOTALS, "收入总计", "金额") == get(c.TOTALS, "支出总计", "金额")
        assert get(c.TOTALS, "本年支出合计", "金额") == get(c.EXPENDITURE, "合计", "本年支出合计")
        assert get(c.GENERAL_BUDGET, "合计", "基本支出") == get(c.BASIC, "人员经费合计", "决算数") + get(
            c.BASIC, "公用经费合计", "决算数"
        )
        for column in ("预算数", "决算数"):
            assert get(c.THREE_PUBLIC, "合计", column) == sum(
                get(c.THREE_PUBLIC, line, column)
                for line in ("因公出国（境）费", "公务用车购置及运行维护费", "公务接待费")
            )


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_injected_errors_are_recorded_and_printed(kind: str) -> None:
    report = generate_report(UNIT, 2024, seed=3, catalogue=CATALOGUE, errors=(kind,))
    (error,) = report.errors
    assert error.kind == kind and error.published != error.consistent
    facts = extract(report)
    key = (error.source_kind, error.table_name, error.subject_code or error.line_item, error.column_name)
    assert facts[key] == error.published
    if kind == "rounding":
        assert abs(error.published - error.consistent) == Decimal("0.01")


def test_narrative_restates_the_tables() -> None:
    report = generate_report(UNIT, 2024, seed=3, catalogue=CATALOGUE, layout={"amount_unit": "元"})
    facts = extract(report)
    narrative = {key[1:]: value for key, value in facts.items() if key[0] == "narrative"}
    assert (
        narrative[(c.EXPENDITURE, "合计", "本年支出合计")] == report.expected[(c.EXPENDITURE, "合计", "本年支出合计")]
    )
    assert narrative[(c.BASIC, "人员经费合计", "决算数")] == report.expected[(c.BASIC, "人员经费合计", "决算数")]
    assert narrative[(c.TOTALS, "收入总计", "金额")] == report.expected[(c.TOTALS, "收入总计", "金额")]


def test_unknown_format_and_layout_values_are_refused() -> None:
    with pytest.raises(UsageError, match=r"invalid format: 'odt' \(allowed: txt, md, pdf, pdf-unruled, docx"):
        generate_report(UNIT, 2024, seed=1, catalogue=CATALOGUE, format="odt")
    with pytest.raises(UsageError, match="layout basic_groups"):
        generate_report(UNIT, 2024, seed=1, catalogue=CATALOGUE, layout={"basic_groups": "5"})
    with pytest.raises(UsageError, match="fault"):
        generate_corpus(Path("/nonexistent"), units=1, years=1, faults={"meteor": 1})


def test_corpus_on_disk_with_faults_errors_manifest_and_registry(tmp_path: Path) -> None:
    corpus = generate_corpus(
        tmp_path, units=4, years=3, seed=2, faults={"not-found": 1, "wrong-year": 1, "empty": 1}, errors={"row-sum": 2}
    )
    assert len(corpus.entries) == 12 and len({(e.unit.id, e.year) for e in corpus.entries}) == 12
    assert sorted(e.fault for e in corpus.entries if e.fault != "none") == ["empty", "not-found", "wrong-year"]
    assert sum(len(e.errors) for e in corpus.entries) == 2
    assert all(not e.errors for e in corpus.entries if e.fault != "none")  # errors go to good reports only
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [r["expected_status"] for r in manifest["reports"]] == [e.expected_status for e in corpus.entries]
    assert set(FAULT_OUTCOMES.values()) == {"loaded", "withdrawn", "failed", "quarantined"}
    empty = next(e for e in corpus.entries if e.fault == "empty")
    assert (corpus.site / empty.path).read_bytes() == b""
    wrong = next(e for e in corpus.entries if e.fault == "wrong-year")
    assert f"{wrong.year - 1}年度部门决算公开" in (corpus.site / wrong.path).read_text(encoding="utf-8")
    assert list(corpus.faults().values()) == ["not-found"]
    registry = load_registry(corpus.write_registry("http://127.0.0.1:9"))
    assert [u.id for u in registry.units] == [u.id for u in corpus.units]
    assert all(r.url.startswith("http://127.0.0.1:9/") and r.format in ("txt", "md") for r in registry.reports())


def test_units_are_unique_and_bounded() -> None:
    units = make_units(200)
    assert len({u.id for u in units}) == 200 and len({u.name for u in units}) == 200
    with pytest.raises(UsageError, match="units"):
        make_units(10_000)


def test_local_web_serves_like_a_real_site(tmp_path: Path) -> None:
    corpus = generate_corpus(tmp_path, units=1, years=2, seed=1, faults={"gone": 1})
    good = next(e for e in corpus.entries if e.fault == "none")
    gone = next(e for e in corpus.entries if e.fault == "gone")
    with GovernmentWeb(corpus.site, corpus.faults(), latency=0.05, max_lifetime=30) as web:
        with httpx.Client(base_url=web.base_url) as client:
            first = client.get(f"/{good.path}")
            assert first.status_code == 200 and first.content == (corpus.site / good.path).read_bytes()
            assert client.get(f"/{good.path}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
            assert client.get(f"/{gone.path}").status_code == 410
            assert client.get("/../../etc/passwd").status_code == 404
        assert web.requests[f"/{good.path}"] == 2 and web.not_modified[f"/{good.path}"] == 1
        assert web.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not running"):
        _ = web.base_url
    with pytest.raises(UsageError, match="fault of /x"):
        GovernmentWeb(corpus.site, {"/x": "empty"})


# --- the other formats: PDF, DOCX, scanned ---------------------------------------------------------------
@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_pdf_and_docx_reports_are_read_back_exactly(kind: str) -> None:
    for index, unit in enumerate(make_units(3)):
        report = generate_report(unit, 2023 + index, seed=20 + index, catalogue=CATALOGUE, format=kind)
        assert report.format == kind and report.filename.endswith(f".{kind}") and report.layout == {}
        assert table_facts(extract(report)) == report.expected


@pytest.mark.parametrize("kind", ["pdf", "pdf-unruled", "docx"])
def test_injected_errors_survive_every_renderer_and_the_checks_judge_alike(kind: str) -> None:
    text = generate_report(UNIT, 2024, seed=3, catalogue=CATALOGUE, errors=ERROR_KINDS)
    other = generate_report(UNIT, 2024, seed=3, catalogue=CATALOGUE, errors=ERROR_KINDS, format=kind)
    assert other.errors == text.errors and other.expected == text.expected
    facts = extract(other)
    for error in other.errors:
        key = (error.source_kind, error.table_name, error.subject_code or error.line_item, error.column_name)
        assert facts[key] == error.published, error.kind
    judged = verdicts(extracted_facts(other))
    assert judged == verdicts(extracted_facts(text))
    broken = Counter(severity for severity in judged.values() if severity not in (PASSED, NOT_CHECKABLE))
    assert broken["error"] > 0 and broken["rounding"] > 0, broken
    clean = generate_report(UNIT, 2024, seed=3, catalogue=CATALOGUE, format=kind)
    assert set(verdicts(extracted_facts(clean)).values()) <= {PASSED, NOT_CHECKABLE}


def test_unruled_pdfs_are_read_back_exactly() -> None:
    """Continuation pages read with fewer columns than their first page (a label column split in two
    there) once lost figures; the first page now gives up its empty label columns to match."""
    misread: dict[str, int] = {}
    for index, unit in enumerate(make_units(6)):
        report = generate_report(unit, 2023 + index % 3, seed=index, catalogue=CATALOGUE, format="pdf-unruled")
        got = table_facts(extract(report))
        wrong = sum(1 for key, value in report.expected.items() if got.get(key) != value)
        if wrong:
            misread[f"{unit.id} {report.year}"] = wrong
    assert not misread


def test_format_shares_are_apportioned_exactly_and_placed_by_seed() -> None:
    one_each = {"txt": 1, "pdf": 1, "docx": 1, "scanned": 1}
    assert Counter(assign_formats(4, one_each, seed=1)) == Counter(one_each)
    shares = {"txt": 0.6, "pdf": 0.25, "docx": 0.1, "scanned": 0.05}
    kinds = assign_formats(1000, shares, seed=1)
    assert Counter(kinds) == Counter({"txt": 600, "pdf": 250, "docx": 100, "scanned": 50})
    assert assign_formats(1000, shares, seed=1) == kinds and assign_formats(1000, shares, seed=2) != kinds
    # Largest remainder; pdf and scanned tie at half a report, and pdf comes first in FORMATS.
    assert Counter(assign_formats(10, shares, seed=0)) == Counter({"txt": 6, "pdf": 3, "docx": 1})
    assert set(FORMATS) <= set(RENDERERS)
    with pytest.raises(UsageError, match="invalid format share: 'odt'"):
        assign_formats(3, {"odt": 1}, seed=0)
    with pytest.raises(UsageError, match="invalid format shares"):
        assign_formats(3, {"txt": 0}, seed=0)


def test_a_mixed_corpus_is_served_and_ingested_in_every_format(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api: str,  # noqa: F811
) -> None:
    # OCR reads a synthetic scanned report exactly too, but takes ~40 s: tests/test_ocr.py covers it.
    monkeypatch.setenv("JUESUAN_OCR", "off")
    corpus = generate_corpus(
        tmp_path / "corpus",
        units=4,
        years=1,
        seed=5,
        formats={"txt": 1, "pdf": 1, "docx": 1, "scanned": 1},
        errors={"class-sum": 1, "narrative-mismatch": 1},
    )
    shares = {"md": "txt"}
    assert sorted(shares.get(e.kind, e.kind) for e in corpus.entries) == ["docx", "pdf", "scanned", "txt"]
    manifest = json.loads((corpus.root / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["kind"], r["format"]) for r in manifest["reports"]] == [(e.kind, e.format) for e in corpus.entries]
    with GovernmentWeb(corpus.site, corpus.faults(), max_lifetime=300) as web:
        with httpx.Client(base_url=web.base_url) as client:
            served = {e.kind: client.get(f"/{e.path}") for e in corpus.entries}
        registry = corpus.write_registry(web.base_url)
        settings = use_env(monkeypatch, settings_env(tmp_path, registry))
        summary = run_flow(settings)
    for entry in corpus.entries:
        response = served[entry.kind]
        assert response.content == (corpus.site / entry.path).read_bytes()
        assert response.headers["Content-Type"] == CONTENT_TYPES[f".{entry.format}"]
    assert [r.format for r in load_registry(registry).reports()] == [e.format for e in corpus.entries]
    outcomes = {o.key: o for o in summary.outcomes}
    lake = Lake(settings.lake)
    facts = lake.read_facts()
    documents = lake.read_documents().set_index(["unit_id", "year"])
    for entry in corpus.entries:
        outcome = outcomes[(entry.unit.id, entry.year, "决算")]
        assert documents.loc[(entry.unit.id, entry.year), "format"] == entry.format
        if entry.kind == "scanned":
            assert outcome.status == "quarantined" and "no OCR engine" in (outcome.error or ""), outcome.error
            continue
        assert outcome.status == "loaded", (entry.kind, outcome.error)
        mine = facts[(facts.unit_id == entry.unit.id) & (facts.year == entry.year) & (facts.source_kind == "table")]
        read = {
            (r.table_name, r.line_item if pd.isna(r.subject_code) else r.subject_code, r.column_name): r.value
            for r in mine.itertuples()
        }
        assert read == entry.expected, entry.kind
