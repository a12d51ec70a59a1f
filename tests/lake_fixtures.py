"""A small lake built by hand from real figures of the corpus reports (for warehouse tests).

What it holds (万元):

- datong-sic 2023: tables (总表, 收入, 支出, 一般公共预算支出, 基本支出) plus two narrative restatements;
  2022: one narrative figure (一般公共预算财政拨款支出 合计 3060.66, from the 2023 report's comparison).
- dazhu-sic 2023: narrative only (tables were images).
- chaoyang-sic 2024: 总表, 财政拨款总表 and 一般公共预算支出 tables, no 支出决算表; 基本支出 by class from
  the narrative; one repaired code (3010 基本工资 → 30101).
- jincheng-hrss 2023: tables with 2080108 and 2080110 but no 2080109; 收入总计 only in the narrative.
- wuhai-sic 2024: narrative only.
- taiyuan-sic: registered, one quarantined document, no facts.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from juesuan.contract import (
    BASIC,
    EXPENDITURE,
    FINAL,
    FISCAL_TOTALS,
    GENERAL_BUDGET,
    INCOME,
    TOTALS,
    Fact,
    validate_facts,
)
from juesuan.extract.base import CodeRepair, TableReport
from juesuan.lake import Lake
from juesuan.registry import Registry, Report, Unit
from juesuan.transform.catalogue import Catalogue

UNITS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("datong-sic", "大同市社会保险中心", "山西省", "大同市", "", "市级", "参公事业单位"),
    ("dazhu-sic", "大竹县社会保险事业管理局", "四川省", "达州市", "大竹县", "县级", "参公事业单位"),
    ("chaoyang-sic", "辽宁省朝阳市社会保险事业服务中心", "辽宁省", "朝阳市", "", "市级", "事业单位"),
    ("jincheng-hrss", "晋城市人力资源和社会保障综合服务中心", "山西省", "晋城市", "", "市级", "事业单位"),
    ("wuhai-sic", "乌海市社会保险事业服务中心", "内蒙古自治区", "乌海市", "", "市级", "事业单位"),
    ("taiyuan-sic", "太原市社会保险中心", "山西省", "太原市", "", "市级", "事业单位"),
)
UNIT_IDS = tuple(u[0] for u in UNITS)
REPORT_YEARS: dict[str, tuple[int, ...]] = {
    "datong-sic": (2022, 2023),
    "dazhu-sic": (2023,),
    "chaoyang-sic": (2024,),
    "jincheng-hrss": (2023,),
    "wuhai-sic": (2024,),
    "taiyuan-sic": (2023,),
}
FETCHED_AT = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def sha(unit_id: str, year: int) -> str:
    return hashlib.sha256(f"{unit_id}/{year}".encode()).hexdigest()


# (table, code or None, line_item, column, value, source_kind)
Row = tuple[str, str | None, str, str, str, str]
T, N = "table", "narrative"

FIGURES: dict[tuple[str, int], list[Row]] = {
    ("datong-sic", 2023): [
        (TOTALS, None, "收入总计", "金额", "5570.34", T),
        (TOTALS, None, "支出总计", "金额", "5570.34", T),
        (TOTALS, None, "本年收入合计", "金额", "5569.36", T),
        (TOTALS, None, "本年支出合计", "金额", "5570.34", T),
        (TOTALS, None, "一般公共预算财政拨款收入", "金额", "5569.36", T),
        (TOTALS, "208", "社会保障和就业支出", "金额", "5347.97", T),
        (TOTALS, "210", "卫生健康支出", "金额", "59.40", T),
        (TOTALS, "221", "住房保障支出", "金额", "162.97", T),
        (INCOME, None, "合计", "本年收入合计", "5569.36", T),
        (INCOME, None, "合计", "财政拨款收入", "5569.36", T),
        (INCOME, "208", "社会保障和就业支出", "本年收入合计", "5347.00", T),
        (EXPENDITURE, None, "合计", "本年支出合计", "5570.34", T),
        (EXPENDITURE, None, "合计", "基本支出", "2387.35", T),
        (EXPENDITURE, None, "合计", "项目支出", "3182.99", T),
        (EXPENDITURE, "208", "社会保障和就业支出", "本年支出合计", "5347.97", T),
        (EXPENDITURE, "20801", "人力资源和社会保障管理事务", "本年支出合计", "1735.73", T),
        (EXPENDITURE, "2080109", "社会保险经办机构", "本年支出合计", "1735.73", T),
        (EXPENDITURE, "210", "卫生健康支出", "本年支出合计", "59.40", T),
        (EXPENDITURE, "221", "住房保障支出", "本年支出合计", "162.97", T),
        (GENERAL_BUDGET, None, "合计", "小计", "5569.36", T),
        (GENERAL_BUDGET, None, "合计", "基本支出", "2386.46", T),
        (GENERAL_BUDGET, None, "合计", "项目支出", "3182.90", T),
        (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "5347.00", T),
        (GENERAL_BUDGET, "20801", "人力资源和社会保障管理事务", "小计", "1734.75", T),
        (GENERAL_BUDGET, "2080109", "社会保险经办机构", "小计", "1734.75", T),
        (GENERAL_BUDGET, "210", "卫生健康支出", "小计", "59.40", T),
        (GENERAL_BUDGET, "221", "住房保障支出", "小计", "162.97", T),
        (BASIC, "301", "工资福利支出", "决算数", "1557.94", T),
        (BASIC, "30101", "基本工资", "决算数", "516.01", T),
        (BASIC, "302", "商品和服务支出", "决算数", "117.49", T),
        (BASIC, "303", "对个人和家庭的补助", "决算数", "711.03", T),
        (TOTALS, None, "收入总计", "金额", "5570.34", N),
        (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "5347.00", N),
    ],
    ("datong-sic", 2022): [
        (GENERAL_BUDGET, None, "合计", "小计", "3060.66", N),
    ],
    ("dazhu-sic", 2023): [
        (TOTALS, None, "收入总计", "金额", "674.37", N),
        (TOTALS, None, "本年收入合计", "金额", "648.54", N),
        (TOTALS, None, "本年支出合计", "金额", "674.37", N),
        (TOTALS, None, "一般公共预算财政拨款收入", "金额", "648.54", N),
        (EXPENDITURE, None, "合计", "基本支出", "578.15", N),
        (EXPENDITURE, None, "合计", "项目支出", "96.22", N),
        (GENERAL_BUDGET, None, "合计", "小计", "674.37", N),
        (GENERAL_BUDGET, "206", "科学技术支出", "小计", "4.47", N),
        (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "607.08", N),
        (GENERAL_BUDGET, "2080109", "社会保险经办机构", "小计", "577.12", N),
        (GENERAL_BUDGET, "210", "卫生健康支出", "小计", "36.32", N),
        (GENERAL_BUDGET, "221", "住房保障支出", "小计", "26.51", N),
        (BASIC, None, "人员经费合计", "决算数", "507.2", N),
        (BASIC, None, "公用经费合计", "决算数", "70.95", N),
    ],
    ("chaoyang-sic", 2024): [
        (TOTALS, None, "收入总计", "金额", "2079.31", T),
        (TOTALS, None, "本年收入合计", "金额", "2079.31", T),
        (TOTALS, None, "本年支出合计", "金额", "2079.31", T),
        (FISCAL_TOTALS, None, "本年收入合计", "金额", "2079.31", T),
        (GENERAL_BUDGET, None, "合计", "小计", "2079.31", T),
        (GENERAL_BUDGET, None, "合计", "基本支出", "1018.34", T),
        (GENERAL_BUDGET, None, "合计", "项目支出", "1060.97", T),
        (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "1968.11", T),
        (GENERAL_BUDGET, "20801", "人力资源和社会保障管理事务", "小计", "814.57", T),
        (GENERAL_BUDGET, "2080109", "社会保险经办机构", "小计", "26.50", T),
        (GENERAL_BUDGET, "210", "卫生健康支出", "小计", "44.58", T),
        (GENERAL_BUDGET, "221", "住房保障支出", "小计", "66.63", T),
        (BASIC, "30101", "基本工资", "决算数", "267.42", T),
        (BASIC, "301", "工资福利支出", "决算数", "724.73", N),
        (BASIC, "302", "商品和服务支出", "决算数", "269.65", N),
        (BASIC, "303", "对个人和家庭的补助", "决算数", "23.96", N),
    ],
    ("jincheng-hrss", 2023): [
        (TOTALS, None, "收入总计", "金额", "516.85", N),
        (INCOME, None, "合计", "本年收入合计", "430.21", T),
        (INCOME, None, "合计", "财政拨款收入", "430.21", T),
        (EXPENDITURE, None, "合计", "本年支出合计", "430.21", T),
        (EXPENDITURE, None, "合计", "基本支出", "288.68", T),
        (EXPENDITURE, None, "合计", "项目支出", "141.53", T),
        (EXPENDITURE, "208", "社会保障和就业支出", "本年支出合计", "389.81", T),
        (EXPENDITURE, "210", "卫生健康支出", "本年支出合计", "16.51", T),
        (EXPENDITURE, "221", "住房保障支出", "本年支出合计", "23.88", T),
        (GENERAL_BUDGET, None, "合计", "小计", "430.21", T),
        (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "389.81", T),
        (GENERAL_BUDGET, "20801", "人力资源和社会保障管理事务", "小计", "362.07", T),
        (GENERAL_BUDGET, "2080108", "信息化建设", "小计", "141.53", T),
        (GENERAL_BUDGET, "2080110", "劳动关系和维权", "小计", "220.55", T),
        (GENERAL_BUDGET, "210", "卫生健康支出", "小计", "16.51", T),
        (GENERAL_BUDGET, "221", "住房保障支出", "小计", "23.88", T),
        (BASIC, "301", "工资福利支出", "决算数", "262.49", T),
        (BASIC, "302", "商品和服务支出", "决算数", "26.01", T),
        (BASIC, "303", "对个人和家庭的补助", "决算数", "0.18", T),
    ],
    ("wuhai-sic", 2024): [
        (TOTALS, None, "收入总计", "金额", "1958.13", N),
        (TOTALS, None, "本年收入合计", "金额", "1956.06", N),
        (TOTALS, None, "本年支出合计", "金额", "1958.13", N),
        (TOTALS, None, "一般公共预算财政拨款收入", "金额", "1956.06", N),
        (EXPENDITURE, None, "合计", "基本支出", "500.32", N),
        (EXPENDITURE, None, "合计", "项目支出", "1457.80", N),
        (GENERAL_BUDGET, "201", "一般公共服务支出", "小计", "5.63", N),
        (GENERAL_BUDGET, "208", "社会保障和就业支出", "小计", "1888.42", N),
        (GENERAL_BUDGET, "2080109", "社会保险经办机构", "小计", "447.25", N),
        (GENERAL_BUDGET, "210", "卫生健康支出", "小计", "22.37", N),
    ],
}


def make_facts(
    unit_id: str, year: int, rows: list[Row], report_kind: str = FINAL, document_sha256: str | None = None
) -> list[Fact]:
    facts = [
        Fact(
            unit_id=unit_id,
            year=year,
            table_name=table,
            subject_code=code,
            line_item=line,
            column_name=column,
            value=Decimal(value),
            source_kind=kind,
            extractor="text-table" if kind == T else "narrative-regex",
            document_sha256=document_sha256 or sha(unit_id, year),
            page=index + 1 if kind == T else None,
            raw_text=value,
            report_kind=report_kind,
        )
        for index, (table, code, line, column, value, kind) in enumerate(rows)
    ]
    validate_facts(facts)
    return facts


def sample_registry(root: Path) -> Registry:
    units = tuple(
        Unit(
            id=unit_id,
            name=name,
            province=province,
            city=city,
            county=county,
            level=level,
            kind=kind,
            stewards=(f"{unit_id}@example.org",),
            reports=tuple(
                Report(unit_id=unit_id, year=year, url=f"https://example.gov.cn/{unit_id}/{year}.pdf", format="pdf")
                for year in REPORT_YEARS[unit_id]
            ),
        )
        for unit_id, name, province, city, county, level, kind in UNITS
    )
    return Registry(path=root / "units.toml", units=units)


def write_report(lake: Lake, unit_id: str, year: int, rows: list[Row], report_kind: str = FINAL) -> None:
    """Write one report's partitions and record its document as loaded (a 预算 report: its own document,
    ``budget_sha``, in the ``….budget.parquet`` files beside the 决算's)."""
    document = sha(unit_id, year) if report_kind == FINAL else budget_sha(unit_id, year)
    facts = make_facts(unit_id, year, rows, report_kind=report_kind, document_sha256=document)
    repairs: list[CodeRepair] = []
    tables = [
        TableReport(title=name, table_name=name, status="ok", extractor="text-table", facts=count)
        for name, count in _table_counts(rows).items()
    ]
    if (unit_id, year, report_kind) == ("chaoyang-sic", 2024, FINAL):
        repairs.append(
            CodeRepair(
                document_sha256=document,
                table_name=BASIC,
                page=9,
                raw_code="3010",
                raw_name="基本工资",
                code="30101",
                status="repaired",
                reason="code '3010' is not a valid economic code; '基本工资' is 30101 基本工资",
            )
        )
        tables.append(TableReport(title="绩效自评表", table_name=None, status="unrecognised", extractor="text-table"))
    lake.write_report(unit_id, year, document, facts, repairs, tables, report_kind=report_kind)
    lake.record_document(
        sha256=document,
        unit_id=unit_id,
        year=year,
        url=f"https://example.gov.cn/{unit_id}/{year}{'' if report_kind == FINAL else '-budget'}.pdf",
        format="pdf",
        pages=20,
        status="loaded",
        error=None,
        fetched_at=FETCHED_AT,
        report_kind=report_kind,
    )


def budget_sha(unit_id: str, year: int) -> str:
    """The document of a unit-year's 预算 report (another than its 决算's)."""
    return sha(unit_id, year * 10)


def _table_counts(rows: list[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, _code, _line, _column, _value, kind in rows:
        if kind == T:
            counts[table] = counts.get(table, 0) + 1
    return counts


def build_sample_lake(root: Path) -> Lake:
    """The sample lake under ``root`` (see the module docstring)."""
    lake = Lake(root)
    lake.write_units(sample_registry(root))
    lake.write_subjects(Catalogue.load().frame())
    for (unit_id, year), rows in FIGURES.items():
        write_report(lake, unit_id, year, rows)
    lake.record_document(
        sha256=sha("taiyuan-sic", 2023),
        unit_id="taiyuan-sic",
        year=2023,
        url="https://example.gov.cn/taiyuan-sic/2023.pdf",
        format="pdf",
        pages=None,
        status="quarantined",
        error="neither a standard table nor a narrative figure",
        fetched_at=FETCHED_AT,
    )
    return lake


def build_sample_warehouse(root: Path) -> Path:
    """The sample lake under ``root / "lake"`` and its warehouse ``root / "juesuan.duckdb"`` (returned)."""
    from juesuan.warehouse.build import build_warehouse

    build_sample_lake(root / "lake")
    build_warehouse(root / "lake", root / "juesuan.duckdb")
    return root / "juesuan.duckdb"


# --- a report with a table juesuan did not read reliably ----------------------------------------------------------
#: The reader's reason for the 收入决算表 of :func:`write_report_with_unread_income`.
UNREAD_INCOME_REASON = "2 cells with text became no figure"
#: Its pages.
UNREAD_INCOME_PAGES = [7, 8]
#: A report whose 收入决算表 (pages 7–8) was misread: 合计 本年收入合计 read as 90 (printed 100) and 财政拨款收入
#: lost. Read as blanks = 0 these would make errors of R03, R07, R10 and R13; one genuine inconsistency remains:
#: the narrative's 基本支出 75 against the 支出决算表's 70 (R13).
UNREAD_INCOME_ROWS: list[Row] = [
    (TOTALS, None, "一般公共预算财政拨款收入", "金额", "100", T),
    (TOTALS, None, "本年收入合计", "金额", "100", T),
    (TOTALS, None, "收入总计", "金额", "100", T),
    (TOTALS, "208", "社会保障和就业支出", "金额", "100", T),
    (TOTALS, None, "本年支出合计", "金额", "100", T),
    (TOTALS, None, "支出总计", "金额", "100", T),
    (INCOME, None, "合计", "本年收入合计", "90", T),
    (EXPENDITURE, None, "合计", "本年支出合计", "100", T),
    (EXPENDITURE, None, "合计", "基本支出", "70", T),
    (EXPENDITURE, None, "合计", "项目支出", "30", T),
    (EXPENDITURE, "208", "社会保障和就业支出", "本年支出合计", "100", T),
    (EXPENDITURE, "208", "社会保障和就业支出", "基本支出", "70", T),
    (EXPENDITURE, "208", "社会保障和就业支出", "项目支出", "30", T),
    (FISCAL_TOTALS, None, "一般公共预算财政拨款收入", "金额", "100", T),
    (FISCAL_TOTALS, None, "本年收入合计", "金额", "100", T),
    (FISCAL_TOTALS, None, "收入总计", "金额", "100", T),
    (FISCAL_TOTALS, "208", "社会保障和就业支出", "合计", "100", T),
    (FISCAL_TOTALS, "208", "社会保障和就业支出", "一般公共预算财政拨款", "100", T),
    (FISCAL_TOTALS, None, "本年支出合计", "合计", "100", T),
    (FISCAL_TOTALS, None, "本年支出合计", "一般公共预算财政拨款", "100", T),
    (FISCAL_TOTALS, None, "支出总计", "合计", "100", T),
    (FISCAL_TOTALS, None, "支出总计", "一般公共预算财政拨款", "100", T),
    (INCOME, None, "合计", "本年收入合计", "100", N),
    (EXPENDITURE, None, "合计", "基本支出", "75", N),
]


def write_report_with_unread_income(lake: Lake, unit_id: str = "datong-sic", year: int = 2023) -> None:
    """Write :data:`UNREAD_INCOME_ROWS` as one report whose parsing report marks 收入决算表 unreliable."""
    tables = [
        TableReport(
            title="收入支出决算总表", table_name=TOTALS, status="ok", extractor="pdfium-grid", page=5, pages=[5, 6]
        ),
        TableReport(
            title="收入决算表",
            table_name=INCOME,
            status="ok",
            extractor="pdfium-grid",
            page=UNREAD_INCOME_PAGES[0],
            facts=1,
            reading="pdfium-grid (glyph rows)",
            reconciled="unreconciled",
            reliable=False,
            unreliable_reason=UNREAD_INCOME_REASON,
            pages=list(UNREAD_INCOME_PAGES),
        ),
        TableReport(
            title="支出决算表",
            table_name=EXPENDITURE,
            status="ok",
            extractor="pdfium-grid",
            page=9,
            facts=6,
            reading="pdfium-grid",
            reconciled="exact",
            pages=[9],
        ),
    ]
    lake.write_report(unit_id, year, sha(unit_id, year), make_facts(unit_id, year, UNREAD_INCOME_ROWS), [], tables)
