"""The national classification catalogue: 支出功能分类 and 部门预算支出经济分类.

What it holds (data files beside this module, ``catalogue/<classification>-<edition>.csv``):

* 支出功能分类 (政府收支分类科目, functional): every 类 of the 2017–2025 editions and the 款 of each
  class whose official code and name are certain (classes 209, 219 and 230 are listed without their
  款), plus every 项 the real reports print (``transform/catalogue_observed.py`` lists them) and the
  项 of the 款 the corpus spends on.
* 部门预算支出经济分类 (economic): every 类 (301, 302, 303, 307, 309, 310, 311, 312, 313, 399) and 款 of
  the current edition (the classification of 2018 onwards), and the 2017 rows of the older 支出经济分类
  that the 2018 reform renamed, renumbered or dropped (30104 社会保障缴费, 30311 住房公积金, 310 其他资本性支出
  …). 政府预算支出经济分类 (501, 502 …) is a different classification and is not held.

Each row has a validity range in years (``valid_from_year`` … ``valid_to_year``, open while current): a
later edition is added as new rows (a renamed subject gets a row for its new name, the old one's range
ends, and each carries the other name as an alias), never by editing old ones. The files group rows by
edition: ``-2017`` holds rows that editions before 2023 renamed or dropped, ``-2023`` the 2023 edition
(``valid_from_year`` going back to the first edition known to carry the same code and name, 2017 at the
earliest), ``-2024`` what the 2024 edition added (20139 社会工作事务 …). No change of the 2025 edition is
recorded: the 2025 budgets print no code it lacks.

The catalogue names subjects, resolves narrative names (``社会保障和就业支出（类）…（项）`` or
``社会保障和就业（208）…（09）``) to codes, and resolves printed (code, name) pairs (a :class:`Resolution`):

* ``ok``: the code is the catalogue's for that year; a printed name that differs is noted, not changed.
* ``observed``: a well-formed code the catalogue does not know, printed with a name: kept as printed.
* ``repaired``: a damaged code (``3010 基本工资`` → 30101) repaired from its name, when the name and the
  surviving digits agree on exactly one subject.
* ``unresolved``: a malformed code that cannot be repaired, or a name without a unique subject: left raw
  and flagged, never guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from juesuan.extract.text import clean_cell

FUNCTIONAL = "functional"
ECONOMIC = "economic"
CLASSIFICATIONS = (FUNCTIONAL, ECONOMIC)
LEVELS = ("类", "款", "项")
_LEVEL_SUFFIX = re.compile(r"\((?:类|款|项)\)$")
# Well-formed codes: a functional 类 201–299 with 款 and 项 of two digits each (never 00); an economic
# 类 301–399 with a two-digit 款.
_FUNCTIONAL_CODE = re.compile(r"2(?!00)\d\d(?:(?!00)\d\d){0,2}")
_ECONOMIC_CODE = re.compile(r"3(?!00)\d\d(?:(?!00)\d\d)?")


def well_formed(code: str, classification: str) -> bool:
    """Whether ``code`` has the shape of a code of ``classification`` (not whether the catalogue knows it)."""
    pattern = _FUNCTIONAL_CODE if classification == FUNCTIONAL else _ECONOMIC_CODE
    return pattern.fullmatch(code) is not None


def name_key(name: str) -> str:
    """How names compare: folded width, no spaces or markup, no (类) marker, no trailing 支出."""
    key = clean_cell(name)
    key = _LEVEL_SUFFIX.sub("", key)
    key = key.replace("（", "(").replace("）", ")")
    if key.endswith("支出") and len(key) > 2:
        key = key[:-2]
    return key


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    level: str
    parent_code: str | None
    classification: str
    valid_from_year: int
    valid_to_year: int | None
    aliases: tuple[str, ...] = ()

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return self.valid_from_year <= year and (self.valid_to_year is None or year <= self.valid_to_year)

    def name_keys(self) -> set[str]:
        return {name_key(self.name), *(name_key(a) for a in self.aliases)}


def _edition_order(subject: Subject) -> tuple[bool, int, int]:
    return (subject.valid_to_year is None, subject.valid_to_year or 0, subject.valid_from_year)


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving a (code, name) pair read from a document."""

    raw_code: str | None
    raw_name: str
    code: str | None
    #: "ok" (the catalogue's code; a differing name is noted in ``reason``), "observed" (a well-formed
    #: code the catalogue lacks, kept as printed with its name), "repaired" (a damaged code repaired from
    #: its name) or "unresolved" (code None: flagged, never guessed).
    status: str
    reason: str = ""

    @property
    def resolved(self) -> bool:
        return self.code is not None


class Catalogue:
    def __init__(self, subjects: list[Subject]) -> None:
        self._subjects = subjects
        self._by_code: dict[tuple[str, str], list[Subject]] = {}
        self._keyed: dict[str, list[tuple[Subject, set[str]]]] = {c: [] for c in CLASSIFICATIONS}
        #: Exact name keys → subjects: the names a table or the narrative prints whole.
        self._by_key: dict[tuple[str, str], list[Subject]] = {}
        for subject in subjects:
            self._by_code.setdefault((subject.classification, subject.code), []).append(subject)
            keys = subject.name_keys()
            self._keyed.setdefault(subject.classification, []).append((subject, keys))
            for key in keys:
                self._by_key.setdefault((subject.classification, key), []).append(subject)
        for editions in self._by_code.values():
            # The current edition first: ``get`` without a year answers with it.
            editions.sort(key=_edition_order, reverse=True)

    # --- loading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls) -> Catalogue:
        return _default_catalogue()

    @classmethod
    def from_csv_texts(cls, texts: dict[str, str]) -> Catalogue:
        """``{filename: csv text}``; the classification is the file name's prefix."""
        subjects: list[Subject] = []
        for filename, text in sorted(texts.items()):
            classification = filename.split("-", 1)[0]
            if classification not in CLASSIFICATIONS:
                raise ValueError(f"catalogue file {filename!r}: prefix must be one of {CLASSIFICATIONS}")
            for row in csv.DictReader(text.splitlines()):
                subjects.append(
                    Subject(
                        code=row["code"],
                        name=row["name"],
                        level=row["level"],
                        parent_code=row["parent_code"] or None,
                        classification=classification,
                        valid_from_year=int(row["valid_from_year"]),
                        valid_to_year=int(row["valid_to_year"]) if row["valid_to_year"] else None,
                        aliases=tuple(a for a in row["aliases"].split("|") if a),
                    )
                )
        return cls(subjects)

    # --- lookups -----------------------------------------------------------------------------------
    @property
    def subjects(self) -> list[Subject]:
        return list(self._subjects)

    def get(self, code: str, classification: str, year: int | None = None) -> Subject | None:
        """The subject of ``code`` valid in ``year``; without a year, the current (else the latest) edition."""
        for subject in self._by_code.get((classification, code), []):
            if subject.valid_in(year):
                return subject
        return None

    def children(self, parent_code: str | None, classification: str, year: int | None = None) -> list[Subject]:
        return [
            s
            for s in self._subjects
            if s.classification == classification and s.parent_code == parent_code and s.valid_in(year)
        ]

    def by_name(
        self,
        name: str,
        classification: str,
        *,
        level: str | None = None,
        parent_code: str | None = None,
        year: int | None = None,
        prefix: bool = False,
    ) -> list[Subject]:
        """Subjects whose name (or alias) matches; ``prefix`` also accepts names cut short."""
        key = name_key(name)
        if not key:
            return []
        if not prefix:
            return [
                subject
                for subject in self._by_key.get((classification, key), [])
                if subject.valid_in(year)
                and (level is None or subject.level == level)
                and (parent_code is None or subject.parent_code == parent_code)
            ]
        found = []
        for subject, keys in self._keyed.get(classification, []):
            if not subject.valid_in(year):
                continue
            if level is not None and subject.level != level:
                continue
            if parent_code is not None and subject.parent_code != parent_code:
                continue
            if key in keys or (prefix and len(key) >= 2 and any(k.startswith(key) for k in keys)):
                found.append(subject)
        return found

    # --- resolution ----------------------------------------------------------------------------------
    def resolve_economic(self, raw_code: str | None, raw_name: str, year: int | None = None) -> Resolution:
        """An economic (code, name) from a 基本支出 table, or a name alone from the narrative.

        A code the catalogue knows for ``year`` is authoritative (a differing name is noted); a
        well-formed unknown code printed with a name is kept (``observed``); a damaged code is repaired
        from the name when the name and the surviving digits agree on one subject.
        """
        code = (raw_code or "").strip()
        if code:
            return self._resolve_coded(code, raw_code, raw_name, ECONOMIC, year)
        # Narrative items carry no code: a name (or a name cut short) is a lookup, not a repair.
        candidates = self.by_name(raw_name, ECONOMIC, year=year) or self.by_name(
            raw_name, ECONOMIC, year=year, prefix=True
        )
        if len(candidates) == 1:
            found = candidates[0]
            note = "" if name_key(raw_name) in found.name_keys() else f"name {raw_name!r} cut short"
            return Resolution(raw_code, raw_name, found.code, "ok", note)
        options = ", ".join(c.code for c in candidates) or "none"
        return Resolution(
            raw_code, raw_name, None, "unresolved", f"no unique economic subject for {raw_name!r} ({options})"
        )

    def resolve_functional(self, raw_code: str | None, raw_name: str, year: int | None = None) -> Resolution:
        """A functional (code, name) from a coded table. The printed code is authoritative when known."""
        code = (raw_code or "").strip()
        if not code:
            return Resolution(raw_code, raw_name, None, "unresolved", f"no code for {raw_name!r}")
        return self._resolve_coded(code, raw_code, raw_name, FUNCTIONAL, year)

    def _resolve_coded(
        self, code: str, raw_code: str | None, raw_name: str, classification: str, year: int | None
    ) -> Resolution:
        subject = self.get(code, classification, year)
        if subject is not None:
            differs = raw_name.strip() and name_key(raw_name) not in subject.name_keys()
            if differs and classification == ECONOMIC and subject.level == "类":
                # An economic 类 code printed with the name of one of its 款 is a 款 code cut short.
                children = self.by_name(raw_name, ECONOMIC, parent_code=code, year=year) or self.by_name(
                    raw_name, ECONOMIC, parent_code=code, year=year, prefix=True
                )
                if len(children) == 1:
                    repaired = children[0]
                    reason = f"code {code} is {subject.name}, but the row says {raw_name!r} ({repaired.code})"
                    return Resolution(raw_code, raw_name, repaired.code, "repaired", reason)
            note = f"name {raw_name!r} differs from catalogue {subject.name!r}" if differs else ""
            return Resolution(raw_code, raw_name, subject.code, "ok", note)
        if well_formed(code, classification):
            if not name_key(raw_name):
                return Resolution(
                    raw_code, raw_name, None, "unresolved", f"code {code} not in the catalogue, printed without a name"
                )
            reason = f"code {code} not in the catalogue"
            if year is not None:
                reason += f" for {year}"
            other = self.get(code, classification)
            if other is not None:
                until = f"–{other.valid_to_year}" if other.valid_to_year else " on"
                reason += f" (it has {code} {other.name} for {other.valid_from_year}{until})"
            reason += f"; kept as printed with its name {clean_cell(raw_name)!r}"
            return Resolution(raw_code, raw_name, code, "observed", reason)
        if classification == FUNCTIONAL and re.fullmatch(r"\d{3}(?:\d{2}){0,2}", code):
            # Digits of the right count that are no code (款 00, 类 200): nothing to repair them from.
            return Resolution(raw_code, raw_name, None, "unresolved", f"code {code!r} {raw_name!r} is not a code")
        # A damaged code: repair only when the name and the surviving digits agree on one subject.
        candidates = self.by_name(raw_name, classification, year=year)
        if not candidates and classification == ECONOMIC:
            candidates = self.by_name(raw_name, classification, year=year, prefix=True)
        if classification == ECONOMIC:
            candidates = [c for c in candidates if c.code.startswith(code[: min(len(code), len(c.code))])]
        else:
            candidates = [c for c in candidates if c.code.startswith(code[:3])]
        if len(candidates) == 1:
            repaired = candidates[0]
            reason = (
                f"code {code!r} is not a valid economic code; {raw_name!r} is {repaired.code} {repaired.name}"
                if classification == ECONOMIC
                else f"damaged code {code!r} repaired by name"
            )
            return Resolution(raw_code, raw_name, repaired.code, "repaired", reason)
        options = ", ".join(c.code for c in candidates) or "none"
        return Resolution(
            raw_code,
            raw_name,
            None,
            "unresolved",
            f"code {code!r} {raw_name!r} not in the catalogue and not repairable by name ({options})",
        )

    def resolve_chain(self, parts: list[tuple[str, str | None]], year: int | None = None) -> Resolution:
        """A narrative chain ``[(name, code fragment or None), …]`` from 类 down, to one subject.

        ``[("社会保障和就业", None), ("人力资源和社会保障管理事务", None), ("社会保险经办机构", None)]`` and
        ``[("社会保障和就业", "208"), ("人力资源和社会保障管理事务", "01"), ("社会保险经办机构", "09")]``
        both resolve to 2080109. A chain may start at 款 when ``parts[0]`` is a known 类 code context:
        pass the 类 as ``(name, None)`` anyway.
        """
        raw = "".join(f"{n}({c})" if c else n for n, c in parts)
        parent: Subject | None = None
        for depth, (name, fragment) in enumerate(parts):
            level = LEVELS[depth] if depth < len(LEVELS) else None
            if level is None:
                return Resolution(None, raw, None, "unresolved", "more than three levels")
            by_code = None
            if fragment:
                code = fragment if depth == 0 else (parent.code if parent else "") + fragment
                by_code = self.get(code, FUNCTIONAL, year)
            by_name = self.by_name(
                name, FUNCTIONAL, level=level, parent_code=parent.code if parent else None, year=year
            )
            if by_code is not None and (not by_name or by_code in by_name):
                parent = by_code
            elif by_code is None and len(by_name) == 1:
                parent = by_name[0]
            else:
                return Resolution(None, raw, None, "unresolved", f"{level} {name!r} not found under {parent}")
        assert parent is not None
        return Resolution(None, raw, parent.code, "ok")

    # --- export ----------------------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """The ``subjects`` dimension table of the contract."""
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "level": s.level,
                "parent_code": s.parent_code,
                "classification": s.classification,
                "valid_from_year": s.valid_from_year,
                "valid_to_year": s.valid_to_year,
            }
            for s in self._subjects
        ]
        frame = pd.DataFrame(rows)
        frame["valid_from_year"] = frame["valid_from_year"].astype("int16")
        frame["valid_to_year"] = frame["valid_to_year"].astype("Int16")
        return frame


@cache
def _default_catalogue() -> Catalogue:
    folder = resources.files("juesuan.transform") / "catalogue"
    texts = {entry.name: entry.read_text(encoding="utf-8") for entry in folder.iterdir() if entry.name.endswith(".csv")}
    return Catalogue.from_csv_texts(texts)
