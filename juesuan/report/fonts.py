"""The CJK font the charts are drawn with.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: labels would come out as empty
boxes. So a font is chosen on purpose, in this order:

1. ``JUESUAN_CJK_FONT``: a font file (``.ttf``/``.otf``/``.ttc``) to use, e.g. a Source Han Sans copy;
2. the first of :data:`PREFERRED_FAMILIES` that matplotlib's font manager finds installed
   (Debian: ``apt-get install fonts-noto-cjk`` gives Noto Sans CJK SC; ``fonts-wqy-microhei`` is a
   smaller alternative).

The chosen font must hold the glyphs of :data:`PROBE` (checked in its character map); otherwise, and
when none is found, :class:`CJKFontError` names what was tried and how to install one. Nothing falls
back silently to a font that would draw boxes.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from juesuan.errors import JuesuanError

log = logging.getLogger(__name__)

FONT_ENV = "JUESUAN_CJK_FONT"
PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
#: Characters every chart uses (units, headings, measures): the font must draw all of them.
PROBE = "决算社会保险中心支出功能分类基本项目人员公用经费万元占比大竹朝阳晋城乌海"
INSTALL_HINT = (
    "install one (Debian/Ubuntu: `apt-get install fonts-noto-cjk`, or the smaller `fonts-wqy-microhei`) "
    f"or point {FONT_ENV} at a .ttf/.otf/.ttc file with Chinese glyphs"
)


class CJKFontError(JuesuanError):
    """No font able to draw Chinese labels is available."""


@dataclass(frozen=True)
class CJKFont:
    """A font matplotlib can use by ``name``, read from ``path``."""

    name: str
    path: Path


def _missing_glyphs(path: Path, text: str = PROBE) -> list[str]:
    charmap = FT2Font(str(path)).get_charmap()
    return sorted({ch for ch in text if ord(ch) not in charmap})


def _font_from_file(path: Path) -> CJKFont:
    if not path.is_file():
        raise CJKFontError(f"{FONT_ENV}={path}: no such font file; {INSTALL_HINT}")
    try:
        font_manager.fontManager.addfont(str(path))
        name = font_manager.FontProperties(fname=str(path)).get_name()
    except (OSError, RuntimeError, ValueError) as exc:
        raise CJKFontError(f"{FONT_ENV}={path}: not a font matplotlib can read ({exc})") from exc
    missing = _missing_glyphs(path)
    if missing:
        raise CJKFontError(f"{FONT_ENV}={path} ({name}) has no glyph for {''.join(missing)}; {INSTALL_HINT}")
    return CJKFont(name, path)


def _installed_font() -> CJKFont:
    for family in PREFERRED_FAMILIES:
        try:
            found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue  # not installed: try the next family
        path = Path(found)
        if not _missing_glyphs(path):
            return CJKFont(family, path)
        log.info("font %s (%s) lacks Chinese glyphs; trying the next one", family, path)
    raise CJKFontError(
        f"no font with Chinese glyphs found (looked for {', '.join(PREFERRED_FAMILIES)}); {INSTALL_HINT}"
    )


@functools.cache
def _cached(configured: str | None) -> CJKFont:
    return _font_from_file(Path(configured)) if configured else _installed_font()


def cjk_font() -> CJKFont:
    """The font to draw Chinese labels with (``JUESUAN_CJK_FONT`` first, then the installed ones)."""
    font = _cached(os.environ.get(FONT_ENV) or None)
    log.info("charts use the font %s (%s)", font.name, font.path)
    return font
