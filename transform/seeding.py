"""Defects seeded into real documents, to measure how far each check can be trusted.

A document is read once (:class:`SeededDocument`): its text as the extractor sees it — a text export's
text; a PDF's or DOCX's narrative segments, its pages' text and its table grids — is kept, and every
seeded variant is extracted from an edited copy of those views through the extractor's own path
(``extract.api``: table mapping, narrative, marks), so a PDF is not re-parsed for every defect. A text
export is edited as a file would be.

:func:`seeds_for` plans the defects a document can carry, each with the rules meant to find it and the
place it was made: a cell changed, a row deleted, a cell blanked, a table deleted, a narrative figure
changed, a total zeroed in the prose, a rate changed, 大于/小于 and 增加/减少 flipped, a year changed,
``XX`` inserted. Across years (last year's 年末结转) and revisions are seeded in the lake by
``benchmarks/seeded_errors.py``.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from juesuan import contract as c
from juesuan.contract import Fact
from juesuan.extract import api
from juesuan.extract.base import DocumentContext, RawTable, StrategyResult
from juesuan.extract.document import RawDocument, load_document
from juesuan.extract.evidence import COMPARISON, GROWTH, SHARE, Statement
from juesuan.extract.mapping import canonical_table_name
from juesuan.extract.tables import map_groups
from juesuan.registry import Registry
from juesuan.transform.catalogue import Catalogue

TEXT = "text"
TABLE = "table"
#: The arithmetic rules: a changed, blanked or deleted figure breaks some identity among them.
ARITHMETIC = tuple(f"R{n:02d}" for n in range(1, 14))


@dataclass(frozen=True)
class Edit:
    """One change to the document as read: ``old`` → ``new`` in its prose (the ``occurrence``-th match, the
    characters of ``old`` possibly split by line breaks), in a table's cells, or a whole table or row removed."""

    where: str  # text | table
    old: str = ""
    new: str = ""
    occurrence: int = 0
    table_name: str = ""  # table edits: the table (canonical name)
    row_key: str = ""  # table edits: a cell the edited row also holds (its subject code)
    delete_table: bool = False
    delete_row: bool = False


@dataclass(frozen=True)
class Seed:
    """A defect: its kind, the edit making it, the rules meant to find it and where it was made."""

    kind: str
    edit: Edit
    rules: tuple[str, ...]
    place: str  # what a steward would look at: the table, the sentence


def _loose(old: str) -> re.Pattern[str]:
    """``old`` as printed, its characters possibly split by spaces or line breaks."""
    return re.compile(r"[ \t\r\n]*".join(re.escape(ch) for ch in old if not ch.isspace()))


def replace_nth(text: str, old: str, new: str, occurrence: int = 0) -> str | None:
    """``text`` with the ``occurrence``-th ``old`` (loosely spaced) replaced, or ``None`` when there is none."""
    matches = list(_loose(old).finditer(text))
    if not -len(matches) <= occurrence < len(matches):
        return None
    m = matches[occurrence]  # a negative occurrence counts from the end
    return text[: m.start()] + new + text[m.end() :]


@dataclass
class SeededDocument:
    """A document read once, ready to be extracted with edits (see the module docstring)."""

    path: Path
    unit_id: str
    year: int
    registry: Registry | None = None
    catalogue: Catalogue = field(default_factory=Catalogue.load)

    def __post_init__(self) -> None:
        self.document: RawDocument = load_document(self.path)
        self.reading = api._read(self.document, None)
        self.is_text = self.document.format in ("txt", "md")
        self.text = self.document.text if self.is_text else ""
        if not self.is_text:
            self.segments = self.reading.segments()
            self.pages = self.reading.page_texts()
            inner = self.reading.reading
            self.groups: list[list[RawTable]] = inner.table_groups()
            self._alternatives: Callable[[list[int]], dict[str, list[list[RawTable]]]] | None = getattr(
                inner, "alternative_groups", None
            )
            self._alternative_cache: dict[tuple[int, ...], dict[str, list[list[RawTable]]]] = {}

    def close(self) -> None:
        self.reading.close()

    # --- extraction of a variant -------------------------------------------------------------------
    def extract(self, edits: tuple[Edit, ...] = ()) -> api.Extraction | None:
        """The extraction of the document with ``edits`` made; ``None`` when an edit finds nothing to change."""
        if self.is_text:
            text = self.text
            for edit in edits:
                changed = _edit_text_export(text, edit)
                if changed is None:
                    return None
                text = changed
            data = text.encode("utf-8")
            document = replace(self.document, data=data, sha256=hashlib.sha256(data).hexdigest())
            return api._extract(
                document, api._TextReading(text), self.unit_id, self.year, self.registry, self.catalogue
            )
        segments, pages, groups = list(self.segments), list(self.pages), copy.deepcopy(self.groups)
        for edit in edits:
            if edit.where == TEXT:
                edited_segments = _edit_views(segments, edit)
                edited_pages = _edit_views(pages, edit)
                if edited_segments is None and edited_pages is None:
                    return None
                segments = edited_segments or segments
                pages = edited_pages or pages
            else:
                edited = _edit_groups(groups, edit)
                if edited is None:
                    return None
                groups = edited
                if edit.delete_table:
                    pages = _drop_title(pages, edit.table_name)
                    if any(page is None for page, _ in segments):  # one text (DOCX): its body title is in it
                        segments = _drop_title(segments, edit.table_name)
        digest = hashlib.sha256(repr((segments, pages, edits)).encode("utf-8") + self.document.data).hexdigest()
        document = replace(self.document, sha256=digest)
        reading = _SeededReading(self, segments, pages, groups, edits)
        return api._extract(document, reading, self.unit_id, self.year, self.registry, self.catalogue)

    def alternatives(self, pages: list[int], edits: tuple[Edit, ...]) -> dict[str, list[list[RawTable]]]:
        if self._alternatives is None:
            return {}
        key = tuple(pages)
        if key not in self._alternative_cache:
            self._alternative_cache[key] = self._alternatives(pages)
        readings = copy.deepcopy(self._alternative_cache[key])
        for name, groups in list(readings.items()):
            for edit in edits:
                if edit.where == TABLE:
                    groups = _edit_groups(groups, edit) or groups
            readings[name] = groups
        return readings


@dataclass
class _SeededReading:
    """The extractor's reading interface over edited views."""

    source: SeededDocument
    segment_views: list[tuple[int | None, str]]
    page_views: list[tuple[int | None, str]]
    groups: list[list[RawTable]]
    edits: tuple[Edit, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int | None:
        return self.source.reading.pages

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.page_views)

    def segments(self) -> list[tuple[int | None, str]]:
        return self.segment_views

    def page_texts(self) -> list[tuple[int | None, str]]:
        return self.page_views

    def tables(self, context: DocumentContext, catalogue: Catalogue) -> StrategyResult:
        def others(pages: list[int]) -> dict[str, list[list[RawTable]]]:
            return self.source.alternatives(pages, self.edits)

        return map_groups(self.groups, context, catalogue, others)

    def located(self, facts: list[Fact]) -> list[Fact]:
        return facts  # edited text has no glyph positions to box a sentence's figure in

    def close(self) -> None:
        return None


# --- edits ---------------------------------------------------------------------------------------------
_TITLE_LINE = re.compile(r"^.{0,60}表\s*$")
_PART = re.compile(r"^\W*第[一二三四五六七八九十\d]+部分")


def _is_title_of(line: str, table: str) -> bool:
    cleaned = re.sub(r"^[#*\s]+|\*\*", "", line).strip()
    return bool(_TITLE_LINE.match(cleaned)) and canonical_table_name(cleaned) == table


def _edit_text_export(text: str, edit: Edit) -> str | None:
    if edit.where == TEXT:
        return replace_nth(text, edit.old, edit.new, edit.occurrence)
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _is_title_of(line, edit.table_name)]
    if not starts:
        return None
    start = starts[-1]  # the table, not its entry in the contents list
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if _PART.match(lines[i]) or (canonical_table_name(re.sub(r"^[#*\s]+", "", lines[i]).strip()) is not None)
        ),
        len(lines),
    )
    if edit.delete_table:
        return "\n".join(lines[:start] + lines[end:])
    for i in range(start, end):
        cells = lines[i].split("\t")
        keys = [k for k, cell in enumerate(cells) if _starts(cell, edit.row_key)] if edit.row_key else [-1]
        if not keys:
            continue
        if edit.delete_row:
            if any(cell.strip() == edit.old for cell in cells):
                return "\n".join(lines[:i] + lines[i + 1 :])
            continue
        # the figure after the row's key (a two-sided table holds two rows on one line)
        hits = [k for k, cell in enumerate(cells) if cell.strip() == edit.old and k > keys[0]]
        if hits:
            cells[hits[0]] = cells[hits[0]].replace(edit.old, edit.new)
            lines[i] = "\t".join(cells)
            return "\n".join(lines)
    return None


def _edit_views(views: list[tuple[int | None, str]], edit: Edit) -> list[tuple[int | None, str]] | None:
    """The views with the ``occurrence``-th match of the edit replaced (counted across pages)."""
    pattern = _loose(edit.old)
    occurrence = edit.occurrence
    if occurrence < 0:  # from the end
        occurrence += sum(len(pattern.findall(text)) for _, text in views)
        if occurrence < 0:
            return None
    edit = replace(edit, occurrence=occurrence)
    seen = 0
    for index, (page, text) in enumerate(views):
        matches = list(pattern.finditer(text))
        if seen + len(matches) > edit.occurrence:
            m = matches[edit.occurrence - seen]
            changed = list(views)
            changed[index] = (page, text[: m.start()] + edit.new + text[m.end() :])
            return changed
        seen += len(matches)
    return None


def _group_table(parts: list[RawTable]) -> str | None:
    return canonical_table_name(parts[0].title) if parts else None


def _edit_groups(groups: list[list[RawTable]], edit: Edit) -> list[list[RawTable]] | None:
    targets = [i for i, parts in enumerate(groups) if _group_table(parts) == edit.table_name]
    if not targets:
        return None
    if edit.delete_table:
        return [parts for i, parts in enumerate(groups) if i not in targets]
    changed = copy.deepcopy(groups)
    for index in targets:
        for part in changed[index]:
            for r, row in enumerate(part.rows):
                keys = [k for k, cell in enumerate(row) if _starts(cell, edit.row_key)] if edit.row_key else [-1]
                if not keys:
                    continue
                hits = [k for k, cell in enumerate(row) if cell.strip() == edit.old and k > keys[0]]
                if not hits:
                    continue
                if edit.delete_row:
                    del part.rows[r]
                else:
                    row[hits[0]] = row[hits[0]].replace(edit.old, edit.new)
                return changed
    return None


def _starts(cell: str, key: str) -> bool:
    """A grid cell holding the row's key (a code, possibly with its name in the same cell; a line's label)."""
    text = cell.strip()
    return text == key or text.startswith(key + " ") or (not key.isdigit() and text.endswith(key))


def _drop_title(pages: list[tuple[int | None, str]], table: str) -> list[tuple[int | None, str]]:
    """The pages without the table's title in the body (its last title line: the first is in the contents)."""
    found = [
        (p, i)
        for p, (_, text) in enumerate(pages)
        for i, line in enumerate(text.split("\n"))
        if _is_title_of(line, table)
    ]
    if not found:
        return pages
    page, index = found[-1]
    lines = pages[page][1].split("\n")
    changed = list(pages)
    changed[page] = (pages[page][0], "\n".join(lines[:index] + lines[index + 1 :]))
    return changed


# --- planning the defects of one document ------------------------------------------------------------------
def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _shifted(text: str, by: Decimal) -> str | None:
    number = text.replace(",", "")
    try:
        value = Decimal(number)
    except ArithmeticError:
        return None
    exponent = value.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 2
    shifted = (value + by).quantize(Decimal(1).scaleb(-places))
    return f"{shifted:,}" if "," in text else str(shifted)


_NUMBER = re.compile(r"\d[\d,]*\.?\d*")


def seeds_for(extraction: api.Extraction) -> list[Seed]:
    """The defects this document can carry, planned from its clean extraction (each at most once)."""
    seeds: list[Seed] = []
    facts = extraction.facts
    table = [f for f in facts if f.source_kind == "table"]
    statements = extraction.evidence.statements
    published = {f.table_name for f in table}
    # A cell changed (+100.00), blanked, its row deleted: a 项 of 支出决算表 (a class or 项 of any coded table else).
    # A row with a sibling under the same parent: deleting an only child leaves its parent's sum intact.
    codes = {(f.table_name, f.column_name, f.subject_code) for f in table if f.subject_code}

    def has_sibling(fact: Fact) -> bool:
        code = fact.subject_code or ""
        parent = code[:3] if len(code) == 5 else code[:5] if len(code) == 7 else ""
        return any(
            other != code and len(other) == len(code) and other.startswith(parent)
            for t, col, other in codes
            if t == fact.table_name and col == fact.column_name and other
        )

    coded = sorted(
        (f for f in table if f.table_name in c.CODED_TABLES and f.subject_code and f.value != 0 and has_sibling(f)),
        key=lambda f: (f.table_name != c.EXPENDITURE, -len(f.subject_code or ""), f.subject_code),
    )
    if coded:
        target = coded[0]
        raw = target.raw_text.split("\t")[-1].strip()
        if not _NUMBER.fullmatch(raw):
            raw = _amount(target.value)
        new = _shifted(raw, Decimal(100))
        place = f"{target.table_name} {target.subject_code} {target.column_name}"
        code = target.subject_code or ""
        cell = Edit(TABLE, raw, new or "", table_name=target.table_name, row_key=code)
        if new:
            seeds.append(Seed("cell", cell, ARITHMETIC, place))
        seeds.append(Seed("blank-cell", replace(cell, new=""), ARITHMETIC, place))
        seeds.append(Seed("delete-row", replace(cell, delete_row=True), ARITHMETIC, place))
    # A table deleted: the fund table or 三公 if printed, else the last listed.
    tables = {t.table_name for t in extraction.tables if t.table_name and t.reliable and t.status in ("ok", "empty")}
    for name in (c.GOV_FUND, c.STATE_CAPITAL, c.THREE_PUBLIC, c.BASIC):
        if name in tables:
            seeds.append(Seed("delete-table", Edit(TABLE, table_name=name, delete_table=True), ("R17",), name))
            break
    # A narrative figure changed (+10.00) and a total zeroed in the prose.
    narrative = [f for f in facts if f.source_kind == "narrative" and f.column_name != c.INITIAL_BUDGET_COLUMN]
    for fact in narrative:
        numbers = [m.group(0) for m in _NUMBER.finditer(fact.raw_text) if m.group(0).replace(",", "") != "0"]
        if fact.value != 0 and numbers and fact.table_name != c.RELATED_INFO:
            old = numbers[-1]
            new = _shifted(old, Decimal(10))
            if new:
                edit = Edit(TEXT, fact.raw_text, fact.raw_text.replace(old, new))
                where = f"{fact.table_name} {fact.subject_key} {fact.column_name}"
                seeds.append(Seed("narrative-figure", edit, _narrative_rules(fact, published), where))
            break
    total_lines = (c.INCOME_GRAND_TOTAL, "本年收入合计", "本年支出合计", c.TOTAL_ROW)
    totals = [f for f in narrative if f.line_item in total_lines and f.value != 0]
    if totals:
        fact = totals[0]
        numbers = [m.group(0) for m in _NUMBER.finditer(fact.raw_text)]
        if numbers:
            edit = Edit(TEXT, fact.raw_text, fact.raw_text.replace(numbers[-1], "0.00"))
            where = f"{fact.table_name} {fact.subject_key} {fact.column_name}"
            seeds.append(Seed("zeroed-total", edit, _narrative_rules(fact, published), where))
    # A stated rate changed (+5 points).
    for statement in statements:
        if statement.kind in (SHARE, GROWTH) and statement.rate is not None and statement.rate_unit and statement.right:
            seed = _rate_seed(statement)
            if seed is not None:
                seeds.append(seed)
                break
    # 大于/小于 flipped; 增加/减少 flipped.
    for statement in statements:
        # A comparison with one budget: against either of two (预算数 after 年初 and 全年 are stated) a flip
        # may still hold, by design.
        if statement.alternative is not None:
            continue
        if statement.kind == COMPARISON and any(w in statement.word for w in ("小于", "大于", "低于", "高于")):
            flipped = statement.word.translate(str.maketrans({"小": "大", "大": "小", "低": "高", "高": "低"}))
            edit = Edit(TEXT, statement.word, flipped, _occurrence(statements, statement))
            seeds.append(Seed("flip-comparison", edit, ("R14",), statement.raw_text[-40:]))
            break
    for statement in sorted(statements, key=lambda s: s.against != "last_year"):
        # A change against last year whose flipped word still implies a last year's figure (≥ 0), so that a
        # report of that year in the lake tells (R27); else any change.
        if statement.kind != GROWTH or statement.sign == 0 or not statement.left or statement.left.value == 0:
            continue
        if statement.right is not None and statement.right.value + statement.sign * statement.left.value < 0:
            continue
        word = "增加" if statement.sign > 0 else "减少"
        other = "减少" if statement.sign > 0 else "增加"
        text = statement.raw_text
        if word in text:
            at = text.rfind(word)  # the change's own word: the sentence may hold another change before it
            edit = Edit(TEXT, text, text[:at] + other + text[at + len(word) :])
            kind = "flip-change" if statement.against == "last_year" else "flip-change-budget"
            seeds.append(Seed(kind, edit, ("R15",), text[-40:]))
            break
    # A year changed, XX inserted.
    year = extraction.year
    seeds.append(Seed("year", Edit(TEXT, f"截至{year}年", f"截至{year - 1}年"), ("R22",), f"截至{year}年"))
    # A statement about the report's own figures dated two years back ("2021年度收入总计…" in a 2023 report).
    dated = [s.raw_text for s in statements if f"{year}年" in s.raw_text.replace(" ", "")]
    dated += [f.raw_text for f in narrative if f"{year}年" in f.raw_text.replace(" ", "")]
    if dated:
        sentence = dated[0].replace(" ", "")
        edit = Edit(TEXT, sentence, sentence.replace(f"{year}年", f"{year - 2}年", 1))
        seeds.append(Seed("year-in-statement", edit, ("R22",), sentence[:40]))
    seeds.append(Seed("placeholder", Edit(TEXT, "情况说明", "情况说明（XX局）"), ("R20",), "情况说明"))
    seeds.append(Seed("draft-mark", Edit(TEXT, "情况说明", "情况说明（征求意见稿）", -1), ("R21",), "情况说明"))
    # A note saying a table with figures has none, under its title (the last one: the body's, not the contents').
    if c.INCOME in tables and any(f.table_name == c.INCOME for f in table):
        edit = Edit(TEXT, c.INCOME, f"{c.INCOME}\n说明：本表无数据。", -1)
        seeds.append(Seed("empty-note-over-figures", edit, ("R18",), c.INCOME))
    amounts = [f for f in narrative if f.raw_text.rstrip().endswith("万元") and f.value != 0]
    if amounts:
        text = amounts[0].raw_text.rstrip()
        seeds.append(Seed("unit-dropped", Edit(TEXT, text, text[: -len("万元")]), ("R25",), text[-30:]))
        seeds.append(Seed("doubled-punctuation", Edit(TEXT, text, text + "，，"), ("R24",), text[-30:]))
    return seeds


def _narrative_rules(fact: Fact, published: set[str]) -> tuple[str, ...]:
    """A narrative figure changed: R13 finds it against its table; in a report whose tables are not read
    (printed as images) the narrative stands for them, and the arithmetic rules do, or the rates stated on it."""
    return ("R13",) if fact.table_name in published else (*ARITHMETIC, "R16")


def _occurrence(statements: list[Statement], statement: Statement) -> int:
    """Which occurrence of the statement's word it is among the document's comparison statements."""
    same = [s for s in statements if s.kind == COMPARISON and s.word == statement.word]
    return same.index(statement)


def _rate_seed(statement: Statement) -> Seed | None:
    assert statement.rate is not None
    printed = f"{statement.rate}{statement.rate_unit}"
    if printed not in statement.raw_text.replace(" ", ""):
        return None
    changed = f"{statement.rate + 5}{statement.rate_unit}"
    old = statement.raw_text.replace(" ", "")
    return Seed("rate", Edit(TEXT, old, old.replace(printed, changed)), ("R16",), old[-40:])
