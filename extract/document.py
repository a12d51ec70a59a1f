"""A raw document: its bytes, hash and format, and what it says about its own unit and year.

The format is taken from the bytes, never from the file name: servers serve HTML error pages as
``.pdf``, and a truncated download is still called ``report.pdf``.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from juesuan.errors import DocumentError, UnsupportedFormatError, WrongReportError
from juesuan.registry import Registry, Unit

FORMATS = ("pdf", "docx", "txt", "md")
_HTML = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_MARKDOWN = re.compile(r"^#{1,6}\s|\*\*|<b>|</b>|^\s*[-*]\s", re.MULTILINE)
_YEAR_TITLE = re.compile(r"(20\d{2})\s*年度?\s*(?:部门|单位)?\s*(?:[^\s。，]{0,30}?)决算")
_YEAR = re.compile(r"(20\d{2})\s*年度")


@dataclass(frozen=True)
class RawDocument:
    source: str
    data: bytes
    sha256: str
    format: str

    @property
    def text(self) -> str:
        if self.format not in ("txt", "md"):
            raise DocumentError(self.source, f"{self.format} documents have no plain text")
        return decode_text(self.source, self.data)


def sniff_format(source: str, data: bytes) -> str:
    """``pdf``, ``docx``, ``txt`` or ``md`` from the bytes; a clear error for anything else."""
    if not data.strip():
        raise DocumentError(source, "empty file (0 bytes of content)")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            raise UnsupportedFormatError(source, "a damaged ZIP/DOCX archive") from exc
        if "word/document.xml" in names:
            return "docx"
        raise UnsupportedFormatError(source, "a ZIP archive, not a DOCX report")
    if _HTML.match(data[:2048]):
        raise UnsupportedFormatError(
            source, "an HTML page, not a report (the server probably sent an error or login page)"
        )
    text = decode_text(source, data)
    return "md" if len(_MARKDOWN.findall(text[:20000])) >= 3 else "txt"


def decode_text(source: str, data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise UnsupportedFormatError(source, "binary data (NUL bytes), not a text export")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise UnsupportedFormatError(source, "binary data: neither UTF-8 nor GB18030 text")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    return control / len(sample) < 0.01


def load_document(path: str | Path) -> RawDocument:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(path, "file not found") from exc
    except IsADirectoryError as exc:
        raise DocumentError(path, "is a directory, not a file") from exc
    return document_from_bytes(str(path), data)


def document_from_bytes(source: str, data: bytes) -> RawDocument:
    fmt = sniff_format(source, data)
    return RawDocument(source=source, data=data, sha256=hashlib.sha256(data).hexdigest(), format=fmt)


# --- what the document says about itself ---------------------------------------------------------------
def stated_year(text: str) -> int | None:
    """The fiscal year the report covers, from its title (``2023年度单位决算公开``) or, failing that,
    the year most often written as ``YYYY年度``."""
    head = text[:6000]
    titled = _YEAR_TITLE.search(head)
    if titled:
        return int(titled.group(1))
    years = Counter(int(y) for y in _YEAR.findall(text))
    return years.most_common(1)[0][0] if years else None


def unit_name_variants(unit: Unit) -> list[str]:
    """The unit's name as reports write it: in full, and without the province in front."""
    names = [unit.name]
    short = re.sub(r"^.{1,8}?(?:省|自治区)", "", unit.name)
    if short != unit.name and len(short) >= 4:
        names.append(short)
    return names


def mentions(text: str, unit: Unit) -> int:
    compact = re.sub(r"\s+", "", text)
    return max(compact.count(name) for name in unit_name_variants(unit))


def infer_unit(source: str, text: str, registry: Registry) -> Unit:
    counts = [(mentions(text, unit), unit) for unit in registry.units]
    counts = [(n, u) for n, u in counts if n > 0]
    if not counts:
        known = ", ".join(u.id for u in registry.units)
        raise DocumentError(source, f"names no unit of the registry {registry.path}; pass --unit-id (known: {known})")
    counts.sort(key=lambda item: -item[0])
    if len(counts) > 1 and counts[0][0] == counts[1][0]:
        tied = ", ".join(u.id for _, u in counts[:2])
        raise DocumentError(source, f"names several registry units equally often ({tied}); pass --unit-id")
    return counts[0][1]


def check_report_identity(source: str, text: str, unit: Unit | None, year: int) -> None:
    """Quarantine a report of another year or unit than the registry entry it was fetched for."""
    found_year = stated_year(text)
    if found_year is not None and found_year != year:
        raise WrongReportError(source, f"the report covers {found_year}, but the registry entry is for {year}")
    if unit is not None and mentions(text, unit) == 0:
        raise WrongReportError(source, f"the report never names {unit.name} ({unit.id})")
