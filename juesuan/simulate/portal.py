"""Disclosure columns for the local "government web": where a synthetic corpus is *published*.

:func:`build_portal` takes a corpus of 决算 reports (:func:`juesuan.simulate.corpus.generate_corpus`)
and publishes every report the way real units do, under the same site folder the
:class:`~juesuan.simulate.web.GovernmentWeb` serves:

* each unit's own disclosure column (预决算公开), in one of three CMS styles (:data:`STYLES`):

  ``static``
      UTF-8 list pages ``index.html``, ``index_1.html`` … linked by 下一页 / page numbers; relative
      article links (``./202406/t20240612_3.html``) with long titles cut in the text and whole in
      ``title``; attachments with meaningless names (``P020240612…pdf``) whose link text names the
      report; some articles also embed the PDF in a viewer ``<iframe>``.
  ``scripted``
      the list records inside a ``<script type="text/xml">`` data store (CDATA), its pages drawn by
      a script (``createPageHTML``): the registry gives the page addresses (``pages =
      "index_{i}.html"``); attachments with Chinese file names, linked relatively (``../files/…``).
  ``gbk-table``
      GBK pages (the list's charset in the HTTP header, the articles' only in ``<meta>``), a table
      list whose article links are ``javascript:`` handlers (``onclick="openArticle('…')"``),
      query-string pages (``list.jsp?page=2``), one article per year for the year's 预算 and the
      last year's 决算 with attachments named 附件1 / 附件2 only, served by a download script
      that redirects (``download.jsp?fileid=7`` → 302).

* a city platform (``/platform/``) listing many units' reports in a table with the unit's name,
  whose articles embed a PDF viewer (``viewer.html?file=…``) or link a page that embeds the file.

Beside every 决算 a column publishes what discovery must leave alone: the 预算 (budget) reports
(:func:`~juesuan.simulate.corpus.render_budget_text`), news, 招聘 and 公示 notices, navigation
links, a notice about disclosure work that names 决算 and attaches a policy document, a page
robots.txt disallows. Options add the cases real sites produce: a 决算 also published on the
platform (the same report at two addresses), a re-post linking the same file, a 公开表
spreadsheet beside the report, a department's own 单位决算 beside its 部门决算, a 决算 article that
links the 预算 by mistake (``mislabelled``: that report is missing, for a reason a steward can see).

The faults of the corpus (404, 500, an HTML page, a truncated body …) move with their reports to the
attachments' addresses (:meth:`Portal.faults`). :meth:`Portal.write_registry` writes a registry of
source entries only; :meth:`Portal.republish` replaces a report at its address or under a new one.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from juesuan.errors import UsageError
from juesuan.simulate.corpus import (
    FAULT_OUTCOMES,
    Corpus,
    CorpusEntry,
    UnitSpec,
    generate_report,
    render_budget_text,
)
from juesuan.transform.catalogue import Catalogue

STYLES = ("static", "scripted", "gbk-table")
PLATFORM = "/platform/yjsgk/"
VIEWER = "/static/pdfjs/web/viewer.html"
#: Listing entries per page (platforms list more).
PER_PAGE = {"static": 8, "scripted": 8, "gbk-table": 6, "platform": 20}
NOISE_TITLES = (
    "关于开展{year}年度安全生产大检查的通知",
    "{year}年公开招聘工作人员公告",
    "{year}年公开招聘拟聘用人员公示",
    "{name}{year}年政府采购意向公开",
    "{name}召开{year}年度工作会议",
    "关于{year}年度“双随机、一公开”抽查结果的公示",
)
NAVIGATION = (
    ("首页", "index.html"),
    ("机构概况", "jggk/index.html"),
    ("政务公开", "zwgk/index.html"),
    ("联系我们", "lxwm.html"),
)
#: What discovery must make of a report, by the corpus fault of its file (no fault: ``loaded``).
#: Bytes that are no report, or a report of another year, are refused before ingestion: the
#: unit-year is missing from the night's outcomes and ``discovered_documents`` says why.
DISCOVERED_OUTCOMES: dict[str, str] = {
    **FAULT_OUTCOMES,
    "html-200": "rejected",
    "wrong-year": "rejected",
    "empty": "rejected",
}


@dataclass
class Attachment:
    href: str  # the address a link names (a download script's, when the file sits behind one)
    file: str  # the URL path of the file served (after the redirect)
    text: str  # the link text
    kind: str  # 决算 | 预算 | 单位决算 | 公开表 | notice
    unit_id: str
    year: int | None


@dataclass
class Article:
    path: str  # URL path of the article page
    title: str
    date: str
    unit: UnitSpec | None
    kind: str  # 决算 | 预算 | 预决算 | notice | noise
    attachments: list[Attachment] = field(default_factory=list)
    viewer: str | None = None  # URL path of a separate page that embeds the first attachment
    embed: bool = False  # the article embeds the first attachment in a viewer iframe
    order: int = 0  # ties of the same date: higher first


@dataclass
class Listing:
    """One disclosure column: its style, its first page, its articles (newest first once written)."""

    style: str
    base: str  # URL directory of the column, ending in "/"
    unit: UnitSpec | None  # None: the platform
    articles: list[Article] = field(default_factory=list)
    units: list[UnitSpec] = field(default_factory=list)  # platform: the units it serves

    @property
    def first(self) -> str:
        return self.base + ("list.jsp" if self.style == "gbk-table" else "index.html")

    def page_path(self, number: int) -> str:
        """URL path (with its query) of page ``number`` (1-based)."""
        if number == 1:
            return self.first
        if self.style == "gbk-table":
            return f"{self.base}list.jsp?page={number}"
        if self.style == "platform":
            return f"{self.base}index_{number}.html"
        return f"{self.base}index_{number - 1}.html"

    def pages(self) -> list[list[Article]]:
        size = PER_PAGE[self.style]
        ordered = sorted(self.articles, key=lambda a: (a.date, a.order), reverse=True)
        return [ordered[i : i + size] for i in range(0, len(ordered), size)] or [[]]


@dataclass
class Expected:
    """What discovery must find for one unit-year: the file it selects and what becomes of it."""

    unit_id: str
    year: int
    file: str  # URL path of the file selected
    outcome: str  # loaded | withdrawn | failed | rejected | missing
    reason: str = ""


@dataclass
class Portal:
    corpus: Corpus
    listings: list[Listing]
    expected: dict[tuple[str, int], Expected]
    served_faults: dict[str, str]
    content_types: dict[str, str]
    redirects: dict[str, str]
    seed: int
    platform: Listing | None = None
    _counter: int = 0

    @property
    def site(self) -> Path:
        return self.corpus.site

    def faults(self) -> dict[str, str]:
        """URL path → fault, for the web server (the corpus faults at the attachments' addresses)."""
        return dict(self.served_faults)

    def listing_of(self, unit_id: str) -> Listing:
        for listing in self.listings:
            if listing.unit is not None and listing.unit.id == unit_id:
                return listing
        if self.platform is not None and any(u.id == unit_id for u in self.platform.units):
            return self.platform
        raise UsageError("unit", unit_id, [u.id for u in self.corpus.units[:10]])

    # --- the registry --------------------------------------------------------------------------------
    def write_registry(self, base_url: str, path: Path | None = None, **source_keys: object) -> Path:
        """A registry of source entries only (no report URLs): each unit's column, and the platform.

        ``source_keys`` are added to every source entry (e.g. ``max_pages=1``).
        """
        base = base_url.rstrip("/")
        target = path or self.corpus.root / "sources.toml"
        lines = ["# Synthetic registry written by juesuan.simulate.portal: source entries only.", ""]
        own = {listing.unit.id: listing for listing in self.listings if listing.unit is not None}
        for unit in self.corpus.units:
            lines += _unit_block(unit)
            listing = own.get(unit.id)
            if listing is not None:
                lines += ["[[unit.source]]", f'url = "{base}{listing.first}"']
                if listing.style == "scripted":
                    lines.append('pages = "index_{i}.html"')
                lines += [_toml_key(key, value) for key, value in source_keys.items()]
                lines.append("")
        if self.platform is not None:
            units = ", ".join(f'"{u.id}"' for u in self.platform.units)
            pages = len(self.platform.pages())
            lines += [
                "[[source]]",
                'name = "市级预决算公开平台"',
                f'url = "{base}{self.platform.first}"',
                f"units = [{units}]",
                f"max_pages = {source_keys.get('max_pages', pages + 2)}",
                *(_toml_key(key, value) for key, value in source_keys.items() if key != "max_pages"),
                "",
            ]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines), encoding="utf-8")
        return target

    # --- changes between nights ------------------------------------------------------------------------
    def republish(self, unit_id: str, year: int, *, new_url: bool, catalogue: Catalogue | None = None) -> Expected:
        """A corrected report of ``unit_id`` for ``year``: new bytes at the same address, or a new
        article (更正, dated later) with a new attachment, the old one left as it was."""
        expected = self.expected[(unit_id, year)]
        entry = self.corpus.entry(unit_id, year)
        catalogue = catalogue or Catalogue.load()
        chosen = None if entry.kind in ("txt", "md") else entry.kind
        report = generate_report(entry.unit, year, seed=self.seed + 7919, catalogue=catalogue, format=chosen)
        listing = self.listing_of(unit_id)
        if not new_url:
            _write(self.site, expected.file, report.data)
            return expected
        self._counter += 1
        original = next(a for a in listing.articles if any(t.file == expected.file for t in a.attachments))
        month = original.date[:4] + original.date[5:7]
        name = f"{month}/P0{month}{self._counter:04d}_v2.{report.format}"
        file = listing.base + name
        _write(self.site, file, report.data)
        attachment = Attachment(
            href=file,
            file=file,
            text=f"{year}年度部门决算公开（更正）.{report.format}",
            kind="决算",
            unit_id=unit_id,
            year=year,
        )
        article = Article(
            path=f"{listing.base}{month}/t{month}28_{9000 + self._counter}.html",
            title=f"{entry.unit.name}{year}年度部门决算公开（更正）",
            date=_later(original.date),
            unit=entry.unit,
            kind="决算",
            attachments=[attachment],
        )
        listing.articles.append(article)
        self.write_listing(listing)
        revised = Expected(unit_id, year, file, "loaded")
        self.expected[(unit_id, year)] = revised
        return revised

    def write_listing(self, listing: Listing) -> None:
        _write_listing(self.site, listing, self.content_types)


# --- building ----------------------------------------------------------------------------------------------------
def build_portal(
    corpus: Corpus,
    *,
    seed: int = 0,
    platform_share: float = 0.25,
    on_both: int = 1,
    reposts: int = 1,
    extra_tables: int = 1,
    own_unit_reports: int = 1,
    mislabelled: int = 0,
    styles: tuple[str, ...] = STYLES,
) -> Portal:
    """Publish ``corpus`` as disclosure columns and a platform (see the module docstring).

    ``platform_share`` of the units publish on the platform only; ``on_both`` more publish on their
    own column *and* the platform (the same file at two addresses); ``reposts`` 决算 articles are
    posted twice (重发, the same attachment); ``extra_tables`` articles attach a 公开表 spreadsheet
    too; ``own_unit_reports`` departments attach their 单位决算 (本级) beside the 部门决算;
    ``mislabelled`` 决算 articles link the 预算 by mistake (the 决算 is missing).
    """
    unknown = sorted(set(styles) - set(STYLES))
    if unknown or not styles:
        raise UsageError("styles", styles, STYLES)
    rng = random.Random(f"{seed}/portal")
    site = corpus.site
    units = list(corpus.units)
    order = list(range(len(units)))
    rng.shuffle(order)
    on_platform_only = {units[i].id for i in order[: round(len(units) * platform_share)]}
    rest = [units[i].id for i in order[len(on_platform_only) :]]
    both = set(rest[:on_both])
    by_unit: dict[str, list[CorpusEntry]] = {}
    for entry in corpus.entries:
        by_unit.setdefault(entry.unit.id, []).append(entry)
    years = sorted({entry.year for entry in corpus.entries})
    portal = Portal(
        corpus=corpus, listings=[], expected={}, served_faults={}, content_types={}, redirects={}, seed=seed
    )
    platform_units = [u for u in units if u.id in on_platform_only or u.id in both]
    if platform_units:
        portal.platform = Listing(style="platform", base=PLATFORM, unit=None, units=platform_units)
    counter = itertools.count(1)
    traps = _traps(rng, corpus, on_platform_only, mislabelled, reposts, extra_tables, own_unit_reports)
    for index, unit in enumerate(units):
        entries = sorted(by_unit.get(unit.id, []), key=lambda e: e.year)
        if unit.id not in on_platform_only:
            style = styles[index % len(styles)]
            listing = Listing(style=style, base=f"/u/{unit.id}/yjsgk/", unit=unit)
            portal.listings.append(listing)
            _fill_column(portal, listing, unit, entries, years, rng, counter, traps)
        if portal.platform is not None and (unit.id in on_platform_only or unit.id in both):
            _fill_platform(portal, portal.platform, unit, entries, years, rng, counter, traps)
    if portal.platform is not None:
        _platform_notices(site, portal.platform, years, rng, counter)
    for listing in portal.listings:
        _write_listing(site, listing, portal.content_types)
    if portal.platform is not None:
        _write_listing(site, portal.platform, portal.content_types)
    _write(site, "/robots.txt", b"User-agent: *\nDisallow: /admin/\nDisallow: /platform/internal/\n")
    _write(site, VIEWER, _page("PDF 阅读器", "<div id='viewer'></div>").encode("utf-8"))
    return portal


@dataclass
class _Traps:
    mislabelled: set[tuple[str, int]]
    reposts: set[tuple[str, int]]
    extra_tables: set[tuple[str, int]]
    own_unit_reports: set[tuple[str, int]]


def _traps(
    rng: random.Random,
    corpus: Corpus,
    platform_only: set[str],
    mislabelled: int,
    reposts: int,
    extra_tables: int,
    own_unit_reports: int,
) -> _Traps:
    good = [(e.unit.id, e.year) for e in corpus.entries if e.fault == "none"]
    rng.shuffle(good)
    own_site = [key for key in good if key[0] not in platform_only]
    # A department (行政单位) publishes its own 单位决算 beside the 部门决算; small corpora have none: any unit then.
    departments = [key for key in own_site if corpus.entry(*key).unit.kind == "行政单位"] or own_site

    def take(pool: list[tuple[str, int]], count: int) -> set[tuple[str, int]]:
        chosen = set(pool[:count])
        for key in chosen:
            for other in (good, own_site, departments):
                if key in other:
                    other.remove(key)
        return chosen

    return _Traps(
        mislabelled=take(own_site, mislabelled),
        own_unit_reports=take(departments, own_unit_reports),
        reposts=take(own_site, reposts),
        extra_tables=take(own_site, extra_tables),
    )


def _publication_date(rng: random.Random, year: int, kind: str) -> str:
    if kind == "预算":
        return f"{year}-02-{rng.randint(1, 27):02d}"
    return f"{year + 1}-{rng.randint(6, 9):02d}-{rng.randint(1, 28):02d}"


def _later(date: str) -> str:
    year, month, day = (int(part) for part in date.split("-"))
    month += 2
    if month > 12:
        year, month = year + 1, month - 12
    return f"{year:04d}-{month:02d}-{day:02d}"


def _fill_column(
    portal: Portal,
    listing: Listing,
    unit: UnitSpec,
    entries: list[CorpusEntry],
    years: list[int],
    rng: random.Random,
    counter: Iterator[int],
    traps: _Traps,
) -> None:
    site = portal.site
    style = listing.style
    base = listing.base
    for entry in entries:
        year = entry.year
        date = _publication_date(rng, year, "决算")
        month = date[:4] + date[5:7]
        number = next(counter)
        data = (site / entry.path).read_bytes()
        ext = entry.format
        key = (unit.id, year)
        title_words = f"{unit.name}{year}年度部门决算公开" if style != "scripted" else f"{year}年度部门决算公开"
        if style == "gbk-table":
            # One article a year: this year's 预算 and last year's 决算, attachments named 附件N only.
            file = f"{base}uploadfiles/{hashlib.md5(f'{unit.id}{year}'.encode()).hexdigest()[:16]}.{ext}"
            href = f"{base}download.jsp?fileid={number}"
            portal.redirects[href] = file
            article_path = f"{base}art/{date.replace('-', '/')}/art_{number}.html"
            title = f"{unit.name}{year + 1}年度部门预算和{year}年度部门决算公开"
            attachments = [Attachment(href, file, f"附件1.{ext}", "决算", unit.id, year)]
            budget = render_budget_text(unit, year + 1, seed=portal.seed)
            budget_file = f"{base}uploadfiles/{hashlib.md5(f'{unit.id}{year}b'.encode()).hexdigest()[:16]}.txt"
            budget_href = f"{base}download.jsp?fileid={number}b"
            portal.redirects[budget_href] = budget_file
            _write(site, budget_file, budget)
            attachments.append(Attachment(budget_href, budget_file, "附件2.txt", "预算", unit.id, year + 1))
            kind = "预决算"
        else:
            if style == "static":
                file = f"{base}{month}/P0{month}{number:06d}.{ext}"
                text = f"{year}年度{unit.name}部门决算公开.{ext}"
            else:
                file = f"{base}files/{year}年度部门决算.{ext}"
                text = f"附件：{year}年度部门决算.{ext}"
            href = file
            article_path = f"{base}{month}/t{month}{date[8:10]}_{number}.html"
            title = title_words
            attachments = [Attachment(href, file, text, "决算", unit.id, year)]
            kind = "决算"
        _write(site, file, data)
        if key in traps.mislabelled:
            # The article links the 预算 instead of the 决算: the report never went online.
            wrong = render_budget_text(unit, year, seed=portal.seed)
            _write(site, file, wrong)
        _move_fault(portal, entry, file)
        article = Article(
            article_path, title, date, unit, kind, attachments, embed=style == "static" and number % 2 == 0
        )
        if key in traps.extra_tables:
            table_file = f"{base}files/{year}年度部门决算公开表.xlsx"
            _write(site, table_file, _spreadsheet())
            article.attachments.append(
                Attachment(table_file, table_file, f"{year}年度部门决算公开表.xlsx", "公开表", unit.id, year)
            )
        if key in traps.own_unit_reports:
            own = _own_unit_report(entry, portal.seed)
            own_file = f"{base}files/{year}年度本级单位决算.txt"
            _write(site, own_file, own)
            article.attachments.append(
                Attachment(own_file, own_file, f"{year}年度本级单位决算公开.txt", "单位决算", unit.id, year)
            )
        listing.articles.append(article)
        if key in traps.reposts:
            listing.articles.append(
                Article(
                    f"{article_path[:-5]}_1.html",
                    f"{title}（重发）",
                    _later(date),
                    unit,
                    kind,
                    list(article.attachments),
                )
            )
        outcome = DISCOVERED_OUTCOMES[entry.fault]
        if key in traps.mislabelled:
            portal.expected[key] = Expected(unit.id, year, file, "missing", "the document is a 预算")
        else:
            portal.expected[key] = Expected(unit.id, year, file, outcome)
    _add_budgets_and_noise(portal, listing, unit, years, rng, counter)


def _own_unit_report(entry: CorpusEntry, seed: int) -> bytes:
    """The department's own 单位决算 (本级): another report of the unit, titled as such."""
    catalogue = Catalogue.load()
    report = generate_report(entry.unit, entry.year, seed=seed + 104729, catalogue=catalogue, format="txt")
    return report.data.decode("utf-8").replace("部门决算公开", "单位决算公开（本级）", 1).encode("utf-8")


def _spreadsheet() -> bytes:
    """A small XLSX-like archive: what a 公开表 spreadsheet looks like to the format sniffer."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _move_fault(portal: Portal, entry: CorpusEntry, file: str) -> None:
    if entry.fault not in ("none", "wrong-year", "empty"):
        portal.served_faults[file] = entry.fault
        portal.served_faults.pop(f"/{entry.path}", None)


def _add_budgets_and_noise(
    portal: Portal, listing: Listing, unit: UnitSpec, years: list[int], rng: random.Random, counter: Iterator[int]
) -> None:
    site, base = portal.site, listing.base
    if listing.style != "gbk-table":
        for year in years:
            date = _publication_date(rng, year, "预算")
            month = date[:4] + date[5:7]
            number = next(counter)
            file = (
                f"{base}{month}/P0{month}{number:06d}.txt"
                if listing.style == "static"
                else f"{base}files/{year}年度部门预算.txt"
            )
            _write(site, file, render_budget_text(unit, year, seed=portal.seed))
            text = f"{year}年度部门预算公开.txt"
            listing.articles.append(
                Article(
                    f"{base}{month}/t{month}{date[8:10]}_{number}.html",
                    f"{unit.name}{year}年度部门预算公开",
                    date,
                    unit,
                    "预算",
                    [Attachment(file, file, text, "预算", unit.id, year)],
                )
            )
    for _ in range(rng.randint(2, 5)):
        year = rng.choice(years) + 1
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        month = date[:4] + date[5:7]
        number = next(counter)
        title = rng.choice(NOISE_TITLES).format(year=year, name=unit.name)
        listing.articles.append(
            Article(f"{base}{month}/t{month}{date[8:10]}_{number}.html", title, date, unit, "noise")
        )


def _fill_platform(
    portal: Portal,
    listing: Listing,
    unit: UnitSpec,
    entries: list[CorpusEntry],
    years: list[int],
    rng: random.Random,
    counter: Iterator[int],
    traps: _Traps,
) -> None:
    site, base = portal.site, listing.base
    for entry in entries:
        key = (unit.id, entry.year)
        date = _publication_date(rng, entry.year, "决算")
        number = next(counter)
        own = portal.expected.get(key)
        if own is not None:
            # Also on the unit's own column: the platform keeps a copy of the same file.
            file = f"/platform/upload/{hashlib.md5(f'{unit.id}{entry.year}'.encode()).hexdigest()}.{entry.format}"
            _write(site, file, (site / own.file.lstrip("/")).read_bytes())
            if own.file in portal.served_faults:
                portal.served_faults[file] = portal.served_faults[own.file]
        else:
            file = f"/platform/upload/{hashlib.md5(f'{unit.id}{entry.year}'.encode()).hexdigest()}.{entry.format}"
            _write(site, file, (site / entry.path).read_bytes())
            _move_fault(portal, entry, file)
            portal.expected[key] = Expected(unit.id, entry.year, file, DISCOVERED_OUTCOMES[entry.fault])
        title = f"{unit.name}{entry.year}年度部门决算公开"
        attachment = Attachment(file, file, f"{title}.{entry.format}", "决算", unit.id, entry.year)
        article = Article(f"{base}art/{number}.html", title, date, unit, "决算", [attachment])
        if number % 2:
            article.embed = True
        else:
            article.viewer = f"{base}view/{number}.html"
        listing.articles.append(article)
    for year in years:
        number = next(counter)
        date = _publication_date(rng, year, "预算")
        file = f"/platform/upload/{hashlib.md5(f'{unit.id}{year}budget'.encode()).hexdigest()}.txt"
        _write(site, file, render_budget_text(unit, year, seed=portal.seed))
        title = f"{unit.name}{year}年度部门预算公开"
        listing.articles.append(
            Article(
                f"{base}art/{number}.html",
                title,
                date,
                unit,
                "预算",
                [Attachment(file, file, f"{title}.txt", "预算", unit.id, year)],
            )
        )
    _ = traps


def _platform_notices(
    site: Path, listing: Listing, years: list[int], rng: random.Random, counter: Iterator[int]
) -> None:
    """What a platform lists besides reports: a notice about disclosure work (it names 决算), news, a
    draft behind a path robots.txt disallows."""
    year = years[-1] + 1
    number = next(counter)
    notice = "/platform/upload/notice.txt"
    text = (
        f"关于做好{year}年度部门预决算公开工作的通知\n\n各部门：\n\n请于规定时间内公开{year}年度部门预算和"
        f"{year - 1}年度部门决算，公开内容包括部门决算报表和情况说明。\n\n市财政局\n"
    )
    _write(site, notice, text.encode("utf-8"))
    listing.articles.append(
        Article(
            f"{PLATFORM}art/{number}.html",
            f"关于做好{year}年度部门预决算公开工作的通知",
            f"{year}-01-15",
            None,
            "notice",
            [Attachment(notice, notice, "关于做好部门预决算公开工作的通知.txt", "notice", "", None)],
        )
    )
    listing.articles.append(
        Article(
            "/platform/internal/draft.html", f"{years[0]}年度部门决算汇总（内部审核稿）", f"{year}-01-10", None, "决算"
        )
    )
    for _ in range(3):
        number = next(counter)
        title = rng.choice(NOISE_TITLES).format(year=year, name="市财政局")
        listing.articles.append(
            Article(f"{PLATFORM}art/{number}.html", title, f"{year}-03-{number % 28 + 1:02d}", None, "noise")
        )


# --- writing the pages -----------------------------------------------------------------------------------------
def _write(site: Path, url_path: str, data: bytes) -> None:
    """Write ``data`` at ``url_path`` (a query string becomes ``@query`` in the file name); unchanged: no write."""
    path, _, query = url_path.partition("?")
    target = site / (path.lstrip("/") + (f"@{query}" if query else ""))
    if target.exists() and target.read_bytes() == data:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    meta = (
        "<meta charset='utf-8'>"
        if charset == "utf-8"
        else f"<meta http-equiv='Content-Type' content='text/html; charset={charset}'>"
    )
    head = f"<head>{meta}<title>{html.escape(title)}</title></head>"
    return f"<!DOCTYPE html>\n<html>{head}\n<body>\n{body}\n</body></html>\n"


def _encoded(text: str, style: str) -> bytes:
    return text.encode("gb18030") if style == "gbk-table" else text.encode("utf-8")


def _href(path: str) -> str:
    return quote(path, safe="/:?=&%@._-")


def _relative(target: str, page: str) -> str:
    """``target`` relative to the page at ``page`` (``./x``, ``../files/x``), as CMSs write links."""
    page_dir = page.rsplit("/", 1)[0].split("/")
    parts = target.split("/")
    common = 0
    while common < min(len(page_dir), len(parts) - 1) and page_dir[common] == parts[common]:
        common += 1
    ups = len(page_dir) - common
    rest = "/".join(parts[common:])
    return ("./" if ups == 0 else "../" * ups) + rest


def _navigation(listing: Listing) -> str:
    root = listing.base.rsplit("/", 2)[0] + "/"
    links = " ".join(f"<a href='{root}{href}'>{text}</a>" for text, href in NAVIGATION)
    return f"<div class='nav'>{links} <a href='/admin/login.html'>管理登录</a></div>"


def _write_listing(site: Path, listing: Listing, content_types: dict[str, str]) -> None:
    pages = listing.pages()
    for number, articles in enumerate(pages, start=1):
        path = listing.page_path(number)
        if listing.style == "static":
            body = _static_list(listing, articles, number, len(pages), path)
        elif listing.style == "scripted":
            body = _scripted_list(listing, articles, number, len(pages), path)
        elif listing.style == "gbk-table":
            body = _gbk_list(listing, articles, number, len(pages))
        else:
            body = _platform_list(listing, articles, number, len(pages))
        charset = "gb2312" if listing.style == "gbk-table" else "utf-8"
        name = listing.unit.name if listing.unit else "市级预决算公开平台"
        _write(site, path, _encoded(_page(f"预决算公开_{name}", _navigation(listing) + body, charset), listing.style))
        if listing.style == "gbk-table":
            content_types[listing.first] = "text/html; charset=GBK"
        for article in articles:
            _write_article(site, listing, article, content_types)


def _pagination(listing: Listing, number: int, total: int) -> str:
    links = []
    if number > 1:
        links.append(f"<a href='{_href(listing.page_path(1))}'>首页</a>")
        links.append(f"<a href='{_href(listing.page_path(number - 1))}'>上一页</a>")
    for other in range(1, total + 1):
        links.append(str(other) if other == number else f"<a href='{_href(listing.page_path(other))}'>{other}</a>")
    if number < total:
        links.append(f"<a href='{_href(listing.page_path(number + 1))}'>下一页</a>")
        links.append(f"<a href='{_href(listing.page_path(total))}'>尾页</a>")
    if listing.style == "gbk-table":
        links.append("<a href='javascript:goPage(2)'>跳转</a>")
    return f"<div class='page'>{' '.join(links)}</div>"


def _static_list(listing: Listing, articles: list[Article], number: int, total: int, path: str) -> str:
    items = []
    for article in articles:
        shown = article.title if len(article.title) <= 18 else article.title[:17] + "…"
        items.append(
            f"<li><a href='{_href(_relative(article.path, path))}' title='{html.escape(article.title)}' "
            f"target='_blank'>{html.escape(shown)}</a><span>{article.date}</span></li>"
        )
    return f"<div class='list'><ul>{''.join(items)}</ul></div>" + _pagination(listing, number, total)


def _scripted_list(listing: Listing, articles: list[Article], number: int, total: int, path: str) -> str:
    records = "".join(
        f"<record><![CDATA[<li><a href='{_href(_relative(article.path, path))}' target='_blank'>"
        f"{html.escape(article.title)}</a><span>{article.date}</span></li>]]></record>"
        for article in articles
    )
    return (
        f"<div id='list'><script type='text/xml'><datastore><recordset>{records}</recordset></datastore></script></div>"
        f"<div id='page'><script>createPageHTML({total}, {number - 1}, 'index', 'html');</script></div>"
    )


def _gbk_list(listing: Listing, articles: list[Article], number: int, total: int) -> str:
    rows = "".join(
        f"<tr><td><a href='javascript:void(0)' onclick=\"openArticle('{_href(article.path)}')\">"
        f"{html.escape(article.title)}</a></td><td>[{article.date}]</td></tr>"
        for article in articles
    )
    return f"<table class='list'>{rows}</table>" + _pagination(listing, number, total)


def _platform_list(listing: Listing, articles: list[Article], number: int, total: int) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(article.unit.name if article.unit else '市财政局')}</td>"
        f"<td><a href='{_href(article.path)}'>{html.escape(article.title)}</a></td><td>{article.date}</td></tr>"
        for article in articles
    )
    head = "<tr><th>单位名称</th><th>标题</th><th>发布日期</th></tr>"
    return f"<table class='list'>{head}{rows}</table>" + _pagination(listing, number, total)


def _write_article(site: Path, listing: Listing, article: Article, content_types: dict[str, str]) -> None:
    if article.path.startswith("/platform/internal/"):
        _write(site, article.path, _page(article.title, "<p>内部审核稿</p>").encode("utf-8"))
        return
    parts = [f"<h1>{html.escape(article.title)}</h1>", f"<div class='info'>发布时间：{article.date}</div>"]
    if article.unit is not None:
        parts.append(f"<p>现将{html.escape(article.unit.name)}相关信息公开如下。</p>")
    if article.kind == "noise":
        parts.append("<p>特此公告。</p>")
    attachments = []
    # An article with a view page shows the document there only (查看全文), as many platforms do.
    for attachment in [] if article.viewer else article.attachments:
        href = (
            attachment.href if listing.style in ("gbk-table", "platform") else _relative(attachment.href, article.path)
        )
        attachments.append(f"<p><a href='{_href(href)}'>{html.escape(attachment.text)}</a></p>")
    if attachments:
        parts.append("<p>附件：</p>" + "".join(attachments))
    if article.embed and article.attachments:
        viewer = f"{VIEWER}?file={quote(article.attachments[0].file, safe='')}"
        parts.append(f"<iframe src='{viewer}' width='100%' height='800'></iframe>")
    if article.viewer and article.attachments:
        parts.append(f"<p><a href='{_href(article.viewer)}'>点击查看全文</a></p>")
        embed = f"<embed src='{_href(article.attachments[0].file)}' type='application/pdf' width='100%' height='900'>"
        _write(site, article.viewer, _page(article.title, embed).encode("utf-8"))
    parts.append("<div class='related'><a href='/news/1.html'>相关新闻</a></div>")
    charset = "gb2312" if listing.style == "gbk-table" else "utf-8"
    if listing.style == "gbk-table":
        content_types[article.path] = "text/html"  # the charset is in <meta> only
    _write(site, article.path, _encoded(_page(article.title, "\n".join(parts), charset), listing.style))


def _unit_block(unit: UnitSpec) -> list[str]:
    stewards = ", ".join(f'"{s}"' for s in unit.stewards)
    return [
        "[[unit]]",
        f'id = "{unit.id}"',
        f'name = "{unit.name}"',
        f'province = "{unit.province}"',
        f'city = "{unit.city}"',
        f'county = "{unit.county}"',
        f'level = "{unit.level}"',
        f'kind = "{unit.kind}"',
        f"stewards = [{stewards}]",
        "",
    ]


def _toml_key(key: str, value: object) -> str:
    if isinstance(value, str):
        return f'{key} = "{value}"'
    if isinstance(value, list | tuple):
        return f"{key} = [{', '.join(repr(v) if not isinstance(v, str) else chr(34) + v + chr(34) for v in value)}]"
    return f"{key} = {value}"
