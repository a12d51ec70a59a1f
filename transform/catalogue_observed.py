"""The subject codes real reports print, against the catalogue: a maintainer's tool.

The catalogue (``transform/catalogue/*.csv``) holds the 类 and 款 of the editions from knowledge of the
published 政府收支分类科目; its 项 and the names reports actually print come from the reports. This
module reads (code, name) pairs from report text and compares them with the catalogue, so a new batch of
documents shows at once which codes the catalogue lacks and which printed names differ from it:

* functional 7-digit codes (``2080505 机关事业单位基本养老保险缴费支出``), codes printed in columns
  (``208 05 05 …``), 5- and 3-digit ones, and the codes of narrative chains
  (``住房保障（221）住房改革支出（02）住房公积金（01）``);
* economic 5-digit codes (``30101 基本工资``, ``301 01 基本工资``) and their 类.

A name wrapped onto the next line (``…基本养老保险缴`` / ``费支出``) is joined; a name cut short by its
column is kept as printed and loses to the full one when both are seen. Read from PDFs (pypdfium2's text
layer) and text exports; the year is the first ``20xx`` in the file name.

Run (from the project root, with ``../shared`` beside it)::

    .venv/bin/python -m juesuan.transform.catalogue_observed            # what the catalogue lacks or names differently
    .venv/bin/python -m juesuan.transform.catalogue_observed --all      # every pair, with its status
    .venv/bin/python -m juesuan.transform.catalogue_observed --rows     # missing codes as catalogue CSV rows

``--rows`` prints rows in the catalogue's CSV format (``valid_from_year`` = the first year seen): review
them (the official name, the edition they belong to) before adding them to a catalogue file. Only codes
and names are taken from the documents.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from juesuan.transform.catalogue import ECONOMIC, FUNCTIONAL, Catalogue, name_key

#: Where the shared documents live when the project is checked out beside ``shared/``.
DEFAULT_SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SOURCES = ("real/final/*.pdf", "real/budget/*.pdf", "corpus/*.txt")
CATALOGUE_COLUMNS = ("code", "name", "level", "parent_code", "valid_from_year", "valid_to_year", "aliases")

#: 类 codes a table can print: functional 201–235, economic 301–313 and 399.
FUNCTIONAL_CLASSES = frozenset(str(c) for c in range(201, 236))
ECONOMIC_CLASSES = frozenset({*(str(c) for c in range(301, 314)), "399"})

# A name starts with a Chinese character and goes on with more, brackets, 、 and quotes.
_NAME = r"[\u4e00-\u9fff][\u4e00-\u9fff（）()、“”]*"
# A code (7, 5 or 3 digits, or 3 + 2 (+ 2) digits printed in columns) and the name after it.
_CODE_AND_NAME = re.compile(
    rf"(?<![\d.,\-－/:：（(])(?P<code>\d{{3}}(?:[ \t]\d{{2}}){{1,2}}|\d{{7}}|\d{{5}}|\d{{3}})[ \t]*"
    rf"(?P<name>{_NAME})"
)
# A narrative chain: 住房保障（221）住房改革支出（02）住房公积金（01）.
_CHAIN = re.compile(
    r"(?P<n1>[\u4e00-\u9fff]+)[（(](?P<c1>\d{3})[）)]"
    r"(?P<n2>[\u4e00-\u9fff]+)[（(](?P<c2>\d{2})[）)]"
    r"(?:(?P<n3>[\u4e00-\u9fff]+)[（(](?P<c3>\d{2})[）)])?"
)
# The rest of a wrapped name: a short fragment alone on the next line, or before the row's amounts.
_CONTINUATION = re.compile(rf"^\s*(?P<rest>{_NAME})(?:\s+[-\d,.]+)*\s*$")
# Prose puts numbers before units ("200 万元", "21968 万元。"): not a code and a name.
_UNITS = (*"万元名个多年月日次家辆台套余项条所间份", "人次", "人员")
_NOT_A_CONTINUATION = {"合计", "总计", "小计", "类", "款", "项"}
_MAX_CONTINUATION = 8


@dataclass(frozen=True)
class Printed:
    """One (code, name) pair as a document prints it."""

    code: str
    name: str
    classification: str
    source: str
    year: int | None


@dataclass
class Observed:
    """Everything printed for one code: the names and where they were seen."""

    code: str
    classification: str
    #: printed name → the (source, year) pairs that print it
    names: dict[str, set[tuple[str, int | None]]] = field(default_factory=dict)

    @property
    def years(self) -> set[int]:
        return {year for seen in self.names.values() for _, year in seen if year is not None}

    @property
    def name(self) -> str:
        """The printed name: the most widely printed of those no other name extends (cut names lose)."""
        full = [n for n in self.names if not any(o != n and o.startswith(n) for o in self.names)]
        return max(full, key=lambda n: (len(self.names[n]), len(n), n))

    @property
    def level(self) -> str:
        return {3: "类", 5: "款", 7: "项"}[len(self.code)]

    @property
    def parent_code(self) -> str | None:
        return {3: None, 5: self.code[:3], 7: self.code[:5]}[len(self.code)]


def _classification(code: str) -> str | None:
    if code[:3] in FUNCTIONAL_CLASSES:
        return FUNCTIONAL
    if code[:3] in ECONOMIC_CLASSES and len(code) in (3, 5):
        return ECONOMIC
    return None


def pairs_in_text(text: str, source: str = "", year: int | None = None) -> Iterator[Printed]:
    """The (code, name) pairs a text prints, in order."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        for match in _CODE_AND_NAME.finditer(line):
            code = re.sub(r"\s", "", match.group("code"))
            name = match.group("name")
            classification = _classification(code)
            after = line[match.end() : match.end() + 1]
            if classification is None or len(name) < 2 or (after and not after.isspace() and not after.isdigit()):
                continue  # a table row's name ends the line or comes before its amounts
            if len(code) < 7 and name.startswith(_UNITS):
                continue
            if not line[match.end() :].strip() and index + 1 < len(lines):
                following = _CONTINUATION.match(lines[index + 1])
                if following and len(following.group("rest")) <= _MAX_CONTINUATION:
                    rest = following.group("rest")
                    if rest not in _NOT_A_CONTINUATION:
                        name += rest
            yield Printed(code, name, classification, source, year)
        for match in _CHAIN.finditer(line):
            code = match.group("c1")
            if code not in FUNCTIONAL_CLASSES:
                continue
            yield Printed(code, match.group("n1"), FUNCTIONAL, source, year)
            code += match.group("c2")
            yield Printed(code, match.group("n2"), FUNCTIONAL, source, year)
            if match.group("c3"):
                yield Printed(code + match.group("c3"), match.group("n3"), FUNCTIONAL, source, year)


def document_text(path: Path) -> str:
    """The text of a PDF (pypdfium2's text layer, page after page) or of a text export."""
    if path.suffix.lower() != ".pdf":
        return path.read_text(encoding="utf-8")
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def year_of(path: Path) -> int | None:
    found = re.search(r"(?<!\d)(20\d\d)(?!\d)", path.name)
    return int(found.group(1)) if found else None


def documents(shared: Path) -> list[Path]:
    return sorted(p for pattern in SOURCES for p in shared.glob(pattern))


def observe(paths: Iterable[Path]) -> dict[tuple[str, str], Observed]:
    """Every code the documents print, keyed by (classification, code)."""
    found: dict[tuple[str, str], Observed] = {}
    for path in paths:
        year = year_of(path)
        for printed in pairs_in_text(document_text(path), path.name, year):
            key = (printed.classification, printed.code)
            observed = found.setdefault(key, Observed(printed.code, printed.classification))
            observed.names.setdefault(printed.name, set()).add((path.name, year))
    return found


def status(catalogue: Catalogue, observed: Observed, name: str, year: int | None) -> str:
    """``ok``, ``name differs`` (catalogue name …) or ``missing`` for one printed name in one year."""
    subject = catalogue.get(observed.code, observed.classification, year)
    if subject is None:
        return "missing"
    if name_key(name) in subject.name_keys():
        return "ok"
    if any(k.startswith(name_key(name)) for k in subject.name_keys()):
        return "ok (cut short)"
    return f"name differs (catalogue: {subject.name})"


def report(catalogue: Catalogue, found: dict[tuple[str, str], Observed], everything: bool) -> list[list[str]]:
    rows = []
    for (classification, code), observed in sorted(found.items()):
        for name, seen in sorted(observed.names.items()):
            for year in sorted({y for _, y in seen}, key=lambda y: y or 0):
                state = status(catalogue, observed, name, year)
                if everything or not state.startswith("ok"):
                    sources = ";".join(sorted(source for source, y in seen if y == year))
                    rows.append([classification, code, name, str(year or ""), state, sources])
    return rows


def candidate_rows(catalogue: Catalogue, found: dict[tuple[str, str], Observed]) -> list[list[str]]:
    """Missing codes as catalogue rows (code, name, level, parent, from, to, aliases), by classification."""
    rows = []
    for (classification, code), observed in sorted(found.items()):
        years: set[int | None] = set(observed.years) or {None}
        if all(catalogue.get(code, classification, y) for y in years):
            continue
        first = min(observed.years) if observed.years else ""
        rows.append(
            [classification, code, observed.name, observed.level, observed.parent_code or "", str(first), "", ""]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder (default ../shared)")
    parser.add_argument("--all", action="store_true", help="every printed pair, not only those to look at")
    parser.add_argument("--rows", action="store_true", help="missing codes as catalogue CSV rows")
    args = parser.parse_args(argv)
    paths = documents(args.shared)
    if not paths:
        print(f"no documents under {args.shared}", file=sys.stderr)
        return 1
    catalogue = Catalogue.load()
    found = observe(paths)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if args.rows:
        writer.writerow(["classification", *CATALOGUE_COLUMNS])
        writer.writerows(candidate_rows(catalogue, found))
    else:
        writer.writerow(["classification", "code", "name", "year", "status", "sources"])
        writer.writerows(report(catalogue, found, args.all))
    counts: dict[str, int] = defaultdict(int)
    for classification, _ in found:
        counts[classification] += 1
    print(f"{len(paths)} documents, codes printed: {dict(counts)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
