"""Text clean-up shared by every extractor: markup, full-width characters, amounts.

Two jobs are kept apart: *matching* works on a normalised string (ASCII digits and brackets, no
markup), while provenance keeps the exact source text. :func:`normalise` therefore returns an index
map from normalised positions back to the source.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

# Markup seen in text exports: HTML-ish tags (<b>, <u>), markdown emphasis and headings, Word bookmarks.
_TAG = re.compile(r"</?(?:b|u|i|strong|em|span|sup|sub)\b[^>]*>", re.IGNORECASE)
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_EMPHASIS = re.compile(r"\*\*|__")
_HEADING = re.compile(r"^\s*#{1,6}\s*")

# Full-width forms that carry meaning for matching. The Chinese comma (，) is deliberately kept:
# turning it into "," would make "165141.73，完成" look like a thousands separator.
_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_FULL_WIDTH.update(
    {
        "（": "(",
        "）": ")",
        "：": ":",
        "％": "%",
        "．": ".",
        "\u3000": " ",
        "\xa0": " ",
        "＂": '"',
        "“": '"',
        "”": '"',
    }
)
_FOLD = str.maketrans(_FULL_WIDTH)
_WHITESPACE = re.compile(r"\s+")

EMPTY_MARKERS = {"", "-", "—", "——", "–", "－", "/", "…"}
_AMOUNT = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def strip_markup(text: str) -> str:
    """Remove tags, emphasis, heading marks and Word bookmarks; keep everything else."""
    text = _BOOKMARK.sub("", text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _HEADING.sub("", text)


def fold_width(text: str) -> str:
    """Full-width digits and brackets to ASCII (character for character, same length)."""
    return text.translate(_FOLD)


@functools.lru_cache(maxsize=65536)
def clean_cell(text: str) -> str:
    """A table cell or title as matched: no markup, folded width, no inner whitespace. Cached: the
    mapping asks for the same header and label cells many times over."""
    return _WHITESPACE.sub("", fold_width(strip_markup(text)))


def normalise(text: str) -> tuple[str, list[int]]:
    """Markup-free, width-folded text plus, for each of its characters, the index in ``text``."""
    keep = [True] * len(text)
    for pattern in (_BOOKMARK, _TAG, _EMPHASIS):
        for match in pattern.finditer(text):
            for i in range(match.start(), match.end()):
                keep[i] = False
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if keep[i]:
            chars.append(_FULL_WIDTH.get(ch, ch))
            index.append(i)
    return "".join(chars), index


def is_empty_cell(text: str) -> bool:
    return clean_cell(text) in EMPTY_MARKERS


def parse_amount(text: str) -> Decimal | None:
    """A table cell's amount: ``None`` for blank or ``——``; ``ValueError`` when it is not a number."""
    cell = clean_cell(text)
    if cell in EMPTY_MARKERS:
        return None
    if not _AMOUNT.match(cell):
        raise ValueError(f"not an amount: {text!r}")
    try:
        return Decimal(cell.replace(",", "").replace("−", "-"))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(f"not an amount: {text!r}") from exc


def looks_like_amount(text: str) -> bool:
    cell = clean_cell(text)
    return bool(_AMOUNT.match(cell))
