"""The national classification catalogue: 支出功能分类 and 部门预算支出经济分类.

Versioned data files live beside this module (``catalogue/functional-2023.csv`` …); each row has a
validity range in years, so a later edition is added as new rows, never by editing old ones.

The catalogue names subjects, resolves narrative names (``社会保障和就业支出（类）…（项）`` or
``社会保障和就业（208）…（09）``) to codes, and repairs damaged codes (``3010 基本工资`` → 30101)
from their names. A repair is reported as a :class:`Resolution`; a code that cannot be resolved
uniquely is left raw and flagged, never guessed.
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


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving a (code, name) pair read from a document."""

    raw_code: str | None
    raw_name: str
    code: str | None
    status: str  # "ok" | "repaired" | "unresolved"
    reason: str = ""

    @property
    def resolved(self) -> bool:
        return self.code is not None


class Catalogue:
    def __init__(self, subjects: list[Subject]) -> None:
        self._subjects = subjects
        self._by_code: dict[tuple[str, str], list[Subject]] = {}
        for subject in subjects:
            self._by_code.setdefault((subject.classification, subject.code), []).append(subject)

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
        found = []
        for subject in self._subjects:
            if subject.classification != classification or not subject.valid_in(year):
                continue
            if level is not None and subject.level != level:
                continue
            if parent_code is not None and subject.parent_code != parent_code:
                continue
            keys = subject.name_keys()
            if key in keys or (prefix and len(key) >= 2 and any(k.startswith(key) for k in keys)):
                found.append(subject)
        return found

    # --- resolution ----------------------------------------------------------------------------------
    def resolve_economic(self, raw_code: str | None, raw_name: str, year: int | None = None) -> Resolution:
        """An economic (code, name) from a 基本支出 table; repairs truncated codes from the name."""
        code = (raw_code or "").strip()
        subject = self.get(code, ECONOMIC, year) if code else None
        if subject is not None and (not raw_name.strip() or name_key(raw_name) in subject.name_keys()):
            return Resolution(raw_code, raw_name, subject.code, "ok")
        candidates = self.by_name(raw_name, ECONOMIC, year=year)
        if not candidates:
            candidates = self.by_name(raw_name, ECONOMIC, year=year, prefix=True)
        if code:
            candidates = [c for c in candidates if c.code.startswith(code[: min(len(code), len(c.code))])]
        if len(candidates) == 1 and not code:
            # Narrative items carry no code: a name (or a name cut short) is a lookup, not a repair.
            found = candidates[0]
            note = "" if name_key(raw_name) in found.name_keys() else f"name {raw_name!r} cut short"
            return Resolution(raw_code, raw_name, found.code, "ok", note)
        if len(candidates) == 1:
            repaired = candidates[0]
            reason = (
                f"code {code!r} is not a valid economic code; {raw_name!r} is {repaired.code} {repaired.name}"
                if subject is None
                else f"code {code} is {subject.name}, but the row says {raw_name!r} ({repaired.code})"
            )
            return Resolution(raw_code, raw_name, repaired.code, "repaired", reason)
        if subject is not None:
            return Resolution(
                raw_code,
                raw_name,
                subject.code,
                "ok",
                f"name {raw_name!r} differs from catalogue {subject.name!r}",
            )
        options = ", ".join(c.code for c in candidates) or "none"
        return Resolution(
            raw_code,
            raw_name,
            None,
            "unresolved",
            f"no unique economic subject for {code!r} {raw_name!r} ({options})",
        )

    def resolve_functional(self, raw_code: str | None, raw_name: str, year: int | None = None) -> Resolution:
        """A functional (code, name) from a coded table. The printed code is authoritative when known."""
        code = (raw_code or "").strip()
        subject = self.get(code, FUNCTIONAL, year) if code else None
        if subject is not None:
            differs = raw_name.strip() and name_key(raw_name) not in subject.name_keys()
            note = f"name {raw_name!r} differs from catalogue {subject.name!r}" if differs else ""
            return Resolution(raw_code, raw_name, subject.code, "ok", note)
        if code and not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
            # A damaged code: repair only when the name and the surviving digits agree on one subject.
            candidates = [c for c in self.by_name(raw_name, FUNCTIONAL, year=year) if c.code.startswith(code[:3])]
            if len(candidates) == 1:
                return Resolution(
                    raw_code,
                    raw_name,
                    candidates[0].code,
                    "repaired",
                    f"damaged code {code!r} repaired by name",
                )
        return Resolution(raw_code, raw_name, None, "unresolved", f"code {code!r} {raw_name!r} not in the catalogue")

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
