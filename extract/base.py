"""The types every extraction strategy shares: raw grids in, facts and a parsing report out."""

from __future__ import annotations

from dataclasses import dataclass, field

from juesuan.contract import Fact
from juesuan.extract.evidence import PerformanceTable

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, origin bottom-left of the page as displayed


class Cell(str):
    """A grid cell's text that remembers where it is printed: its page and the box of its glyphs.

    Readers that know positions (the PDF readers, OCR) fill grids with these; every later step moves
    cells around without rebuilding them (stitching, lining up, header trees), so a fact still knows
    its page and box when it is emitted. Text operations return plain ``str``: the mapping reads the
    position from the grid's cell, never from a cleaned copy.
    """

    page: int | None
    box: Box | None

    def __new__(cls, text: str, page: int | None = None, box: Box | None = None) -> Cell:
        cell = super().__new__(cls, text)
        cell.page = page
        cell.box = box
        return cell

    def __reduce__(self) -> tuple[type[Cell], tuple[str, int | None, Box | None]]:
        return (Cell, (str(self), self.page, self.box))

    def with_text(self, text: str) -> Cell:
        return Cell(text, self.page, self.box)


def box_of(boxes: list[Box]) -> Box | None:
    """The smallest box holding ``boxes`` (None for none)."""
    if not boxes:
        return None
    return (
        round(min(b[0] for b in boxes), 2),
        round(min(b[1] for b in boxes), 2),
        round(max(b[2] for b in boxes), 2),
        round(max(b[3] for b in boxes), 2),
    )


@dataclass(frozen=True)
class DocumentContext:
    """What a strategy needs to know about the document it reads."""

    unit_id: str
    year: int
    document_sha256: str


@dataclass
class RawTable:
    """A grid of cells exactly as read, before any mapping to canonical names."""

    title: str | None
    rows: list[list[str]]
    extractor: str
    page: int | None = None
    line: int | None = None
    amount_unit: str = "万元"
    trailer: list[str] = field(default_factory=list)  # 注/说明 lines after the grid
    parsing_report: dict[str, float | int | str] = field(default_factory=dict)
    #: Each column's (left, right) x extent on the page, where known: continued tables are lined up by it.
    column_spans: list[tuple[float, float]] | None = None


@dataclass(frozen=True)
class CodeRepair:
    """A subject code that was repaired from its name, or could not be resolved (flagged)."""

    document_sha256: str
    table_name: str
    page: int | None
    raw_code: str | None
    raw_name: str
    code: str | None
    status: str  # "repaired" | "unresolved"
    reason: str


@dataclass
class TableReport:
    """The parsing report of one table: what it was taken for and what came out of it."""

    title: str | None
    table_name: str | None
    status: str  # "ok" | "empty" | "unrecognised" | "error"
    extractor: str
    page: int | None = None
    line: int | None = None
    rows: int = 0
    facts: int = 0
    notes: list[str] = field(default_factory=list)
    parsing_report: dict[str, float | int | str] = field(default_factory=dict)
    #: Which reading of the grid was kept (a reader and, when several were tried, the winning one).
    reading: str = ""
    #: How the table's own identities came out on the kept reading: see :data:`RECONCILED_STATES`.
    reconciled: str = "unchecked"
    #: False when the figures cannot be trusted to stand for the table (unrecognised layout,
    #: identities that do not reconcile, cells with text that became no figure). The identity suites
    #: then read the table's checks as ``not_checkable`` with :attr:`unreliable_reason`, never as
    #: blanks = 0.
    reliable: bool = True
    unreliable_reason: str = ""
    #: Every page the table is printed on (a continued table has several), in order.
    pages: list[int] = field(default_factory=list)


#: ``exact``: every within-table identity holds; ``rounding``: some differ within the published
#: rounding (0.01 万元 per addend); ``unreconciled``: some differ by more; ``unchecked``: the table has
#: no identity its own figures can test (one row, or no figures).
RECONCILED_STATES = ("exact", "rounding", "unreconciled", "unchecked")


@dataclass
class StrategyResult:
    """What one strategy (tables or narrative) yields for a document."""

    facts: list[Fact] = field(default_factory=list)
    tables: list[TableReport] = field(default_factory=list)
    repairs: list[CodeRepair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: 绩效自评表 read from grids the table mapping recognised as non-fiscal (extract/performance.py).
    performance: list[PerformanceTable] = field(default_factory=list)

    def extend(self, other: StrategyResult) -> None:
        self.facts.extend(other.facts)
        self.tables.extend(other.tables)
        self.repairs.extend(other.repairs)
        self.notes.extend(other.notes)
        self.performance.extend(other.performance)
