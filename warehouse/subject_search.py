"""Finding a subject by code or by name, in Chinese, for ``juesuan compare`` and the web app.

A subject is a 科目代码 of the classification catalogue (``subjects``) or a line item the reports
state without a code (``合计``, ``本年收入合计``, ``公务接待费`` …). :func:`find_subjects` ranks the
candidates for a search text; :func:`resolve_subject` turns what an analyst typed into one subject
key, or raises :class:`SubjectNotFoundError` / :class:`AmbiguousSubjectError` carrying suggestions.

Ranking: an exact code or name first, then codes starting with the text, then the name matches:
subjects some unit reports before the others, functional before economic, 类 before 款 before 项,
names starting with the text before names containing it, then by code.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from juesuan.errors import JuesuanError

#: Match kinds, best first.
EXACT, CODE_PREFIX, NAME_PREFIX, CONTAINS = 0, 1, 2, 3


@dataclass(frozen=True)
class SubjectMatch:
    """One candidate subject for a search text."""

    key: str  # 科目代码, or the line item itself
    name: str
    level: str | None  # 类 / 款 / 项; None for a line item
    classification: str | None  # functional / economic; None for a line item
    reported_units: int  # units stating it, in the table and column most units state it in (any year)
    match: int  # EXACT, CODE_PREFIX, NAME_PREFIX or CONTAINS

    @property
    def label(self) -> str:
        return self.name if self.key == self.name else f"{self.key} {self.name}"


class SubjectNotFoundError(JuesuanError):
    """Nothing matches what was typed; ``suggestions`` are the nearest subjects."""

    def __init__(self, text: str, suggestions: list[SubjectMatch]) -> None:
        self.text = text
        self.suggestions = suggestions
        message = f"no unit reports {text}: it is neither a catalogue code or name nor a line item any report states"
        if suggestions:
            message += "; similar: " + "; ".join(s.label for s in suggestions[:8])
        super().__init__(message)


class AmbiguousSubjectError(JuesuanError):
    """Several subjects match a name; ``matches`` lists them, best first."""

    def __init__(self, text: str, matches: list[SubjectMatch]) -> None:
        self.text = text
        self.matches = matches
        shown = "; ".join(m.label for m in matches[:3])
        more = " …" if len(matches) > 3 else ""
        super().__init__(
            f"subject {text!r} matches {len(matches)} subjects ({shown}{more}): pass one of their codes as --subject"
        )


_SEARCH_SQL = """
WITH catalogue AS (
    SELECT
        code AS key,
        arg_max(name, valid_from_year) AS name,
        arg_max(level, valid_from_year) AS level,
        arg_max(classification, valid_from_year) AS classification
    FROM subjects
    GROUP BY code
),

-- Codes the reports print that the catalogue does not know (kept as printed, with their printed name),
-- and the line items: from subject_index, a small table, never the facts themselves.
printed AS (
    SELECT subject_code AS key, min(subject_name) AS name, NULL AS level, NULL AS classification
    FROM subject_index
    WHERE subject_code IS NOT NULL AND subject_code NOT IN (SELECT key FROM catalogue)
    GROUP BY subject_code
),

line_items AS (
    SELECT DISTINCT subject_key AS key, subject_key AS name, NULL AS level, NULL AS classification
    FROM subject_index
    WHERE subject_code IS NULL
),

candidates AS (
    SELECT * FROM catalogue
    UNION ALL SELECT * FROM printed
    UNION ALL SELECT * FROM line_items
),

matched AS (
    SELECT
        *,
        CASE
            WHEN key = $text OR name = $text THEN 0
            WHEN starts_with(key, $text) THEN 1
            WHEN starts_with(name, $text) THEN 2
            WHEN contains(name, $text) OR contains(key, $text) THEN 3
        END AS match
    FROM candidates
)

SELECT key, name, level, classification, match
FROM matched
WHERE match IS NOT NULL
"""


def find_subjects(connection: duckdb.DuckDBPyConnection, text: str, limit: int = 20) -> list[SubjectMatch]:
    """The subjects matching ``text`` (a code or part of a name), best first, at most ``limit``."""
    text = text.strip()
    if not text:
        return []
    rows = connection.execute(_SEARCH_SQL, {"text": text}).fetchall()
    reported = _reported_units(connection, [row[0] for row in rows])
    level_order = {"类": 0, "款": 1, "项": 2}
    matches = [
        SubjectMatch(
            key=key,
            name=name,
            level=level,
            classification=classification,
            reported_units=reported.get(key, 0),
            match=int(match),
        )
        for key, name, level, classification, match in rows
    ]
    matches.sort(
        key=lambda m: (
            min(m.match, NAME_PREFIX),  # exact, then code prefix, then the name matches together:
            m.reported_units == 0,  # subjects some unit reports first,
            m.classification != "functional",  # functional before economic,
            level_order.get(m.level or "", 3),  # 类 before 款 before 项,
            m.match,
            m.key,
        )
    )
    return matches[:limit]


def _reported_units(connection: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    # The units stating it in the table and column most units state it in (subject_index is small).
    rows = connection.execute(
        "SELECT subject_key, max(units) FROM subject_index WHERE list_contains($keys, subject_key) GROUP BY 1",
        {"keys": keys},
    ).fetchall()
    return {key: int(count) for key, count in rows}


def resolve_subject(connection: duckdb.DuckDBPyConnection, text: str) -> SubjectMatch:
    """The one subject ``text`` names: an exact code, catalogue name or line item, or the only match.

    Several subjects of one exact name (a 款 and its 项 share 其他社会保障和就业支出) or several partial
    matches raise :class:`AmbiguousSubjectError`; nothing matching raises :class:`SubjectNotFoundError`
    with the subjects that come nearest (same leading digits, or sharing characters of the name).
    """
    text = text.strip()
    matches = find_subjects(connection, text, limit=200)
    exact = [m for m in matches if m.match == EXACT]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        codes = [m for m in exact if m.key == text]
        if len(codes) == 1:
            return codes[0]
        raise AmbiguousSubjectError(text, exact)
    if len(matches) == 1 and not text.isdigit():
        return matches[0]
    if matches and not text.isdigit():
        raise AmbiguousSubjectError(text, matches)
    raise SubjectNotFoundError(text, matches or _nearest(connection, text))


def _nearest(connection: duckdb.DuckDBPyConnection, text: str) -> list[SubjectMatch]:
    """Subjects sharing the longest leading digits of a code, or any character of a name."""
    if text.isdigit():
        for length in range(len(text) - 1, 0, -1):
            found = [m for m in find_subjects(connection, text[:length], limit=50) if m.match <= CODE_PREFIX]
            if found:
                return found[:10]
        return []
    seen: dict[str, SubjectMatch] = {}
    for character in dict.fromkeys(text):
        for match in find_subjects(connection, character, limit=50):
            seen.setdefault(match.key, match)
    ranked = sorted(seen.values(), key=lambda m: (-sum(ch in m.name for ch in set(text)), m.key))
    return ranked[:10]
