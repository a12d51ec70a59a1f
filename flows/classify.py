"""What a link or a document is: 决算 or 预算, which fiscal year, 部门 or 单位, 正文 or 公开表, which unit.

Two readings, in this order (``flows/discover.py`` uses both):

1. **The words around a link** (:func:`read_labels`): its text, the title of the article it sits
   in, the file name and the listing row (date, unit name). Enough to decide what to follow and
   what to download; never enough to load a document.
2. **The document's own content** (:func:`read_content`), after download: its title decides 决算 vs
   预算 (``2023年度部门决算`` / ``部门预算公开`` / ``区级单位预算``), or, for a document without a title
   (a 公开表 on its own), its table titles (``…决算表`` vs ``…预算总表``); the fiscal year as the
   extractor reads it (``extract.document.stated_year``); the unit by the names it prints (the
   registry's names, as the extractor recognises them); whether it holds the standard tables and the
   情况说明. Then :func:`confirm_identity` applies the extractor's own identity check
   (``extract.document.check_report_identity``: another year or a report that never names the unit
   is refused with the extractor's reason) and refuses a 预算.

A scanned PDF has no text layer: its first page is read by OCR when the engine is there (the title
and the unit are on the cover); without it the link's words decide, and extraction (after OCR) has
the final word on unit and year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from juesuan.contract import BUDGET, FINAL
from juesuan.errors import WrongReportError
from juesuan.extract.document import (
    check_report_identity,
    decode_text,
    sniff_format,
    stated_year,
    unit_name_variants,
)
from juesuan.extract.tables import as_title
from juesuan.flows.pages import compact
from juesuan.registry import Unit

KINDS = ("决算", "预算")
SCOPES = ("部门", "单位")
PARTS = ("正文", "公开表")
#: How much of a document's beginning is its title zone (cover, heading), in characters of compact text.
TITLE_ZONE = 1500
#: Pages of a PDF whose text is read to classify it (the cover and contents decide; more pages only
#: count the tables and find the 情况说明).
PDF_PAGES = 80

_YEAR_KIND = re.compile(r"(20\d{2})\s*年\s*度?[^0-9。；;，,、（(]{0,30}?(预决算|决算|预算)")
_YEAR_ONLY = re.compile(r"(20\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_DATE = re.compile(r"(20\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# A document's title says what it is: 部门决算, 单位预算, 决算公开, 预算公开, 决算报告 …
_TITLE_KIND = re.compile(r"(?:部门|单位)(决算|预算)|(决算|预算)(?:公开|报告|信息公开)")
# Table titles say it for a document without a title: …决算表 / …决算总表 vs 收支预算总表 / 支出预算表.
_TABLE_KIND = re.compile(r"(决算|预算)(?:总|明细)?表")
_SCOPE = re.compile(r"(部门|单位)(?:预决算|决算|预算)|(本级)")
_REVISION = re.compile(r"更正|修订|修正|更新|重新公开|重新发布|重新上传|替换")
_TABLE_PART = re.compile(r"公开表|附表|报表|决算表|预算表|表格|\.xlsx?$|\.et$")
_TEXT_PART = re.compile(r"正文|文本|说明|全文")
_NARRATIVE = re.compile(r"情况说明|决算说明|部门决算情况|收入支出决算总体情况")


@dataclass(frozen=True)
class Labels:
    """What the words around a link say (each field ``None`` / empty when they say nothing)."""

    kinds: frozenset[str]  # {"决算"}, {"预算"}, both (预决算), or none
    year: int | None
    scope: str | None
    part: str | None
    revision: bool
    date: str | None  # publication date printed beside the link (YYYY-MM-DD)

    @property
    def kind(self) -> str | None:
        """``决算`` / ``预算`` when the words name exactly one, ``预决算`` for both, ``None`` for neither."""
        if len(self.kinds) == 1:
            return next(iter(self.kinds))
        return "预决算" if self.kinds else None


def read_labels(title: str, link_text: str = "", file: str = "", context: str = "") -> Labels:
    """Labels from an article ``title``, the ``link_text``, the ``file`` name and the listing row.

    The link's own words (its text, the file name) speak first; the article title fills in what they
    leave open (an attachment called 附件1.pdf under a title naming 2023年度部门决算).
    """
    own = compact(f"{link_text} {file}")
    around = compact(f"{title} {context}")
    kinds = _kinds(own) or _kinds(around)
    # Years written as years (2023年度…) first, the link's then the article's; a file name's digits last
    # (2023jsgk.pdf), and only standing apart: a hash such as …e2003e… names no year.
    year = _year(compact(link_text), kinds) or _year(around, kinds) or _year(compact(file), kinds, digits=True)
    scope = _scope(own) or _scope(around)
    part = None
    if _TABLE_PART.search(own):
        part = "公开表"
    elif _TEXT_PART.search(own):
        part = "正文"
    date = _date(context) or _date(title)
    return Labels(
        kinds=kinds,
        year=year,
        scope=scope,
        part=part,
        revision=bool(_REVISION.search(own) or _REVISION.search(around)),
        date=date,
    )


def _kinds(text: str) -> frozenset[str]:
    if "预决算" in text:
        return frozenset(KINDS)
    return frozenset(kind for kind in KINDS if kind in _without_budget_terms(text))


def _without_budget_terms(text: str) -> str:
    """``text`` without the 预算 of terms every 决算 uses (一般公共预算, 预算数 …), which name no budget report."""
    return re.sub(r"一般公共预算|政府性基金预算|国有资本经营预算|年初预算|预算数|预算单位|预算执行|预算绩效", "", text)


def _year(text: str, kinds: frozenset[str], *, digits: bool = False) -> int | None:
    years = [(int(m.group(1)), m.group(2)) for m in _YEAR_KIND.finditer(text)]
    # The 决算's year first: "2025年度部门预算和2024年度部门决算公开" is a 决算 of 2024.
    for wanted in ("决算", "预决算", "预算"):
        for year, kind in years:
            if kind == wanted and (kind in kinds or kind == "预决算"):
                return year
    if years:
        return years[0][0]
    dates = {m.group(1) for m in _DATE.finditer(text)}
    for match in _YEAR_ONLY.finditer(text):
        if match.group(1) not in dates:
            return int(match.group(1))
    # A file name's year: 2023jsgk.pdf, 2023_bmjs.pdf (four digits starting 20, not part of a longer number).
    if not digits:
        return None
    named = re.search(r"(?<![0-9A-Za-z])(20\d{2})(?!\d)", text)
    if named and named.group(1) not in dates and not _DATE.search(text):
        return int(named.group(1))
    return None


def _scope(text: str) -> str | None:
    match = _SCOPE.search(text)
    if match is None:
        return None
    return "单位" if match.group(2) else match.group(1)


def _date(text: str) -> str | None:
    match = _DATE.search(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# --- the document itself -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Content:
    """What a downloaded document says about itself."""

    format: str
    readable: bool  # False: no text to read (an image-only PDF without OCR)
    kind: str | None  # 决算 | 预算 | None (says neither)
    year: int | None
    unit_id: str | None
    scope: str | None
    tables: int  # standard 决算 tables whose titles it prints
    narrative: bool  # it holds the 情况说明
    title: str  # the words that decided the kind (for the record)
    note: str = ""
    text: str = field(default="", repr=False, compare=False)  # what was read (for the identity check)

    @property
    def part(self) -> str:
        """``完整`` (tables and 情况说明), ``公开表`` (tables only), ``正文`` (no standard table)."""
        if self.tables and self.narrative:
            return "完整"
        return "公开表" if self.tables else "正文"


def document_text(source: str, data: bytes, *, ocr: bool | None = None) -> tuple[str, str, str]:
    """The format of ``data``, the text to classify it by, and a note on how it was read.

    Unreadable bytes raise the extractor's :class:`DocumentError` (HTML page, empty, damaged PDF,
    an archive that is no DOCX …).
    """
    fmt = sniff_format(source, data)
    if fmt in ("txt", "md"):
        return fmt, decode_text(source, data), ""
    if fmt == "docx":
        from juesuan.extract.docx_reader import read_docx

        return fmt, read_docx(source, data).text, ""
    return fmt, *_pdf_text(source, data, ocr)


def _pdf_text(source: str, data: bytes, use_ocr: bool | None) -> tuple[str, str]:
    from juesuan.extract import ocr
    from juesuan.extract.pdf_triage import PDFIUM, open_pdf

    with PDFIUM:
        document = open_pdf(source, data)
        try:
            texts = []
            for index in range(min(len(document), PDF_PAGES)):
                page = document[index]
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                page.close()
            text = "\n".join(texts)
            if compact(text):
                return text, ""
            if not (ocr.ocr_available() if use_ocr is None else use_ocr):
                return "", "image-only PDF and no OCR engine: the link's words decide"
            page = document[0]
            try:
                height = page.get_height()
                image = page.render(scale=ocr.DPI / 72, grayscale=True).to_numpy().copy()
            finally:
                page.close()
        finally:
            document.close()
    gray = image[:, :, 0] if image.ndim == 3 else image
    return ocr.read_page_image(1, gray, height).text, "image-only PDF: its first page read by OCR"


def kind_of_text(text: str) -> tuple[str | None, str]:
    """``决算`` / ``预算`` (or ``None``) by the document's title, else by its table titles; and the evidence."""
    head = compact(text)[:TITLE_ZONE]
    match = _TITLE_KIND.search(head)
    if match is not None:
        start = max(0, match.start() - 40)
        return match.group(1) or match.group(2), head[start : match.end() + 4]
    counts = {kind: 0 for kind in KINDS}
    for found in _TABLE_KIND.finditer(compact(text)):
        counts[found.group(1)] += 1
    if counts["决算"] != counts["预算"]:
        kind = max(counts, key=lambda k: counts[k])
        return kind, f"{counts[kind]} table title(s) …{kind}表"
    return None, ""


def content_year(text: str, kind: str | None) -> int | None:
    """The fiscal year: the extractor's reading for a 决算; for a 预算 the year its title gives."""
    if kind == "预算":
        head = compact(text)[:TITLE_ZONE]
        for match in _YEAR_KIND.finditer(head):
            if match.group(2) in ("预算", "预决算"):
                return int(match.group(1))
    return stated_year(text)


def unit_of_text(text: str, units: Sequence[Unit]) -> tuple[Unit | None, str]:
    """The unit the text names most often (the registry's names, as the extractor recognises them)."""
    compacted = compact(text)
    counts = sorted(
        ((max(compacted.count(name) for name in unit_name_variants(unit)), unit) for unit in units),
        key=lambda item: -item[0],
    )
    counts = [(n, unit) for n, unit in counts if n > 0]
    if not counts:
        return None, "names none of the source's units"
    if len(counts) > 1 and counts[0][0] == counts[1][0]:
        # The longer name wins when one name holds the other (某局 and 某局机关服务中心).
        first, second = counts[0][1], counts[1][1]
        if first.name in second.name or second.name in first.name:
            longer = first if len(first.name) > len(second.name) else second
            return longer, ""
        return None, f"names {first.id} and {second.id} equally often"
    return counts[0][1], ""


def read_content(source: str, data: bytes, units: Sequence[Unit], *, ocr: bool | None = None) -> Content:
    """Classify a downloaded document by its own content (raises :class:`DocumentError` when unreadable)."""
    fmt, text, note = document_text(source, data, ocr=ocr)
    if not compact(text):
        return Content(fmt, False, None, None, None, None, 0, False, "", note or "no text")
    return classify_text(fmt, text, units, note)


def classify_text(fmt: str, text: str, units: Sequence[Unit], note: str = "") -> Content:
    """:func:`read_content` on text already read."""
    kind, evidence = kind_of_text(text)
    unit, unit_note = unit_of_text(text, units)
    head = compact(text)[:TITLE_ZONE]
    tables = len({title for line in text.splitlines() if (title := as_title(compact(line))) is not None})
    notes = [n for n in (note, unit_note) if n]
    return Content(
        format=fmt,
        readable=True,
        kind=kind,
        year=content_year(text, kind),
        unit_id=unit.id if unit else None,
        scope=_scope(head),
        tables=tables,
        narrative=bool(_NARRATIVE.search(compact(text))),
        title=evidence,
        note="; ".join(notes),
        text=text,
    )


def confirm_identity(source: str, content: Content, unit: Unit, year: int, kind: str = FINAL) -> None:
    """The extractor's identity check on the document, and no report of another kind than ``kind`` (a
    预算 for a 决算, or the reverse): raises :class:`WrongReportError`.

    ``unit``, ``year`` and ``kind`` are what the document is taken for. A document without text (an
    image-only PDF read without OCR) passes: extraction checks it after OCR.
    """
    if content.kind is not None and content.kind != kind:
        label = "预算 (budget)" if content.kind == BUDGET else "决算 (final accounts)"
        raise WrongReportError(source, f"the document is a {label} report, not a {kind} ({content.title})")
    if content.readable:
        check_report_identity(source, content.text, unit, year, content.kind or kind)


def labelled_units(text: str, units: Iterable[Unit]) -> list[Unit]:
    """The units whose name (a variant the extractor knows) the words print, longest name first."""
    compacted = compact(text)
    named = [unit for unit in units if any(name in compacted for name in unit_name_variants(unit))]
    named.sort(key=lambda unit: -len(unit.name))
    # A name inside a longer one that is printed too (某局 within 某局机关服务中心) is that longer one's.
    return [u for u in named if not any(u.name != o.name and u.name in o.name for o in named)]
