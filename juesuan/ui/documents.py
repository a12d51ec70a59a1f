"""The raw documents behind the facts: found in the raw store by sha256, pages rendered with pypdfium2.

The nightly flow keeps every fetched document once, by content, at ``{raw store}/{sha[:2]}/{sha}.{format}``
(:class:`juesuan.flows.ingest.RawStore`). A document missing there (a warehouse built from a lake whose
raw files live elsewhere) is looked for at its registry URL when that is a local path — and used only
if its bytes hash to the same sha256, so a page never shows a different edition than the fact's.

Pages are rendered as displayed (``/Rotate`` applied), the same frame a fact's ``bbox`` is measured in
(``docs/contract.md``, Position). pdfium is not thread-safe: every call holds one lock, and rendered
pages are kept in a small LRU cache.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from juesuan.errors import JuesuanError

PAGE_CACHE_SIZE = 48
MAX_SCALE = 4.0
_PDFIUM_LOCK = threading.Lock()


class DocumentNotAvailable(JuesuanError):
    """The raw file of a document is not in the raw store (nor at a local URL with the same bytes)."""


@dataclass(frozen=True)
class PageSize:
    width: float  # points, as displayed
    height: float


class RawFiles:
    """Locates raw documents and renders their pages."""

    def __init__(self, raw_store: Path) -> None:
        self.raw_store = Path(raw_store)
        self._pages: OrderedDict[tuple[str, int, float], bytes] = OrderedDict()
        self._verified: dict[str, Path | None] = {}
        self._lock = threading.Lock()

    def locate(self, document: dict) -> Path:
        """The raw file of a ``documents`` row (sha256, format, url)."""
        sha256 = str(document["sha256"])
        extension = document.get("format") or "bin"
        stored = self.raw_store / sha256[:2] / f"{sha256}.{extension}"
        if stored.is_file():
            return stored
        with self._lock:
            if sha256 not in self._verified:
                self._verified[sha256] = _local_copy(document.get("url"), sha256)
            found = self._verified[sha256]
        if found is None:
            raise DocumentNotAvailable(
                f"document {sha256[:12]}… is not in the raw store {self.raw_store} "
                f"(nor at {document.get('url')} with the same bytes)"
            )
        return found

    def page_size(self, path: Path, page: int) -> PageSize:
        import pypdfium2 as pdfium

        with _PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(str(path))
            try:
                _check_page(pdf, page, path)
                width, height = pdf[page - 1].get_size()
            finally:
                pdf.close()
        return PageSize(float(width), float(height))

    def page_count(self, path: Path) -> int:
        import pypdfium2 as pdfium

        with _PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(str(path))
            try:
                return len(pdf)
            finally:
                pdf.close()

    def render(self, path: Path, page: int, scale: float = 2.0) -> bytes:
        """Page ``page`` (1-based) of the PDF at ``path`` as a PNG, ``scale`` pixels per point."""
        import pypdfium2 as pdfium

        scale = min(max(scale, 0.5), MAX_SCALE)
        cache_key = (str(path), page, scale)
        with self._lock:
            if cache_key in self._pages:
                self._pages.move_to_end(cache_key)
                return self._pages[cache_key]
        with _PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(str(path))
            try:
                _check_page(pdf, page, path)
                bitmap = pdf[page - 1].render(scale=scale)
                image = bitmap.to_pil()
            finally:
                pdf.close()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False)
        data = buffer.getvalue()
        with self._lock:
            self._pages[cache_key] = data
            while len(self._pages) > PAGE_CACHE_SIZE:
                self._pages.popitem(last=False)
        return data


def _check_page(pdf: object, page: int, path: Path) -> None:
    count = len(pdf)  # type: ignore[arg-type]
    if not 1 <= page <= count:
        raise DocumentNotAvailable(f"{path.name} has {count} page(s); there is no page {page}")


def _local_copy(url: object, sha256: str) -> Path | None:
    """The file a local URL (a path or file://) names, when its bytes are the document's."""
    if not url:
        return None
    text = str(url)
    parsed = urlparse(text)
    if parsed.scheme == "file":
        candidate = Path(unquote(parsed.path))
    elif parsed.scheme in ("", None) or len(parsed.scheme) == 1:  # a path (or a Windows drive letter)
        candidate = Path(text)
    else:
        return None
    if not candidate.is_file():
        return None
    digest = hashlib.sha256()
    with candidate.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return candidate if digest.hexdigest() == sha256 else None


def text_context(path: Path, raw_text: str, around: int = 3) -> list[tuple[int, str, bool]]:
    """Lines of a text export around the first line holding ``raw_text``: (line number, text, is it)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    needle = " ".join(raw_text.split())
    hit = next((i for i, line in enumerate(lines) if needle and needle in " ".join(line.split())), None)
    if hit is None:
        # A cell's text is the last field of its line: look for that field alone.
        tail = needle.split(" ")[-1] if needle else ""
        hit = next((i for i, line in enumerate(lines) if tail and tail in line), None)
    if hit is None:
        return []
    start, end = max(0, hit - around), min(len(lines), hit + around + 1)
    return [(i + 1, lines[i], i == hit) for i in range(start, end)]
