"""The synthetic corpus: consistent figures, every layout read back exactly, injected errors on record,
a registry that points at the local web, and the web's own behaviour (ETag, latency, faults)."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from juesuan import contract as c
from juesuan.errors import UsageError
from juesuan.extract.api import extract_raw_document
from juesuan.extract.document import document_from_bytes
from juesuan.registry import Registry, Unit, load_registry
from juesuan.simulate.corpus import (
    ERROR_KINDS,
    FAULT_OUTCOMES,
    LAYOUT_CHOICES,
    SyntheticReport,
    generate_corpus,
    generate_report,
    make_units,
)
from juesuan.simulate.web import GovernmentWeb
from juesuan.transform.catalogue import Catalogue

CATALOGUE = Catalogue.load()
UNIT = make_units(1)[0]
LAYOUTS = [dict(zip(LAYOUT_CHOICES, combo, strict=True)) for combo in itertools.product(*LAYOUT_CHOICES.values())]


def extract(report: SyntheticReport) -> dict[tuple[str, str, str, str], Decimal]:
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
    return {
        (f.source_kind, f.table_name, f.subject_code or f.line_item, f.column_name): f.value for f in extraction.facts
    }


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
    with pytest.raises(UsageError, match=r"invalid format: 'pdf' \(allowed: txt, md\)"):
        generate_report(UNIT, 2024, seed=1, catalogue=CATALOGUE, format="pdf")
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
