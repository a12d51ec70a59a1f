"""The classification catalogue: its editions, what it resolves, and the codes real reports print."""

from __future__ import annotations

import csv

import pytest
from conftest import CORPUS_FILES, corpus_path, real_path

from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, LEVELS, Catalogue, Resolution, well_formed
from juesuan.transform.catalogue_observed import observe, pairs_in_text

CATALOGUE = Catalogue.load()
#: 部门预算支出经济分类's 类 (docs/design contract §4).
ECONOMIC_CLASSES = ("301", "302", "303", "307", "309", "310", "311", "312", "313", "399")
#: What a real document prints that the catalogue rightly does not take as the national classification:
#: 普陀区社会福利院's 2024 unit budget numbers its own 商品和服务支出 lines (302 02 咨询费, 302 10 车辆运行费 …).
OWN_NUMBERING = "sh-putuo-shehuifuliyuan-2024-unit-budget.pdf"


def name_of(code: str, classification: str, year: int | None) -> str:
    subject = CATALOGUE.get(code, classification, year)
    assert subject is not None, (code, year)
    return subject.name


def resolve(code: str, name: str, year: int | None = 2024) -> Resolution:
    if code.startswith("3"):
        return CATALOGUE.resolve_economic(code, name, year)
    return CATALOGUE.resolve_functional(code, name, year)


# --- the data --------------------------------------------------------------------------------------------


def test_rows_are_consistent_in_every_year() -> None:
    """One row per code and year, levels by code length, and every parent valid whenever its child is."""
    for year in range(2017, 2027):
        valid = [s for s in CATALOGUE.subjects if s.valid_in(year)]
        keys = [(s.classification, s.code) for s in valid]
        assert len(keys) == len(set(keys)), f"two editions of one code in {year}"
        known = set(keys)
        for subject in valid:
            assert subject.level == LEVELS[(len(subject.code) - 3) // 2]
            assert well_formed(subject.code, subject.classification), subject
            if subject.level == "类":
                assert subject.parent_code is None
            else:
                assert subject.parent_code == subject.code[: len(subject.code) - 2]
                assert (subject.classification, subject.parent_code) in known, (subject, year)
    for subject in CATALOGUE.subjects:
        assert subject.valid_to_year is None or subject.valid_from_year <= subject.valid_to_year


def test_every_economic_class_of_the_contract() -> None:
    for year in (2018, 2023, 2024, 2025):
        classes = {s.code for s in CATALOGUE.children(None, ECONOMIC, year)}
        assert classes == set(ECONOMIC_CLASSES)
        for code in ECONOMIC_CLASSES:
            if code != "399":
                assert CATALOGUE.children(code, ECONOMIC, year), f"{code} has no 款 in {year}"


def test_functional_classes_and_items_of_the_current_editions() -> None:
    classes = {s.code for s in CATALOGUE.children(None, FUNCTIONAL, 2024)}
    assert {str(c) for c in range(201, 218)} <= classes
    assert {"219", "220", "221", "222", "223", "224", "227", "229", "230", "231", "232", "233", "234"} <= classes
    for code, name in {
        "20139": "社会工作事务",
        "2013901": "行政运行",
        "2013950": "事业运行",
        "2013999": "其他社会工作事务支出",
        "21201": "城乡社区管理事务",
        "2120101": "行政运行",
        "21202": "城乡社区规划与管理",
        "2120201": "城乡社区规划与管理",
        "22001": "自然资源事务",
        "2200150": "事业运行",
        "2200199": "其他自然资源事务支出",
    }.items():
        for year in (2024, 2025):
            assert name_of(code, FUNCTIONAL, year) == name, (code, year)
    assert CATALOGUE.get("20139", FUNCTIONAL, 2023) is None  # added by the 2024 edition


def test_get_without_a_year_is_the_current_edition() -> None:
    assert name_of("210", FUNCTIONAL, None) == "卫生健康支出"
    assert name_of("210", FUNCTIONAL, 2018) == "医疗卫生与计划生育支出"


# --- editions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "old", "new", "old_year", "new_year"),
    [
        ("2200199", "其他国土资源事务支出", "其他自然资源事务支出", 2018, 2024),
        ("210", "医疗卫生与计划生育支出", "卫生健康支出", 2017, 2024),
        ("20805", "行政事业单位离退休", "行政事业单位养老支出", 2019, 2023),
    ],
)
def test_a_renamed_subject_resolves_in_both_editions_by_either_name(
    code: str, old: str, new: str, old_year: int, new_year: int
) -> None:
    assert name_of(code, FUNCTIONAL, old_year) == old
    assert name_of(code, FUNCTIONAL, new_year) == new
    level = LEVELS[(len(code) - 3) // 2]
    for year in (old_year, new_year):
        for name in (old, new):
            resolution = CATALOGUE.resolve_functional(code, name, year)
            assert (resolution.code, resolution.status, resolution.reason) == (code, "ok", "")
            assert [s.code for s in CATALOGUE.by_name(name, FUNCTIONAL, level=level, year=year)] == [code]


def test_economic_editions_before_and_after_the_2018_reform() -> None:
    assert name_of("30311", ECONOMIC, 2017) == "住房公积金"
    assert name_of("30311", ECONOMIC, 2024) == "代缴社会保险费"
    assert name_of("310", ECONOMIC, 2017) == "其他资本性支出"
    assert name_of("310", ECONOMIC, 2018) == "资本性支出"
    # The 2017 name of 30104 as Jiangsu printed it resolves; 30112 is the 2018 edition's.
    assert resolve("30104", "其他社会保障缴费", 2017).status == "ok"
    assert [s.code for s in CATALOGUE.by_name("其他社会保障缴费", ECONOMIC, year=2017)] == ["30104"]
    assert [s.code for s in CATALOGUE.by_name("其他社会保障缴费", ECONOMIC, year=2024)] == ["30112"]


# --- resolution --------------------------------------------------------------------------------------------


def test_known_code_is_ok_and_a_differing_name_is_noted() -> None:
    assert resolve("2080502", "事业单位离休退休") == Resolution("2080502", "事业单位离休退休", "2080502", "ok")
    cut = resolve("30108", "机关事业单位基本养老保")  # a cell cut short: ok, not a repair to itself
    assert (cut.code, cut.status) == ("30108", "ok") and "differs" in cut.reason
    other = resolve("30202", "咨询费")  # the printed code is authoritative
    assert (other.code, other.status) == ("30202", "ok") and "印刷费" in other.reason
    functional = resolve("2120201", "城乡社区规划")
    assert (functional.code, functional.status) == ("2120201", "ok") and "differs" in functional.reason


@pytest.mark.parametrize(
    ("code", "name", "year"),
    [
        ("2013998", "某新设事务支出", 2024),  # a 项 the catalogue lacks
        ("20198", "某新设事务", 2025),  # a 款
        ("235", "某新设类支出", 2025),  # a 类
        ("30210", "车辆运行费", 2024),  # an economic 款 (a unit's own numbering)
        ("2040404", "查办和预防职务犯罪", 2024),  # a code of an earlier edition only
        ("2013901", "行政运行", 2023),  # a code of a later edition only
    ],
)
def test_a_well_formed_unknown_code_with_a_name_is_observed(code: str, name: str, year: int) -> None:
    resolution = resolve(code, name, year)
    assert (resolution.code, resolution.status, resolution.resolved) == (code, "observed", True)
    assert f"code {code} not in the catalogue" in resolution.reason and "kept as printed" in resolution.reason


def test_observed_reason_names_the_edition_that_has_the_code() -> None:
    resolution = resolve("2040404", "查办和预防职务犯罪", 2024)
    assert "2017–2018" in resolution.reason


@pytest.mark.parametrize(
    ("code", "name", "repaired"),
    [
        ("3010", "基本工资", "30101"),  # 朝阳's truncated economic codes
        ("3010", "机关事业单位基本养老保险", "30108"),
        ("3023", "其他交通费用", "30239"),
        ("3019", "其他工资福利", "30199"),
        ("301", "基本工资", "30101"),  # a 款 printed with its 类's code
        ("208050", "机关事业单位基本养老保险缴费支出", "2080505"),  # a functional code missing a digit
    ],
)
def test_a_damaged_code_is_repaired_by_name(code: str, name: str, repaired: str) -> None:
    resolution = resolve(code, name)
    assert (resolution.code, resolution.status) == (repaired, "repaired")


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("3120", "其他资本性补助"),  # malformed, and no subject of that name
        ("2000101", "行政运行"),  # 类 200 does not exist
        ("2080001", "行政运行"),  # 款 00 does not exist; 行政运行 is under many 款
        ("12345", "某事务"),
        ("2013998", ""),  # well-formed but printed without a name: nothing to keep
    ],
)
def test_a_malformed_code_that_cannot_be_repaired_is_unresolved(code: str, name: str) -> None:
    resolution = resolve(code, name)
    assert (resolution.code, resolution.status, resolution.resolved) == (None, "unresolved", False)


def test_narrative_names_and_chains_still_resolve() -> None:
    assert CATALOGUE.resolve_economic(None, "基本工资", 2024).code == "30101"
    chain = [("社会保障和就业", "208"), ("人力资源和社会保障管理事务", "01"), ("社会保险经办机构", "09")]
    assert CATALOGUE.resolve_chain(chain, 2024).code == "2080109"
    named = [("社会保障和就业", None), ("人力资源和社会保障管理事务", None), ("社会保险经办机构", None)]
    assert CATALOGUE.resolve_chain(named, 2023).code == "2080109"


# --- the codes real reports print ----------------------------------------------------------------------------


def test_every_code_of_the_real_final_reports_resolves_ok_for_2024() -> None:
    path = real_path("final/truth_tables.csv")
    with path.open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle) if row["code"].isdigit()}
    assert {len(c) for c in codes} == {3, 5, 7}
    for code in sorted(codes):
        resolution = resolve(code, "", 2024)
        assert (resolution.code, resolution.status) == (code, "ok"), resolution


def test_every_code_and_name_the_real_documents_print_resolves() -> None:
    """Every (code, name) read from the real PDFs and the corpus: ok in its year, except one unit's numbering."""
    paths = [*sorted(real_path("final").glob("*.pdf")), *sorted(real_path("budget").glob("*.pdf"))]
    found = observe([*paths, *(corpus_path(unit_id) for unit_id in CORPUS_FILES)])
    assert len(found) > 250
    for (_, code), observed in found.items():
        for name, seen in observed.names.items():
            for source, year in seen:
                resolution = resolve(code, name, year)
                expected = {"ok", "observed"} if source == OWN_NUMBERING else {"ok"}
                assert resolution.status in expected, (source, resolution)


def test_pairs_in_text_reads_table_rows_split_codes_wrapped_names_and_chains() -> None:
    text = "\n".join(
        [
            "2080505 机关事业单位基本养老保险缴",
            "费支出",
            "446.11 446.11",
            "30101 基本工资 537.64 30201 办公费 84.62",
            "212 01 01 行政运行 17,887,739 17,737,739",
            "301 01 基本工资 758,448",
            "住房保障（221）住房改革支出（02）住房公积金（01）: 说明",
            "比上年增加 200 万元，21968 万元。",
            "合计 9746.50",
        ]
    )
    pairs = [(p.code, p.name, p.classification) for p in pairs_in_text(text)]
    assert pairs == [
        ("2080505", "机关事业单位基本养老保险缴费支出", FUNCTIONAL),
        ("30101", "基本工资", ECONOMIC),
        ("30201", "办公费", ECONOMIC),
        ("2120101", "行政运行", FUNCTIONAL),
        ("30101", "基本工资", ECONOMIC),
        ("221", "住房保障", FUNCTIONAL),
        ("22102", "住房改革支出", FUNCTIONAL),
        ("2210201", "住房公积金", FUNCTIONAL),
    ]
