"""The source registry: which units exist and where each year's report is published.

Format (TOML, see ``registry/README.md``)::

    [[unit]]
    id = "datong-sic"            # ASCII, stable forever
    name = "大同市社会保险中心"
    province = "山西省"
    city = "大同市"
    county = ""                  # "" for city-level units
    level = "市级"                # 省级 / 市级 / 县级
    kind = "事业单位"              # 行政单位 / 参公事业单位 / 事业单位 …
    stewards = ["steward@example.org"]

    [[unit.report]]
    year = 2023
    url = "https://…/2023.pdf"   # http(s)://, file:// or a path relative to the registry file
    format = "pdf"               # optional: pdf, docx, txt, md; detected from the bytes when absent
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from juesuan.contract import is_valid_unit_id
from juesuan.errors import RegistryError
from juesuan.urls import split_credentials

log = logging.getLogger(__name__)

LEVELS = ("省级", "市级", "县级")
FORMATS = ("pdf", "docx", "txt", "md")
_UNIT_KEYS = {"id", "name", "province", "city", "county", "level", "kind", "stewards", "report"}
_REQUIRED_UNIT_KEYS = ("id", "name", "province", "city", "level")
_REPORT_KEYS = {"year", "url", "format"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # fullmatch: "$" would accept a final newline


@dataclass(frozen=True)
class Report:
    unit_id: str
    year: int
    url: str  # never carries a login: that is kept in ``credentials`` (docs/security.md)
    format: str | None
    #: The ``user:password`` a registry URL carried, sent to that URL's server only; never printed or stored.
    credentials: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def is_remote(self) -> bool:
        return urlparse(self.url).scheme in ("http", "https")

    def local_path(self) -> Path:
        """The file behind a ``file://`` URL or a plain path (already resolved against the registry)."""
        parsed = urlparse(self.url)
        if parsed.scheme == "file":
            return Path(parsed.path)
        if parsed.scheme in ("http", "https"):
            raise RegistryError(f"report {self.unit_id}/{self.year} is remote: {self.url}")
        return Path(self.url)


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    province: str
    city: str
    county: str
    level: str
    kind: str
    stewards: tuple[str, ...]
    reports: tuple[Report, ...]


@dataclass(frozen=True)
class Registry:
    path: Path
    units: tuple[Unit, ...]

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        known = ", ".join(u.id for u in self.units)
        raise RegistryError(f"{self.path}: no unit {unit_id!r} (known: {known})")

    def reports(self) -> list[Report]:
        return [report for unit in self.units for report in unit.reports]


def load_registry(path: str | Path) -> Registry:
    """Parse and check a registry file; every error names the file, the entry and the key."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryError(f"{path}: registry file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    raw_units = document.get("unit")
    if not isinstance(raw_units, list) or not raw_units:
        raise RegistryError(f"{path}: no [[unit]] entries")
    units = [_parse_unit(path, index, raw) for index, raw in enumerate(raw_units, start=1)]
    ids = [u.id for u in units]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegistryError(f"{path}: duplicate unit id(s): {', '.join(duplicates)}")
    return Registry(path=path, units=tuple(units))


def _parse_unit(path: Path, index: int, raw: object) -> Unit:
    where = f"{path}: unit #{index}"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    for key in _REQUIRED_UNIT_KEYS:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RegistryError(f"{where}: missing or empty key {key!r}")
    unit_id = raw["id"]
    where = f"{path}: unit {unit_id!r}"
    if not is_valid_unit_id(unit_id):
        raise RegistryError(f"{where}: id must be lower-case ASCII letters, digits and '-'")
    if raw["level"] not in LEVELS:
        raise RegistryError(f"{where}: level {raw['level']!r} not one of {', '.join(LEVELS)}")
    extra = sorted(set(raw) - _UNIT_KEYS)
    if extra:
        log.warning("%s: ignoring unknown key(s) %s", where, ", ".join(extra))
    stewards = raw.get("stewards", [])
    if not isinstance(stewards, list) or not all(isinstance(s, str) and _EMAIL.fullmatch(s) for s in stewards):
        raise RegistryError(f"{where}: stewards must be a list of e-mail addresses")
    raw_reports = raw.get("report", [])
    if not isinstance(raw_reports, list):
        raise RegistryError(f"{where}: report must be an array of tables ([[unit.report]])")
    reports = [_parse_report(path, unit_id, r) for r in raw_reports]
    years = [r.year for r in reports]
    if len(years) != len(set(years)):
        raise RegistryError(f"{where}: two reports for the same year")
    return Unit(
        id=unit_id,
        name=raw["name"].strip(),
        province=raw["province"].strip(),
        city=raw["city"].strip(),
        county=str(raw.get("county", "")).strip(),
        level=raw["level"],
        kind=str(raw.get("kind", "")).strip(),
        stewards=tuple(stewards),
        reports=tuple(reports),
    )


def _parse_report(path: Path, unit_id: str, raw: object) -> Report:
    where = f"{path}: unit {unit_id!r} report"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    year = raw.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise RegistryError(f"{where}: year must be an integer like 2023, got {year!r}")
    url = raw.get("url")
    if not isinstance(url, str) or not url.strip():
        raise RegistryError(f"{where} {year}: missing key 'url'")
    fmt = raw.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise RegistryError(f"{where} {year}: format {fmt!r} not one of {', '.join(FORMATS)}")
    extra = sorted(set(raw) - _REPORT_KEYS)
    if extra:
        log.warning("%s %s: ignoring unknown key(s) %s", where, year, ", ".join(extra))
    scheme = urlparse(url).scheme
    credentials = None
    if scheme in ("http", "https"):
        # The login stays out of the URL that is stored and shown (logs, documents, warehouse, Prefect).
        url, credentials = split_credentials(url)
    elif scheme != "file":
        # A plain path is relative to the registry file, so the registry can travel with its files.
        url = str((path.parent / url).resolve())
    return Report(unit_id=unit_id, year=year, url=url, format=fmt, credentials=credentials)
