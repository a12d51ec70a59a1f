"""A raw document: its bytes, hash and format, and what it says about its own unit and year.

The format is taken from the bytes, never from the file name: servers serve HTML error pages as
``.pdf``, and a truncated download is still called ``report.pdf``.

**What one document may cost** (issue 13.11): :class:`~juesuan.settings.DocumentLimits` hold the
limits — bytes of a document, bytes of a text export, unpacked bytes of a DOCX, pixels of a page
rendered for OCR. The one reading a document sets them for its thread (:func:`using_limits`); the
readers check them *before* spending the memory (:func:`document_limits`), and a document over a
limit is a :class:`~juesuan.errors.DocumentError` naming the limit and its setting (quarantined).

**HTML is not a report format juesuan reads**, even when the page holds a report's text: it is
quarantined with that reason, whatever it starts with (a byte-order mark, an ``<?xml`` prologue, a
comment, a bare ``<meta>`` or ``<div>``). Keep such a report as the file the unit published (PDF,
DOCX) or save its text as a text export. Text exports are read as UTF-8, UTF-16 (with a byte-order
mark, or without one when every other byte is NUL) or GB18030.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from juesuan.contract import BUDGET, BUDGET_TABLE_NAMES, FINAL, REPORT_KIND_SLUGS
from juesuan.errors import DocumentError, UnsupportedFormatError, WrongReportError
from juesuan.registry import Registry, Unit
from juesuan.settings import MB, DocumentLimits

FORMATS = ("pdf", "docx", "txt", "md")
#: Markup that opens an HTML page, after an optional prologue (byte-order mark, ``<?xml …?>``,
#: comments, doctype); a text export never starts with a tag.
_HTML_PROLOGUE = re.compile(r"\A(?:\s|<\?xml[^>]*>|<!--.*?-->)*", re.DOTALL)
_HTML_START = re.compile(r"<(?:!doctype|html|head|body|meta|title|div|table|script|style|link)[\s>/]", re.IGNORECASE)
#: HTML anywhere in the head of a text: a page whose first line is text still opens <html> or <body>.
_HTML_ANYWHERE = re.compile(r"<(?:html|body|head)[\s>]|<!doctype\s+html", re.IGNORECASE)
_LIMITS: ContextVar[DocumentLimits | None] = ContextVar("juesuan_document_limits", default=None)


def document_limits() -> DocumentLimits:
    """The limits of the document being read in this thread (the defaults outside :func:`using_limits`)."""
    return _LIMITS.get() or DocumentLimits()


@contextmanager
def using_limits(limits: DocumentLimits | None) -> Iterator[DocumentLimits]:
    """Read documents under ``limits`` in this thread (``None``: keep the current ones)."""
    token = _LIMITS.set(limits or document_limits())
    try:
        yield document_limits()
    finally:
        _LIMITS.reset(token)


def over_limit(what: str, size: float, limit: float, setting: str, unit: str = "MB") -> str:
    """The quarantine reason of a document over a limit: what, how much, the limit and its setting."""
    if unit == "MB":
        return f"{what} is {size / MB:,.1f} MB, above the limit of {limit / MB:g} MB ({setting})"
    return f"{what} is {size:,.0f} {unit}, above the limit of {limit:,.0f} {unit} ({setting})"


_MARKDOWN = re.compile(r"^#{1,6}\s|\*\*|<b>|</b>|^\s*[-*]\s", re.MULTILINE)
_YEAR_TITLE = re.compile(r"(20\d{2})\s*年度?\s*(?:部门|单位)?\s*(?:[^\s。，]{0,30}?)决算")
_YEAR = re.compile(r"(20\d{2})\s*年度")
#: A budget disclosure's own title: the year it budgets, then 预算 (``上海市普陀区2025年区级部门预算``,
#: ``江苏省高级人民法院2017年度部门预算公开``). Matched on text without whitespace.
_BUDGET_YEAR_TITLE = re.compile(r"(20\d{2})年度?(?:[^。，,；;:：]{0,30}?)(?:部门|单位)预算")
#: The words by which a cover names what the report is: 部门决算, 单位预算, 预算公开, 决算报告 …
_KIND_WORD = re.compile(r"(?:部门|单位)(决算|预算)|(决算|预算)(?:公开|报告)")
#: How much of the start of a document is its cover (characters without whitespace).
_COVER = 300


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
    limits = document_limits()
    if len(data) > limits.max_bytes:
        raise DocumentError(source, over_limit("the document", len(data), limits.max_bytes, "JUESUAN_MAX_DOCUMENT_MB"))
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
    if is_html(data):
        raise UnsupportedFormatError(
            source,
            "an HTML page, not a report (the server probably sent an error or login page; "
            "juesuan reads no HTML, even one holding a report's text: keep the PDF/DOCX or a text export)",
        )
    if len(data) > limits.max_text_bytes:
        raise DocumentError(
            source, over_limit("the text export", len(data), limits.max_text_bytes, "JUESUAN_MAX_TEXT_MB")
        )
    text = decode_text(source, data)
    return "md" if len(_MARKDOWN.findall(text[:20000])) >= 3 else "txt"


def is_html(data: bytes) -> bool:
    """Whether the bytes are an HTML page: after any prologue the first thing is a tag of HTML, or the
    head of the file opens ``<html>``/``<head>``/``<body>`` (in any of the encodings text is read in)."""
    head = _head_text(data[:65536])
    start = _HTML_PROLOGUE.match(head)
    rest = head[start.end() if start else 0 :]
    return bool(_HTML_START.match(rest) or _HTML_ANYWHERE.search(head))


def _head_text(head: bytes) -> str:
    encoding = _utf16_encoding(head)
    try:
        return head.decode(encoding or "utf-8-sig", errors="replace").lstrip("\ufeff")
    except LookupError:  # pragma: no cover - the encodings named are built in
        return ""


def _utf16_encoding(data: bytes) -> str | None:
    """``utf-16`` for bytes with a UTF-16 byte-order mark; ``utf-16-le``/``-be`` for BOM-less bytes whose
    NULs (the high byte of every ASCII character, line breaks included) sit at one parity (nearly) only;
    else ``None``. UTF-8 and GB18030 text hold no NUL; binary data holds them at both parities alike.
    The decoded text must still look like text (:func:`decode_text`)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:65536]
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    # A few NULs at the other parity are CJK characters such as 一 (U+4E00); binary data has as many at both.
    if odd_nuls >= 8 and even_nuls <= odd_nuls // 10:
        return "utf-16-le"
    if even_nuls >= 8 and odd_nuls <= even_nuls // 10:
        return "utf-16-be"
    return None


def decode_text(source: str, data: bytes) -> str:
    utf16 = _utf16_encoding(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError:
            text = ""
        if _looks_like_text(text):
            return text
    if b"\x00" in data[:65536]:
        raise UnsupportedFormatError(source, "binary data (NUL bytes), not a text export")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise UnsupportedFormatError(source, "binary data: neither UTF-8, UTF-16 nor GB18030 text")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    return control / len(sample) < 0.01


def load_document(path: str | Path) -> RawDocument:
    """A document from a file: a regular file (not a device or pipe), at most the document size limit."""
    path = Path(path)
    data = read_regular_file(path, document_limits().max_bytes)
    return document_from_bytes(str(path), data)


def read_regular_file(path: Path, max_bytes: int, *, source: str | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` (a device, pipe or folder is refused unread)."""
    source = source or str(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise DocumentError(source, "file not found") from exc
    except IsADirectoryError as exc:
        raise DocumentError(source, "is a directory, not a file") from exc
    except OSError as exc:
        raise DocumentError(source, f"cannot open: {exc.strerror}") from exc
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise DocumentError(source, "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise DocumentError(source, "refused: not a regular file (a device, a pipe or a socket)")
        size = os.fstat(descriptor).st_size
        if size > max_bytes:
            raise DocumentError(source, over_limit("the document", size, max_bytes, "JUESUAN_MAX_DOCUMENT_MB"))
        data = handle.read(max_bytes + 1)  # the size can lie (/proc) or grow: never read past the limit
    if len(data) > max_bytes:
        raise DocumentError(source, over_limit("the document", len(data), max_bytes, "JUESUAN_MAX_DOCUMENT_MB"))
    return data


def document_from_bytes(source: str, data: bytes) -> RawDocument:
    fmt = sniff_format(source, data)
    return RawDocument(source=source, data=data, sha256=hashlib.sha256(data).hexdigest(), format=fmt)


# --- what the document says about itself ---------------------------------------------------------------
def stated_kind(text: str) -> str | None:
    """决算 or 预算: what the document says it is — its cover's words (``2024年度部门决算``,
    ``2025年区级部门预算``, ``预算公开``), else the kind of most of its standard table titles (a
    tables-only part has no cover); None when the content does not tell. Funds such as 一般公共预算
    name no kind: only the title words and the tables' kind words (决算表 / 预算表) decide."""
    # Imported here: the mapping (titles) imports the catalogue, which imports this module's siblings.
    from juesuan.extract.mapping import canonical_table_name
    from juesuan.extract.tables import as_title

    cover = re.sub(r"\s+", "", text)[:_COVER]
    if (match := _KIND_WORD.search(cover)) is not None:
        return match.group(1) or match.group(2)
    kinds: Counter[str] = Counter()
    for line in text.splitlines():
        title = as_title(line) if len(line) <= 80 else None
        if title is not None:
            kinds[BUDGET if canonical_table_name(title) in BUDGET_TABLE_NAMES else FINAL] += 1
    ranked = kinds.most_common()
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return None


def stated_year(text: str, kind: str | None = None) -> int | None:
    """The fiscal year the report covers, from its title (``2023年度单位决算公开``; a budget's
    ``2025年区级部门预算``: the year it budgets) or, failing that, the year most often written as
    ``YYYY年度``. ``kind`` (决算 / 预算) picks the title wording; None reads it from the text."""
    head = text[:6000]
    if (kind or stated_kind(text)) == BUDGET:
        budgeted = _BUDGET_YEAR_TITLE.search(re.sub(r"\s+", "", head))
        if budgeted:
            return int(budgeted.group(1))
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


def check_report_identity(
    source: str, text: str, unit: Unit | None, year: int, kind: str | None = None, given_kind: str | None = None
) -> None:
    """Quarantine a report of another year or unit than the registry entry it was fetched for, or of
    another kind (决算 / 预算) than the one the caller says it is (``given_kind``; ``kind`` is the kind
    the content states, read from ``text`` when None)."""
    kind = kind or stated_kind(text)
    if given_kind is not None and kind is not None and kind != given_kind:
        raise WrongReportError(
            source, f"the document is a {kind} report ({REPORT_KIND_SLUGS[kind]}), but it was given as {given_kind}"
        )
    found_year = stated_year(text, kind)
    if found_year is not None and found_year != year:
        raise WrongReportError(source, f"the report covers {found_year}, but the registry entry is for {year}")
    if unit is not None and mentions(text, unit) == 0:
        raise WrongReportError(source, f"the report never names {unit.name} ({unit.id})")
