"""The ground truth the samples render: contract table facts per unit, as small CSV files.

The facts are those juesuan extracts from the five corpus text exports (figures, codes and names:
facts, not prose). Units whose tables were published as images (大竹, 乌海) contribute the figures
their narrative states, placed in the tables those figures belong to. Only what the standard grids
can show is kept: a line that no table layout has a row for (授予中小企业合同金额, 国内公务接待费 …)
and the 项目支出 table (keyed by economic codes in prose only) are left out.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from juesuan import contract as c

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "facts"
COLUMNS = ("table_name", "subject_code", "line_item", "column_name", "value")

#: Line items of the line-keyed tables that a standard grid has a row for.
RENDERABLE_LINES: dict[str, frozenset[str]] = {
    c.THREE_PUBLIC: frozenset(
        ("合计", "因公出国（境）费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费")
    ),
    c.RELATED_INFO: frozenset(
        (
            "政府采购合计",
            "政府采购货物",
            "政府采购工程",
            "政府采购服务",
            "机关运行经费（行政单位）",
            "机关运行经费（参照公务员法管理事业单位）",
            "车辆数合计",
            "副部（省）级及以上领导用车",
            "主要负责人用车",
            "机要通信用车",
            "应急保障用车",
            "执法执勤用车",
            "特种专业技术用车",
            "离退休干部服务用车",
            "其他用车",
            "单价100万元（含）以上设备",
        )
    ),
}
RENDERED_TABLES = tuple(t for t in c.TABLE_NAMES if t != c.PROJECT)
COUNT_COLUMNS = ("数量（辆）", "数量（台套）")


@dataclass(frozen=True)
class TruthFact:
    """One rendered figure: the contract key without unit/year, and its value."""

    table_name: str
    subject_code: str | None
    line_item: str
    column_name: str
    value: Decimal

    @property
    def subject_key(self) -> str:
        return self.subject_code if self.subject_code is not None else self.line_item

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table_name, self.subject_key, self.column_name)

    @property
    def is_count(self) -> bool:
        return self.column_name in COUNT_COLUMNS


def renderable(fact: TruthFact) -> bool:
    if fact.table_name not in RENDERED_TABLES:
        return False
    lines = RENDERABLE_LINES.get(fact.table_name)
    return lines is None or fact.line_item in lines


def select_truth(facts: list[c.Fact]) -> list[TruthFact]:
    """Table facts when the report has tables, else its narrative figures; only renderable ones."""
    tables = [f for f in facts if f.source_kind == "table"]
    chosen = tables or [f for f in facts if f.source_kind == "narrative"]
    truth = [TruthFact(f.table_name, f.subject_code, f.line_item, f.column_name, f.value) for f in chosen]
    kept = [t for t in truth if renderable(t)]
    if len(kept) < len(truth):
        log.info("left out %d figure(s) no standard grid shows", len(truth) - len(kept))
    return kept


def format_value(fact: TruthFact) -> str:
    """As printed in a table: counts as integers, amounts with at least two decimals."""
    if fact.is_count:
        return str(int(fact.value))
    value = fact.value
    if value.as_tuple().exponent >= -2:  # type: ignore[operator]
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}"


def dumps(facts: list[TruthFact]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in facts:
        writer.writerow((f.table_name, f.subject_code or "", f.line_item, f.column_name, format_value(f)))
    return buffer.getvalue()


def loads(text: str) -> list[TruthFact]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return [
        TruthFact(r["table_name"], r["subject_code"] or None, r["line_item"], r["column_name"], Decimal(r["value"]))
        for r in rows
    ]


def load_truth(unit_id: str, data_dir: Path = DATA_DIR) -> list[TruthFact]:
    path = data_dir / f"{unit_id}.csv"
    return loads(path.read_text(encoding="utf-8"))


def refresh_from_corpus(registry_path: Path, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Re-derive ``facts/<unit>.csv`` from the text exports a registry names (e.g. ``registry/units.toml``
    with the corpus beside the project): a maintainer's step, not part of the main job."""
    from juesuan.extract.api import extract_document
    from juesuan.lake import write_bytes_atomic
    from juesuan.registry import load_registry

    registry = load_registry(registry_path)
    counts: dict[str, int] = {}
    for report in registry.reports():
        extraction = extract_document(report.local_path(), unit_id=report.unit_id, year=report.year, registry=registry)
        truth = select_truth(extraction.facts)
        write_bytes_atomic(dumps(truth).encode("utf-8"), data_dir / f"{report.unit_id}.csv")
        counts[report.unit_id] = len(truth)
    return counts
