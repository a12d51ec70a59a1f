"""Located observations about a whole document: its structure and its hygiene (see ``extract/evidence.py``).

Read from the document's text (a text export's lines, a PDF's or DOCX's text by page), beside the
tables and the narrative:

* **structure** — the tables the contents list (目录) names (``contents_table``), every standard table
  title printed in the body (``table_title``), and, under each title up to the next one, a note saying
  the table holds no data (``empty_note``: 本表无数据, 故本表无数据, 本年度无此项…) or saying what an empty
  table would mean (``conditional_note``: 如本表为空，则…; it asserts nothing); the prose saying a fund has
  no spending (``narrative_empty``: 本年度无政府性基金预算财政拨款支出);
* **hygiene** — template placeholders left in (``XX局``, ``xxx``, ``待填写``, ``增加（减少）``, a blank
  ``_0``), draft marks (仅供内部审核 …, counted), a year in a heading or in a sentence about the report's own
  figures that is neither the report's year nor — in a comparison — the year before (截至2023年12月31日 in
  a 2024 report), the unit named otherwise than on its cover and in the registry (规划与自然资源局 for
  规划和自然资源局), doubled punctuation (，，).

Amounts without their unit and amounts in 元 inside 万元 prose are marked by the narrative reader, which
knows which numbers are amounts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from juesuan.contract import GOV_FUND, STATE_CAPITAL, THREE_PUBLIC
from juesuan.extract.evidence import (
    CONDITIONAL_NOTE,
    CONTENTS_TABLE,
    DOUBLED_PUNCTUATION,
    DRAFT_MARK,
    EMPTY_NOTE,
    NARRATIVE_EMPTY,
    PLACEHOLDER,
    STRAY_YEAR,
    TABLE_TITLE,
    UNIT_NAME,
    DocumentMark,
)
from juesuan.extract.mapping import canonical_table_name

__all__ = ["document_marks"]

_MARKUP = re.compile(r"<[^>]{1,20}>|\*\*|^[#\s>*\-]+")
_LEADERS = re.compile(r"[.．…·\s]*\d*\s*$")
_CONTENTS = re.compile(r"^目\s*录$")
_PART = re.compile(r"^第[一二三四五六七八九十\d]+部分")
_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
)
_TABLE_ROW = re.compile(r"\S[ ]*\t[ \t]*\S")

# A note that a table is empty (assertive), and one that only says what an empty table would mean.
_EMPTY = re.compile(
    r"本表(?:无数据|为空|无数|空表)|此表(?:无数据|为空)|故本表无|无此项(?:支出|收入|数据|资金)?"
    r"|(?:没有|无)[^。；;\n]{0,40}(?:收入|支出|经费|资金)[^。；;\n]{0,10}(?:，|,)?故"
)
_CONDITIONAL = re.compile(r"^(?:说明[:：])?\s*(?:如|若|如果|凡)|仍保留|的[，,]\s*(?:应|需|仍)")
_NARRATIVE_EMPTY = re.compile(
    r"(?:本(?:单位|部门)?|\d{4}\s*年度?)[^。；;\n]{0,30}?(?:没有|无)[^。；;\n]{0,6}?"
    r"(?P<what>政府性基金|国有资本经营|\"三公\"|“三公”|三公|此项)[^。；;\n]{0,30}?(?:收入|支出|经费)"
)
_NARRATIVE_FUND_SECTION = ((re.compile(r"政府性基金"), GOV_FUND), (re.compile(r"国有资本"), STATE_CAPITAL))

_DRAFT = re.compile(r"仅供内部审核|仅供内部使用|内部资料|征求意见稿|讨论稿|送审稿|修改稿|未定稿|草稿|测试数据")
_PLACEHOLDER = re.compile(
    r"(?<![A-Za-z0-9])(?:[XxＸｘ]{2,}|×{2,})(?![A-Za-z0-9])"
    r"|待填写|待补充|请填写|此处填写|[（(〔【\[]\s*单位名称\s*[)）〕】\]]"
    r"|(?:增加|减少|增长|下降|大于|小于|高于|低于)\s*[（(]\s*(?:增加|减少|增长|下降|大于|小于|高于|低于)\s*[)）]"
    r"|[（(]\s*(?:增加|增长)\s*[/／、]\s*(?:减少|下降)\s*[)）]"
    r"|(?<![A-Za-z0-9])[_＿]+\s*(?=\d)|[_＿]{3,}"
)
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)\s*年")
_COMPARISON_WORDS = re.compile(r"与|比|较|同比|上年|上一年|相比|增加|减少|增长|下降")
_DATE_OF_FIGURES = re.compile(r"截[至止]|年末|年底")
# A sentence dated by its first words and about the accounts ("2024年度“三公”经费支出决算数小于预算数…").
_DATED_STATEMENT = re.compile(r"^\s*(?:19|20)\d\d\s*年度?[^。；;]{0,40}?(?:决算|预算|收入|支出|经费)")
_AMOUNT = re.compile(r"\d\s*(?:万元|元|亿元)|\d\.\d\d(?!\d)")  # an amount, with its unit or printed to the 分
_DOUBLED = re.compile(r"([，。；：、！？])\1|[，；、：][。]|[。][，；、]")
_SENTENCE = re.compile(r"[^。；;！？!?]+[。；;！？!?]?")
_UNIT_SUFFIXES = (
    "局",
    "中心",
    "部",
    "委",
    "会",
    "院",
    "所",
    "站",
    "队",
    "厅",
    "处",
    "室",
    "馆",
    "办",
    "社",
    "团",
    "组",
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff（）()]+")
_COVER_STOP = re.compile(r"\d{4}\s*年|决算|目\s*录")


@dataclass(frozen=True)
class _Line:
    text: str  # cleaned of markup
    raw: str
    page: int | None
    line: int | None  # 1-based line of a text export


def _lines(segments: Sequence[tuple[int | None, str]]) -> list[_Line]:
    lines = []
    text_export = len(segments) == 1 and segments[0][0] is None
    for page, text in segments:
        for number, raw in enumerate(text.split("\n"), start=1):
            cleaned = _MARKUP.sub("", raw).strip()
            lines.append(_Line(cleaned, raw, page, number if text_export else None))
    return lines


def _title_of(text: str) -> str | None:
    if len(text) > 60 or _TABLE_ROW.search(text):
        return None
    return canonical_table_name(_LEADERS.sub("", text))


def _mark(kind: str, text: str, where: _Line, **fields: object) -> DocumentMark:
    return DocumentMark(kind=kind, text=text, page=where.page, line=where.line, **fields)


def _contents(lines: list[_Line]) -> tuple[list[DocumentMark], set[int]]:
    """The tables the contents list names, and the indexes of its lines."""
    start = next((i for i, line in enumerate(lines[:200]) if _CONTENTS.match(line.text.replace(" ", ""))), None)
    if start is None:
        return [], set()
    entries: list[str] = []
    marks = []
    block: set[int] = {start}
    for index in range(start + 1, min(len(lines), start + 120)):
        line = lines[index]
        if not line.text:
            block.add(index)
            continue
        entry = _LEADERS.sub("", line.text)
        if entries and entry == entries[0]:
            break  # the body starts: its first heading repeats the contents' first entry
        if len(entry) > 60 or "。" in entry:
            break
        entries.append(entry)
        block.add(index)
        table = _title_of(entry)
        if table is not None:
            marks.append(_mark(CONTENTS_TABLE, entry, line, table_name=table))
    return marks, block


def _structure(lines: list[_Line], contents: set[int]) -> list[DocumentMark]:
    marks = []
    titles = [(i, t) for i, line in enumerate(lines) if i not in contents and (t := _title_of(line.text)) is not None]
    for number, (index, table) in enumerate(titles):
        marks.append(_mark(TABLE_TITLE, lines[index].text, lines[index], table_name=table))
        end = titles[number + 1][0] if number + 1 < len(titles) else len(lines)
        for follow in range(index + 1, end):
            line = lines[follow]
            if _PART.match(line.text):
                break
            if _TABLE_ROW.search(line.raw):
                continue
            for sentence in _SENTENCE.findall(line.text):
                if not _EMPTY.search(sentence) and "本表为空" not in sentence:
                    continue
                kind = CONDITIONAL_NOTE if _CONDITIONAL.search(sentence) else EMPTY_NOTE
                marks.append(_mark(kind, sentence.strip(), line, table_name=table))
    return marks


def _narrative_empty(lines: list[_Line], contents: set[int]) -> list[DocumentMark]:
    """The prose saying a fund (or 三公) has no spending this year, with the table it speaks for.

    Lines are joined within a section (a sentence wraps over lines and pages)."""
    marks: list[DocumentMark] = []
    section_table: str | None = None
    buffer: list[_Line] = []

    def scan() -> None:
        text, starts = _joined(buffer)
        for m in _NARRATIVE_EMPTY.finditer(text):
            what = m["what"]
            if what == "政府性基金":
                table: str | None = GOV_FUND
            elif what == "国有资本经营":
                table = STATE_CAPITAL
            elif "三公" in what:
                table = THREE_PUBLIC
            else:
                table = section_table
            if table is not None:
                line = buffer[bisect.bisect_right(starts, m.start()) - 1]
                marks.append(_mark(NARRATIVE_EMPTY, m.group(0), line, table_name=table))
        buffer.clear()

    in_table = False  # from a table's title to the next heading: the table's own notes, not prose
    for index, line in enumerate(lines):
        if index in contents or _TABLE_ROW.search(line.raw) or _title_of(line.text) is not None:
            scan()
            in_table = index not in contents
            continue
        if _HEADING.match(line.text) and len(line.text) <= 40:
            scan()
            in_table = False
            section_table = next((t for pattern, t in _NARRATIVE_FUND_SECTION if pattern.search(line.text)), None)
            if section_table is None and "三公" in line.text:
                section_table = THREE_PUBLIC
            continue
        if not in_table:
            buffer.append(line)
    scan()
    return marks


def _drafts(lines: list[_Line]) -> list[DocumentMark]:
    counts: dict[str, tuple[int, _Line]] = {}
    for line in lines:
        for m in _DRAFT.finditer(line.text):
            found, first = counts.get(m.group(0), (0, line))
            counts[m.group(0)] = (found + 1, first)
    return [_mark(DRAFT_MARK, text, first, count=count) for text, (count, first) in counts.items()]


def _placeholders(lines: list[_Line]) -> list[DocumentMark]:
    marks = []
    for line in lines:
        for m in _PLACEHOLDER.finditer(line.raw):
            context = line.raw[max(0, m.start() - 12) : m.end() + 12].strip()
            marks.append(_mark(PLACEHOLDER, m.group(0), line, context=context))
    return marks


def _years(lines: list[_Line], contents: set[int], year: int) -> list[DocumentMark]:
    """A year that is not the report's in a heading or a statement about the report's own figures."""
    marks = []
    for index, line in enumerate(lines):
        if _TABLE_ROW.search(line.raw):
            continue
        heading = index in contents or (_HEADING.match(line.text) is not None and len(line.text) <= 60)
        heading = heading or _title_of(line.text) is not None
        # A table's period line ("2024 年度" under its title); chart labels come with a tab and are no heading.
        heading = heading or (
            "\t" not in line.raw and re.fullmatch(r"[(（]?\d{4}\s*年度?[)）]?", line.text) is not None
        )
        pieces = [line.text] if heading else _SENTENCE.findall(line.text)
        # A sentence wraps: its amount may be on the next line ("2022年度…比2023年度减" / "少0.15万元").
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        for number, piece in enumerate(pieces):
            tail = following if number == len(pieces) - 1 and not piece.endswith(("。", "；", ";")) else ""
            about_figures = (
                heading
                or _AMOUNT.search(piece + tail)
                or _DATE_OF_FIGURES.search(piece)
                or _DATED_STATEMENT.match(piece + tail)
            )
            if not about_figures:
                continue
            for m in _YEAR.finditer(piece):
                found = int(m.group(1))
                if found == year:
                    continue
                if found == year - 1 and not heading and _COMPARISON_WORDS.search(piece + tail):
                    continue  # last year's, named in a comparison
                if found == year - 1 and _DATE_OF_FIGURES.search(piece) is None and not heading:
                    continue  # last year's figure stated as such, not as this year's
                context = piece[max(0, m.start() - 12) : m.end() + 16].strip()
                marks.append(_mark(STRAY_YEAR, m.group(0), line, expected=f"{year}年", context=context))
    return marks


def _doubled(lines: list[_Line]) -> list[DocumentMark]:
    marks = []
    for line in lines:
        if _TABLE_ROW.search(line.raw):
            continue
        for m in _DOUBLED.finditer(line.text):
            context = line.text[max(0, m.start() - 12) : m.end() + 12]
            marks.append(_mark(DOUBLED_PUNCTUATION, m.group(0), line, context=context))
    return marks


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cover_name(segments: Sequence[tuple[int | None, str]]) -> str | None:
    """The unit's name as its cover prints it: the first lines, joined, up to the year or 决算."""
    parts: list[str] = []
    for line in _lines(segments[:1])[:40]:
        text = line.text.replace(" ", "")
        if not text or _DRAFT.search(text):
            if parts:
                break
            continue
        stop = _COVER_STOP.search(text)
        if stop is not None:
            parts.append(text[: stop.start()])
            break
        parts.append(text)
        if len("".join(parts)) > 40:
            return None
    name = "".join(parts).strip("：:")
    return name if len(name) >= 4 and name.endswith(_UNIT_SUFFIXES) else None


def _joined(lines: list[_Line]) -> tuple[str, list[int]]:
    """The text without line breaks (a name wrapped over two lines reads whole), with each line's start."""
    starts, parts, position = [], [], 0
    for line in lines:
        starts.append(position)
        parts.append(line.text)
        position += len(line.text)
    return "".join(parts), starts


def _names(lines: list[_Line], names: Sequence[str]) -> list[DocumentMark]:
    """Spellings of the unit's name that differ from the cover's and the registry's by a character or two."""
    text, starts = _joined(lines)
    known = {n for n in names if len(n) >= 6}
    marks = []
    seen: set[str] = set()
    for name in sorted(known):
        head = name[:3]
        for m in re.finditer(re.escape(head), text):
            run = _CJK_RUN.match(text, m.start())
            if run is None:
                continue
            candidate = None
            for end in range(max(len(name) - 3, 4), min(len(run.group(0)), len(name) + 3) + 1):
                piece = run.group(0)[:end]
                if piece.endswith(_UNIT_SUFFIXES) and _distance(piece, name) <= 2:
                    candidate = piece
                    break
            if candidate is None or candidate in known or candidate in seen:
                continue
            if name.endswith(candidate) or candidate.startswith(name):
                continue  # a shorter form (without the province) or the name followed by more words
            seen.add(candidate)
            line = lines[bisect.bisect_right(starts, m.start()) - 1]
            marks.append(_mark(UNIT_NAME, candidate, line, expected=name, context=run.group(0)[: len(name) + 12]))
    return marks


# A table header naming the unit: 单位：辽宁省朝阳市…中心, 部门名称：…, 编制单位：… (not 单位：万元).
_HEADER_NAME = re.compile(r"(?:编制)?(?:单位|部门)(?:名称)?[:：]\s*(?P<name>[\u4e00-\u9fff（）()]{4,40})")


def _header_names(lines: list[_Line], names: Sequence[str]) -> list[DocumentMark]:
    """Table headers naming another unit than the cover and the registry (a report copied from another's)."""
    known = {n for n in names if n}
    if not known:
        return []
    marks = []
    seen: set[str] = set()
    for line in lines:
        for m in _HEADER_NAME.finditer(line.text):
            name = m["name"]
            if name in ("万元", "元", "亿元") or name in known or name in seen:
                continue
            if any(k.endswith(name) or name.startswith(k) for k in known):
                continue  # the name without its province, or followed by more words
            if not name.endswith(_UNIT_SUFFIXES):
                continue
            seen.add(name)
            marks.append(_mark(UNIT_NAME, name, line, expected=sorted(known)[0], context=line.text[:60]))
    return marks


def _combined(
    pages: Sequence[tuple[int | None, str]], prose: Sequence[tuple[int | None, str]]
) -> list[tuple[int | None, str]]:
    """Every page once: the prose pages as the narrative reads them (lines in visual order), the others
    (table pages) as their text layer gives them."""
    if not prose:
        return list(pages)
    read = {page for page, _ in prose}
    if None in read:
        return list(prose)  # a text export or a DOCX: one text
    merged = [*prose, *((page, text) for page, text in pages if page not in read)]
    return sorted(merged, key=lambda item: item[0] or 0)


def document_marks(
    segments: Sequence[tuple[int | None, str]],
    year: int,
    unit_names: Sequence[str] = (),
    prose: Sequence[tuple[int | None, str]] = (),
) -> list[DocumentMark]:
    """Every structure and hygiene mark of one document (``unit_names``: the registry's name of the unit).

    ``segments`` are the document's pages; ``prose``, when given, the narrative's own reading of its prose
    pages (``PdfReading.segments``: lines rebuilt in visual order), which stands for those pages."""
    segments = _combined(segments, prose)
    lines = _lines(segments)
    contents_marks, contents = _contents(lines)
    names = [n for n in (*unit_names, cover_name(segments)) if n]
    found: Iterator[DocumentMark] = iter(
        [
            *contents_marks,
            *_structure(lines, contents),
            *_narrative_empty(lines, contents),
            *_drafts(lines),
            *_placeholders(lines),
            *_years(lines, contents, year),
            *_doubled(lines),
            *_names(lines, names),
            *_header_names(lines, names),
        ]
    )
    return list(found)
