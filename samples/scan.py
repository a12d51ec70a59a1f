"""The scanned variant: every page of a rendered PDF turned into a picture, with no text layer.

Pages are rasterised by pdfium (grey, ``DPI`` dots per inch) and placed full-page into a new PDF by
reportlab as JPEG images — what a scanner's PDF looks like to a reader. The result is deterministic
for the same input (fixed JPEG settings, reportlab's invariant mode).
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from juesuan.extract.pdf_triage import pdfium_serialised

DPI = 150
JPEG_QUALITY = 70


@pdfium_serialised  # pdfium is not thread-safe (see juesuan.extract.pdf_triage.PDFIUM)
def scan_pdf(data: bytes) -> bytes:
    source = pdfium.PdfDocument(data)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=1)
    canvas.setCreator("juesuan samples (scanned)")
    try:
        for index in range(len(source)):
            page = source[index]
            try:
                width, height = page.get_width(), page.get_height()
                image = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
            finally:
                page.close()
            jpeg = io.BytesIO()
            image.save(jpeg, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            jpeg.seek(0)
            canvas.setPageSize((width, height))
            canvas.drawImage(ImageReader(jpeg), 0, 0, width=width, height=height)
            canvas.showPage()
    finally:
        source.close()
    canvas.save()
    return buffer.getvalue()
