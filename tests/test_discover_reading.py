"""Reading what discovery meets, piece by piece: HTML pages as real sites write them (encodings, relative and
javascript: links, viewers, script data stores), the words around a link, a document's own content (the 25 real
预算 disclosures and the real 决算 are told apart), and the registry's source entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS_FILES, corpus_path, real_path

from juesuan.errors import RegistryError, WrongReportError
from juesuan.flows.classify import (
    Content,
    confirm_identity,
    kind_of_text,
    labelled_units,
    read_content,
    read_labels,
    unit_of_text,
)
from juesuan.flows.pages import charset_of, file_name, looks_like_document, parse_page
from juesuan.registry import Unit, load_registry

BASE = "http://gov.example/zfxxgk/yjsgk/index.html"


def unit(unit_id: str, name: str) -> Unit:
    return Unit(unit_id, name, "山西省", "大同市", "", "市级", "事业单位", (), ())


# --- pages --------------------------------------------------------------------------------------------------
def test_relative_links_resolve_against_the_page_or_its_base() -> None:
    page = parse_page(
        BASE,
        "<html><head><meta charset='utf-8'><title>t</title></head><body><ul>"
        "<li><a href='./202406/t20240612_3.html' title='2023年度部门决算公开'>2023年度…</a><span>2024-06-12</span></li>"
        "<li><a href='../../upload/a.pdf#page=2'>a.pdf</a></li><li><a href='#top'>top</a></li>"
        "<li><a href='mailto:x@example.org'>mail</a></li></ul></body></html>".encode(),
    )
    assert [link.url for link in page.links] == [
        "http://gov.example/zfxxgk/yjsgk/202406/t20240612_3.html",
        "http://gov.example/upload/a.pdf",
    ]
    first = page.links[0]
    assert first.text == "2023年度部门决算公开"  # the whole title, not the cut text
    assert "2024-06-12" in first.context
    based = parse_page(BASE, b"<html><head><base href='http://files.example/d/'></head><body><a href='x.pdf'>x</a>")
    assert based.links[0].url == "http://files.example/d/x.pdf"


def test_javascript_links_give_the_address_they_open_or_none() -> None:
    page = parse_page(
        BASE,
        b'<html><body><a href="javascript:void(0)" onclick="openArticle(\'/art/2024/6/12/art_7.html\')">A</a>'
        b"<a href=\"javascript:window.open('../files/r.pdf')\">B</a><a href='javascript:goPage(3)'>3</a>"
        b"<a href='#' onclick=\"location.href='/list.jsp?page=2'\">C</a></body></html>",
    )
    assert [(link.text, link.url) for link in page.links] == [
        ("A", "http://gov.example/art/2024/6/12/art_7.html"),
        ("B", "http://gov.example/zfxxgk/files/r.pdf"),
        ("3", ""),
        ("C", "http://gov.example/list.jsp?page=2"),
    ]
    assert page.links[2].raw == "javascript:goPage(3)"


def test_embedded_documents_and_viewers_and_meta_refresh() -> None:
    page = parse_page(
        BASE,
        b"<html><head><meta http-equiv='refresh' content='0;url=/files/moved.docx'></head><body>"
        b"<iframe src='/static/pdfjs/web/viewer.html?file=%2Fupload%2F2023%2Fjs.pdf'></iframe>"
        b"<embed src='/upload/e.pdf'><object data='/upload/o.pdf'></object>"
        b"<a href='/down.jsp?filename=report.pdf'>download</a><a href='/view/9.html'>view</a></body></html>",
    )
    found = {(link.tag, link.url) for link in page.links}
    assert found == {
        ("refresh", "http://gov.example/files/moved.docx"),
        ("iframe", "http://gov.example/upload/2023/js.pdf"),  # the file the viewer shows, not the viewer
        ("embed", "http://gov.example/upload/e.pdf"),
        ("object", "http://gov.example/upload/o.pdf"),
        ("a", "http://gov.example/down.jsp?filename=report.pdf"),
        ("a", "http://gov.example/view/9.html"),
    }
    documents = {link.url for link in page.links if link.is_document}
    assert "http://gov.example/down.jsp?filename=report.pdf" in documents  # a script naming a file
    assert "http://gov.example/view/9.html" not in documents
    assert file_name("http://gov.example/down.jsp?filename=%E5%86%B3%E7%AE%97.pdf") == "决算.pdf"


def test_links_kept_in_a_script_data_store_are_read() -> None:
    page = parse_page(
        BASE,
        "<html><body><div id='list'><script type='text/xml'><datastore><recordset>"
        "<record><![CDATA[<li><a href='./202406/t1.html'>2023年度部门决算</a><span>2024-06-12</span></li>]]></record>"
        "<record><![CDATA[<li><a href='./202402/t2.html'>2024年度部门预算</a><span>2024-02-03</span></li>]]></record>"
        "</recordset></datastore></script></div></body></html>".encode(),
    )
    assert [(link.tag, link.text) for link in page.links] == [
        ("script", "2023年度部门决算"),
        ("script", "2024年度部门预算"),
    ]
    assert page.links[0].url == "http://gov.example/zfxxgk/yjsgk/202406/t1.html"
    assert "2024-06-12" in page.links[0].context


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("text/html; charset=GBK", b"<html><head>"),  # the header says so
        ("text/html", b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"),  # <meta>
        ("text/html", b"<html><head>"),  # nobody says: not UTF-8, so GB18030
    ],
)
def test_gbk_pages_are_read_whoever_names_the_charset(content_type: str, head: bytes) -> None:
    body = "<title>财政预决算</title></head><body><a href='a.html'>2023年度部门决算公开</a></body></html>"
    data = head + body.encode("gbk")
    assert charset_of(content_type, data) == "gb18030"
    page = parse_page(BASE, data, content_type)
    assert page.title == "财政预决算"
    assert page.links[0].text == "2023年度部门决算公开"


def test_a_utf8_page_without_a_charset_stays_utf8() -> None:
    assert charset_of("text/html", "<html>决算</html>".encode()) == "utf-8"
    assert charset_of("text/html; charset=utf-8", "<html>决算</html>".encode("gbk")) == "utf-8"  # the header wins


def test_document_addresses() -> None:
    assert looks_like_document("http://a/b/P020240612.PDF")
    assert looks_like_document("2023年度部门决算公开.docx")
    assert not looks_like_document("http://a/b/t20240612_1.html")
    assert not looks_like_document("http://a/viewer.html?file=x.pdf")  # a viewer page: its file is the document
    assert not looks_like_document("")


# --- the words around a link ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "text", "file", "kind", "year", "scope", "part"),
    [
        ("", "大同市社会保险中心2023年度部门决算公开", "", "决算", 2023, "部门", None),
        ("", "2024年度单位预算公开", "", "预算", 2024, "单位", None),
        ("", "2025年度部门预算和2024年度部门决算公开", "", "预决算", 2024, "部门", None),  # the 决算's year
        ("2023年度部门决算公开", "附件1.pdf", "P020240612.pdf", "决算", 2023, "部门", None),  # the article speaks
        ("2023年度部门决算公开", "2023年度部门决算公开表.xlsx", "", "决算", 2023, "部门", "公开表"),
        ("", "关于2023年度部门决算的说明（正文）", "", "决算", 2023, "部门", "正文"),
        ("", "2023年度本级决算", "", "决算", 2023, "单位", None),
        ("", "2024年公开招聘工作人员公告", "", None, 2024, None, None),
        ("", "一般公共预算财政拨款支出情况", "", None, None, None, None),  # 一般公共预算 names no budget report
        ("", "附件", "2023jsgk.pdf", None, 2023, None, None),  # a file name's year
        (
            "2026年度部门决算公开",
            "",
            "8f6e45af8c21ee7e2e440a252e2003e9.md",
            "决算",
            2026,
            "部门",
            None,
        ),  # a hash: no year
        ("2026年度部门决算公开", "", "P020270612003.pdf", "决算", 2026, "部门", None),  # the title's year first
    ],
)
def test_labels_from_the_words(
    title: str, text: str, file: str, kind: str | None, year: int | None, scope: str | None, part: str | None
) -> None:
    labels = read_labels(title, text, file)
    assert (labels.kind, labels.year, labels.scope, labels.part) == (kind, year, scope, part)


def test_labels_date_and_revision() -> None:
    labels = read_labels("", "2023年度部门决算公开（更正）", context="2023年度部门决算公开（更正） 2024-09-03")
    assert labels.revision and labels.date == "2024-09-03"
    assert not read_labels("", "2023年度部门决算公开").revision


def test_units_named_by_the_words_longest_first() -> None:
    bureau = unit("hrss", "大同市人力资源和社会保障局")
    centre = unit("hrss-centre", "大同市人力资源和社会保障局机关服务中心")
    other = unit("sic", "大同市社会保险中心")
    assert labelled_units("大同市人力资源和社会保障局机关服务中心2023年度单位决算", [bureau, centre, other]) == [centre]
    assert labelled_units("大同市社会保险中心2023年度部门决算", [bureau, centre, other]) == [other]
    assert labelled_units("2023年度部门决算", [bureau, other]) == []


# --- a document's own content ----------------------------------------------------------------------------------
BUDGETS = [
    "js-highcourt-2017-dept-budget.pdf",
    "js-highcourt-2018-dept-budget.pdf",
    "js-highcourt-2019-dept-budget.pdf",
    "js-procuratorate-2017-dept-budget.pdf",
    "js-procuratorate-2019-dept-budget.pdf",
    "js-rendaban-2017-dept-budget.pdf",
    "js-rendaban-2018-dept-budget.pdf",
    "js-rendaban-2019-dept-budget-tables.pdf",
    "js-rendaban-2019-dept-budget.pdf",
    "js-shengweibgt-2017-dept-budget-tables.pdf",
    "js-shengweibgt-2017-dept-budget.pdf",
    "js-shengweibgt-2019-dept-budget-tables.pdf",
    "js-shengweibgt-2019-dept-budget.pdf",
    "js-zhengxiebgt-2017-dept-budget-tables.pdf",
    "js-zhengxiebgt-2017-dept-budget.pdf",
    "js-zhengxiebgt-2018-dept-budget-tables.pdf",
    "js-zhengxiebgt-2018-dept-budget.pdf",
    "sh-putuo-czj-2025-dept-budget.pdf",
    "sh-putuo-qzfb-2025-dept-budget.pdf",
    "sh-putuo-qzfb-2025-unit-budget.pdf",
    "sh-putuo-shehuifuliyuan-2024-unit-budget.pdf",
    "sh-putuo-swb-2025-dept-budget.pdf",
    "sh-putuo-swb-2025-unit-budget.pdf",
    "sh-putuo-wanli-2023-dept-budget.pdf",
    "sh-putuo-wanli-2025-dept-budget.pdf",
]


@pytest.mark.parametrize("name", BUDGETS)
def test_every_real_budget_disclosure_is_read_as_a_budget(name: str) -> None:
    path = real_path(f"budget/{name}")
    content = read_content(str(path), path.read_bytes(), [])
    assert content.format == "pdf" and content.readable
    assert content.kind == "预算", content.title
    if "-tables" not in name:  # the tables alone print no title, hence no year
        assert content.year == int(name.split("-")[-3 if "budget" in name.split("-")[-1] else -4])
        # 江苏高院 2018 titles itself 预算公开 with no 部门: the scope is then unknown, never the wrong one.
        assert (
            content.scope == ("单位" if "unit-budget" in name else "部门")
            or name == "js-highcourt-2018-dept-budget.pdf"
        )
    with pytest.raises(WrongReportError, match="预算"):
        confirm_identity(str(path), content, unit("x", "某单位"), 2024)


@pytest.mark.parametrize(
    ("name", "unit_name"),
    [("putuo_ghzy_2024.pdf", "上海市普陀区规划和自然资源局"), ("putuo_shgzb_2024.pdf", "中共上海市普陀区委社会工作部")],
)
def test_the_real_final_accounts_are_read_as_complete_final_accounts(name: str, unit_name: str) -> None:
    path = real_path(f"final/{name}")
    owner = unit("owner", unit_name)
    content = read_content(str(path), path.read_bytes(), [owner, unit("other", "上海市普陀区财政局")])
    assert (content.kind, content.year, content.unit_id, content.scope, content.part) == (
        "决算",
        2024,
        "owner",
        "部门",
        "完整",
    )
    confirm_identity(str(path), content, owner, 2024)
    with pytest.raises(WrongReportError, match="covers 2024"):
        confirm_identity(str(path), content, owner, 2023)


@pytest.mark.parametrize("unit_id", sorted(CORPUS_FILES))
def test_the_corpus_reports_are_final_accounts_of_their_unit(unit_id: str) -> None:
    path = corpus_path(unit_id)
    registry = load_registry(Path(__file__).resolve().parent.parent / "registry" / "units.toml")
    content = read_content(str(path), path.read_bytes(), registry.units)
    assert (content.kind, content.year, content.unit_id) == ("决算", CORPUS_FILES[unit_id][1], unit_id)
    confirm_identity(str(path), content, registry.unit(unit_id), content.year or 0)


def test_kind_by_table_titles_when_there_is_no_title() -> None:
    assert kind_of_text("部门：某局\n收支预算总表\n…\n支出预算表\n")[0] == "预算"
    assert kind_of_text("部门：某局\n收入支出决算总表\n一般公共预算财政拨款支出决算表\n")[0] == "决算"
    assert kind_of_text("关于开展安全生产检查的通知")[0] is None


def test_unit_of_text_names_a_tie_and_prefers_the_longer_name() -> None:
    a, b = unit("a", "甲市社会保险中心"), unit("b", "乙市社会保险中心")
    assert unit_of_text("甲市社会保险中心 乙市社会保险中心", [a, b]) == (None, "names a and b equally often")
    bureau, centre = unit("bureau", "甲市人社局"), unit("centre", "甲市人社局服务中心")
    assert unit_of_text("甲市人社局服务中心2023年度单位决算", [bureau, centre])[0] == centre


def test_an_image_only_document_passes_to_extraction() -> None:
    content = Content("pdf", False, None, None, None, None, 0, False, "", "image-only PDF and no OCR engine")
    confirm_identity("scan.pdf", content, unit("x", "某单位"), 2023)  # extraction checks it after OCR


# --- the registry's sources ----------------------------------------------------------------------------------------
UNIT_BLOCK = """
[[unit]]
id = "{id}"
name = "{name}"
province = "山西省"
city = "某市"
level = "市级"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_of_units_and_platforms(tmp_path: Path) -> None:
    text = (
        UNIT_BLOCK.format(id="a-sic", name="甲市社会保险中心")
        + '[[unit.source]]\nurl = "https://a.gov.cn/yjsgk/index.html"\nmax_pages = 3\nyears = "2021-2023"\n'
        + 'pages = "index_{i}.html"\nscope = "单位"\n'
        + UNIT_BLOCK.format(id="b-sic", name="乙市社会保险中心")
        + UNIT_BLOCK.format(id="c-sic", name="丙市社会保险中心")
        + '[[unit.report]]\nyear = 2023\nurl = "https://c.gov.cn/2023.pdf"\n'
        + '[[source]]\nname = "市平台"\nurl = "https://czj.gov.cn/yjsgk/"\nunits = ["b-sic", "c-sic"]\n'
        + 'include = ["决算", "预决算"]\nexclude = ["草稿"]\nhosts = ["file.czj.gov.cn"]\nyears = [2023, 2022]\n'
    )
    registry = load_registry(write(tmp_path, text))
    own, platform = registry.sources
    assert (own.unit_ids, own.max_pages, own.years, own.scope, own.platform) == (
        ("a-sic",),
        3,
        (2021, 2022, 2023),
        "单位",
        False,
    )
    assert own.pages == "index_{i}.html" and own.max_depth == 2 and own.include == ("决算",)
    assert (platform.unit_ids, platform.name, platform.years, platform.platform) == (
        ("b-sic", "c-sic"),
        "市平台",
        (2022, 2023),
        True,
    )
    assert platform.exclude == ("草稿",) and platform.hosts == ("file.czj.gov.cn",)
    assert [(r.unit_id, r.year) for r in registry.reports()] == [("c-sic", 2023)]  # report URLs stay as they were
    default_platform = load_registry(
        write(tmp_path, UNIT_BLOCK.format(id="a-sic", name="甲") + '[[source]]\nurl = "http://p.gov.cn/l"\n')
    )
    assert default_platform.sources[0].unit_ids == ("a-sic",)  # every unit by default


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('[[unit.source]]\nurl = "ftp://a/b"\n', "url must be the http(s):// address"),
        ('[[unit.source]]\nurl = "http://a/b"\nscope = "局"\n', "scope '局' not one of 部门, 单位"),
        ('[[unit.source]]\nurl = "http://a/b"\nmax_pages = 0\n', "max_pages must be an integer from 1 to 1000"),
        ('[[unit.source]]\nurl = "http://a/b"\nyears = "23-24"\n', "years must be a list"),
        ('[[unit.source]]\nurl = "http://a/b"\ninclude = []\n', "include must name at least one word"),
        ('[[unit.source]]\nurl = "http://a/b"\npages = "index.html"\n', "pages must be an address with {n} or {i}"),
        (
            '[[unit.source]]\nurl = "http://a/b"\n[[unit.source]]\nurl = "http://a/b"\n',
            "the same source url listed twice",
        ),
        ('[[source]]\nurl = "http://p/l"\nunits = ["nobody"]\n', "units nobody are not [[unit]] ids"),
    ],
)
def test_source_errors_name_the_entry_and_the_key(tmp_path: Path, entry: str, message: str) -> None:
    path = write(tmp_path, UNIT_BLOCK.format(id="a-sic", name="甲") + entry)
    with pytest.raises(RegistryError) as raised:
        load_registry(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_unknown_source_keys_are_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_registry(
        write(tmp_path, UNIT_BLOCK.format(id="a-sic", name="甲") + '[[unit.source]]\nurl = "http://a/b"\nx = 1\n')
    )
    assert "ignoring unknown key(s) x" in caplog.text
