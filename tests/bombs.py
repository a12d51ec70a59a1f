"""Small files that cost a lot to read (issue 13.11), for the tests and ``benchmarks/bombs.py``.

* :func:`docx_bomb` — a real DOCX (a bundled sample) plus a thumbnail member of zeros that
  inflates to ``inflated`` bytes (a few MB on disk for gigabytes unpacked);
* :func:`text_bomb` — a text export of ``size`` bytes: real report lines repeated;
* :func:`huge_page_pdf` — a PDF of a few KB whose ``pages`` pages are 14,400 pt square and hold only
  an image (no text layer), so every page goes to OCR.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_DOCX = PROJECT / "samples" / "reports" / "docx" / "dazhu-sic_2023.docx"
MB = 1024 * 1024
THUMBNAIL = "docProps/thumbnail.jpeg"


def docx_bomb(target: Path, inflated: int, source: Path = SAMPLE_DOCX) -> Path:
    """``source`` with ``docProps/thumbnail.jpeg`` holding ``inflated`` zero bytes (deflated), streamed."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in original.infolist():
            if item.filename != THUMBNAIL:
                bomb.writestr(item, original.read(item.filename))
        info = zipfile.ZipInfo(THUMBNAIL)
        info.compress_type = zipfile.ZIP_DEFLATED
        zeros = bytes(MB)
        with bomb.open(info, "w", force_zip64=True) as member:
            for _ in range(inflated // MB):
                member.write(zeros)
    return target


def text_bomb(target: Path, size: int, report: Path) -> Path:
    """A text export of about ``size`` bytes: the lines of ``report`` (a real text export) over and over."""
    chunk = report.read_bytes()
    with target.open("wb") as out:
        written = 0
        while written < size:
            out.write(chunk)
            written += len(chunk)
    return target


def huge_page_pdf(target: Path, pages: int = 10, side_pt: float = 14_400) -> Path:
    """``pages`` image-only pages of ``side_pt`` points square (the largest a PDF allows), a tiny image each."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    picture = io.BytesIO()
    Image.new("L", (8, 8), color=200).save(picture, format="PNG")
    drawing = canvas.Canvas(str(target), pagesize=(side_pt, side_pt))
    for _ in range(pages):
        picture.seek(0)
        drawing.drawImage(ImageReader(picture), 0, 0, width=side_pt, height=side_pt)
        drawing.showPage()
    drawing.save()
    return target
