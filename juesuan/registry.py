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
    kind = "决算"                 # optional: 决算 (default) or 预算
    url = "https://…/2023.pdf"   # http(s)://, file:// or a path relative to the registry file;
                                 # or a list of parts of one report: ["…正文.pdf", "…公开表.pdf"]
    format = "pdf"               # optional: pdf, docx, txt, md; detected from the bytes when absent

    [[unit.source]]              # instead of (or beside) report URLs: a disclosure listing page
    url = "https://…/yjsgk/index.html"
    max_pages = 10               # optional keys: see ``registry/README.md`` (and :class:`Source`)

    [[source]]                   # a platform serving many units (top level)
    url = "https://…/platform/list"
    units = ["datong-sic", …]    # optional: the units it may serve (default: every unit)

The discovery step of the nightly flow (``flows/discover.py``) walks the sources and finds the
reports itself; a ``[[unit.report]]`` of the same unit, year and kind wins over what it finds.

A report is keyed by ``(unit_id, year, kind)``: a unit-year may have a 决算 and a 预算. A report
published as several files (a 预算's 正文 and its 公开表 as two PDFs) is one report of several
*parts*: each part is a document of its own (fetched, stored and recorded in ``documents`` by its
sha256), and the facts of all parts are merged into the report's one partition.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from juesuan.contract import FINAL, REPORT_KINDS, is_valid_unit_id
from juesuan.errors import RegistryError
from juesuan.urls import split_credentials

log = logging.getLogger(__name__)

LEVELS = ("省级", "市级", "县级")
FORMATS = ("pdf", "docx", "txt", "md")
_UNIT_KEYS = {"id", "name", "province", "city", "county", "level", "kind", "stewards", "report", "source"}
_REQUIRED_UNIT_KEYS = ("id", "name", "province", "city", "level")
_REPORT_KEYS = {"year", "url", "format", "kind"}
#: Keys of a ``[[unit.source]]`` / ``[[source]]`` entry (``units``, ``name``: platform sources only).
_SOURCE_KEYS = {
    "url", "pages", "max_pages", "max_depth", "max_documents", "years", "include", "exclude", "scope", "hosts",
    "kinds",
}  # fmt: skip
_PLATFORM_KEYS = _SOURCE_KEYS | {"units", "name"}
SCOPES = ("部门", "单位")
#: What a source takes when it says nothing: link text naming a 决算 (预决算 included).
DEFAULT_INCLUDE = ("决算",)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # fullmatch: "$" would accept a final newline


@dataclass(frozen=True)
class Report:
    """One report of a unit: ``(unit_id, year, kind)``, published as one document or as several ``parts``.

    ``url`` (and ``credentials``) are the first document's; ``parts`` holds every document of a report
    split over several files, each a single-document :class:`Report` of the same unit, year and kind
    (empty for a report of one document: :meth:`documents` is then the report itself).
    """

    unit_id: str
    year: int
    url: str  # never carries a login: that is kept in ``credentials`` (docs/security.md)
    format: str | None
    #: The ``user:password`` a registry URL carried, sent to that URL's server only; never printed or stored.
    credentials: tuple[str, str] | None = field(default=None, repr=False, compare=False)
    #: 决算 (final accounts) or 预算 (budget): ``contract.REPORT_KINDS``.
    kind: str = FINAL
    #: The documents of a report published as several files, in the registry's order (empty: one document).
    parts: tuple[Report, ...] = ()

    @property
    def key(self) -> tuple[str, int, str]:
        """What identifies the report: ``(unit_id, year, kind)``."""
        return (self.unit_id, self.year, self.kind)

    @property
    def label(self) -> str:
        """``datong-sic 2023 决算``: the report in logs and messages."""
        return f"{self.unit_id} {self.year} {self.kind}"

    def documents(self) -> tuple[Report, ...]:
        """Every document of the report, each a single-document :class:`Report`."""
        return self.parts or (self,)

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
class Source:
    """A disclosure listing page the discovery step walks (``[[unit.source]]`` or a platform's ``[[source]]``).

    ``unit_ids`` are the units whose reports it may hold: the one unit of a ``[[unit.source]]``,
    the listed (or all) units of a platform ``[[source]]``.
    """

    url: str
    unit_ids: tuple[str, ...]
    name: str = ""
    #: Listing pages followed per night (the first page and its pagination).
    max_pages: int = 10
    #: For a listing whose page links are drawn by a script: the address of page ``{n}`` (2, 3, …;
    #: ``{i}`` = n − 1), relative to ``url``, e.g. ``index_{i}.html``. The walk stops at the first
    #: such page that is missing or lists nothing new. Empty: follow the pages' own links.
    pages: str = ""
    #: How far from a listing page the walk goes: 1 = the article pages it links; 2 = pages an
    #: article links or embeds (a PDF viewer page) … Documents are taken wherever they are linked.
    max_depth: int = 2
    #: Documents downloaded per night at most (a bound for a runaway site).
    max_documents: int = 2000
    #: Fiscal years taken (empty: any).
    years: tuple[int, ...] = ()
    #: The kinds of report taken: 决算 (default) and/or 预算 (a 预算 found is loaded as a report of its own).
    kinds: tuple[str, ...] = (FINAL,)
    #: A link is followed or taken only when its text (with its article's title) holds one of these
    #: (default: the kinds taken).
    include: tuple[str, ...] = DEFAULT_INCLUDE
    #: … and none of these.
    exclude: tuple[str, ...] = ()
    #: When a 部门决算 and a 单位决算 of the same unit and year are both found: the one taken.
    scope: str = "部门"
    #: Hosts besides the listing's own whose pages may be followed (documents may sit on any host).
    hosts: tuple[str, ...] = ()
    #: A top-level ``[[source]]``: its documents are assigned to units by the names they print.
    platform: bool = False

    @property
    def host(self) -> str:
        return urlparse(self.url).netloc

    def wants_year(self, year: int) -> bool:
        return not self.years or year in self.years


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
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Registry:
    path: Path
    units: tuple[Unit, ...]
    #: Platform sources (top-level ``[[source]]``); the units' own are on each :class:`Unit`.
    platforms: tuple[Source, ...] = ()

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source to walk: the units' own, then the platforms'."""
        return tuple(source for unit in self.units for source in unit.sources) + self.platforms

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
    raw_platforms = document.get("source", [])
    if not isinstance(raw_platforms, list):
        raise RegistryError(f"{path}: source must be an array of tables ([[source]])")
    platforms = [
        _parse_source(path, f"{path}: source #{index}", raw, tuple(ids), platform=True)
        for index, raw in enumerate(raw_platforms, start=1)
    ]
    urls = [s.url for unit in units for s in unit.sources] + [s.url for s in platforms]
    repeated = sorted({url for url in urls if urls.count(url) > 1})
    if repeated:
        raise RegistryError(f"{path}: the same source url listed twice: {', '.join(repeated)}")
    return Registry(path=path, units=tuple(units), platforms=tuple(platforms))


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
    keys = [(r.year, r.kind) for r in reports]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        year, kind = repeated[0]
        raise RegistryError(f"{where}: two {kind} reports for the year {year} (one [[unit.report]] per year and kind)")
    raw_sources = raw.get("source", [])
    if not isinstance(raw_sources, list):
        raise RegistryError(f"{where}: source must be an array of tables ([[unit.source]])")
    sources = [
        _parse_source(path, f"{where} source #{index}", s, (unit_id,), platform=False)
        for index, s in enumerate(raw_sources, start=1)
    ]
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
        sources=tuple(sources),
    )


def _parse_report(path: Path, unit_id: str, raw: object) -> Report:
    where = f"{path}: unit {unit_id!r} report"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    year = raw.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
        raise RegistryError(f"{where}: year must be an integer like 2023, got {year!r}")
    kind = raw.get("kind", FINAL)
    if kind not in REPORT_KINDS:
        raise RegistryError(f"{where} {year}: kind {kind!r} not one of {', '.join(REPORT_KINDS)}")
    url = raw.get("url")
    if isinstance(url, str):
        urls = [url]
    elif isinstance(url, list) and url:
        urls = url
    else:
        raise RegistryError(f"{where} {year}: missing key 'url' (one location, or a list of the report's parts)")
    if not all(isinstance(u, str) and u.strip() for u in urls):
        raise RegistryError(f"{where} {year}: url must be a non-empty string or a list of them, got {url!r}")
    fmt = raw.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise RegistryError(f"{where} {year}: format {fmt!r} not one of {', '.join(FORMATS)}")
    extra = sorted(set(raw) - _REPORT_KEYS)
    if extra:
        log.warning("%s %s: ignoring unknown key(s) %s", where, year, ", ".join(extra))
    documents = [_document(path, unit_id, year, kind, fmt, part.strip()) for part in urls]
    addresses = [d.url for d in documents]
    if len(set(addresses)) != len(addresses):
        raise RegistryError(f"{where} {year}: the same part listed twice in url")
    if len(documents) == 1:
        return documents[0]
    first = documents[0]
    return Report(
        unit_id=unit_id,
        year=year,
        url=first.url,
        format=fmt,
        credentials=first.credentials,
        kind=kind,
        parts=tuple(documents),
    )


def _document(path: Path, unit_id: str, year: int, kind: str, fmt: str | None, url: str) -> Report:
    """One document of a report: its URL without a login, or its path resolved against the registry."""
    scheme = urlparse(url).scheme
    credentials = None
    if scheme in ("http", "https"):
        # The login stays out of the URL that is stored and shown (logs, documents, warehouse, Prefect).
        url, credentials = split_credentials(url)
    elif scheme != "file":
        # A plain path is relative to the registry file, so the registry can travel with its files.
        url = str((path.parent / url).resolve())
    return Report(unit_id=unit_id, year=year, url=url, format=fmt, credentials=credentials, kind=kind)


def _parse_source(path: Path, where: str, raw: object, unit_ids: tuple[str, ...], *, platform: bool) -> Source:
    """One ``[[unit.source]]`` (``unit_ids`` = its unit) or platform ``[[source]]`` (``unit_ids`` = all units)."""
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    url = raw.get("url")
    if not isinstance(url, str) or urlparse(url.strip()).scheme not in ("http", "https"):
        raise RegistryError(f"{where}: url must be the http(s):// address of a listing page, got {url!r}")
    url = url.strip()
    where = f"{where} ({url})"
    extra = sorted(set(raw) - (_PLATFORM_KEYS if platform else _SOURCE_KEYS))
    if extra:
        log.warning("%s: ignoring unknown key(s) %s", where, ", ".join(extra))
    if platform and "units" in raw:
        listed = _strings(where, "units", raw["units"])
        unknown = sorted(set(listed) - set(unit_ids))
        if unknown:
            raise RegistryError(f"{where}: units {', '.join(unknown)} are not [[unit]] ids of the registry")
        unit_ids = tuple(listed)
    scope = raw.get("scope", "部门")
    if scope not in SCOPES:
        raise RegistryError(f"{where}: scope {scope!r} not one of {', '.join(SCOPES)}")
    kinds = _strings(where, "kinds", raw["kinds"]) if "kinds" in raw else (FINAL,)
    unknown_kinds = [kind for kind in kinds if kind not in REPORT_KINDS]
    if not kinds or unknown_kinds:
        raise RegistryError(f"{where}: kinds must list report kinds out of {', '.join(REPORT_KINDS)}, got {kinds!r}")
    kinds = tuple(kind for kind in REPORT_KINDS if kind in kinds)
    include = _strings(where, "include", raw["include"]) if "include" in raw else kinds
    if not include:
        raise RegistryError(f"{where}: include must name at least one word (default: 决算)")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise RegistryError(f"{where}: name must be a string")
    pages = raw.get("pages", "")
    if not isinstance(pages, str) or (pages and "{n}" not in pages and "{i}" not in pages):
        raise RegistryError(f"{where}: pages must be an address with {{n}} or {{i}}, like 'index_{{i}}.html'")
    return Source(
        url=url,
        unit_ids=unit_ids,
        name=name.strip(),
        max_pages=_bounded(where, raw, "max_pages", 10, 1, 1000),
        pages=pages.strip(),
        max_depth=_bounded(where, raw, "max_depth", 2, 0, 5),
        max_documents=_bounded(where, raw, "max_documents", 2000, 1, 100_000),
        years=_years(where, raw.get("years")),
        include=include,
        kinds=kinds,
        exclude=_strings(where, "exclude", raw.get("exclude", [])),
        scope=scope,
        hosts=_strings(where, "hosts", raw.get("hosts", [])),
        platform=platform,
    )


def _strings(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RegistryError(f"{where}: {key} must be a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _bounded(where: str, raw: dict[str, object], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise RegistryError(f"{where}: {key} must be an integer from {low} to {high}, got {value!r}")
    return value


_YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*-\s*(\d{4})?\s*$")


def _years(where: str, value: object) -> tuple[int, ...]:
    """``years``: a list of years, or a range ``"2019-2024"`` / ``"2019-"`` (up to 2100); absent: any."""
    if value is None:
        return ()
    if isinstance(value, str) and (match := _YEAR_RANGE.match(value)):
        first, last = int(match.group(1)), int(match.group(2) or 2100)
        if 1990 <= first <= last <= 2100:
            return tuple(range(first, last + 1))
    elif isinstance(value, list) and value and all(isinstance(v, int) and 1990 <= v <= 2100 for v in value):
        return tuple(sorted(set(value)))
    raise RegistryError(f'{where}: years must be a list like [2023, 2024] or a range like "2019-2024", got {value!r}')
