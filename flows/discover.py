"""Discovery: find the reports on the units' disclosure pages, so nobody types their URLs.

A registry unit may list ``[[unit.source]]`` entries (its disclosure column), and a platform serving
many units a top-level ``[[source]]`` (``registry/README.md``). Before fetching, the nightly flow
walks every source (one task per source, in parallel; every request through the fetcher of
``flows/fetch.py``: per-host limits and politeness, conditional GET, retries) and turns what it
finds into ingestion jobs. The walk, per source:

1. **robots.txt** of the host is read once (cached ten minutes per process) and obeyed for every
   page: a disallowed page is not fetched (``blocked``). A robots.txt that answers 4xx allows
   everything, one that cannot be read (5xx, timeout) allows nothing (RFC 9309).
2. **Listing pages**: the source's ``url`` and its pagination (links named 下一页, ›, 2, 3 … on the
   same host, or the ``pages`` address template for pages a script draws), up to ``max_pages``.
3. **Links of a listing page**: a document link (``.pdf``, ``.docx`` … or a viewer's ``file=``) is
   a candidate; a page link whose words name a report of a kind the source takes (``kinds``: 决算 by
   default, 预算 too when listed; ``include``, not ``exclude``) is an article to follow; a link naming
   only a kind the source does not take (a 预算 by default), or none at all (news, 招聘, 公示,
   navigation), is rejected with that reason.
4. **Article pages** (depth 1, and pages they embed or link as 查看/全文/附件/下载 up to
   ``max_depth``): every document they link or embed (``<iframe>``/``<embed>``/``<object>``, a PDF
   viewer's file) is a candidate, labelled by its own words and the article's title. A "page" that
   answers with a document (a download script) is that document.
5. **Candidates** whose words name a 决算 (or nothing, under a 决算 article) and a wanted year are
   downloaded (conditional GET: an unchanged one costs a 304 and keeps last night's reading) and
   read: the content decides 决算 vs 预算, the year, the unit, 部门 vs 单位 and whether it is the
   complete report, its 公开表 or its 正文 (``flows/classify.py``); the extractor's identity check
   (unit, year) has the final word. The bytes go to the raw store, by sha256, where ingestion takes
   them (no second download).

Then, over all sources, one report per unit, year and kind is **selected** (a ``[[unit.report]]``
of that unit, year and kind wins over any): a document whose content confirms its kind before one
that does not, the complete report before its 公开表 before its 正文, the ``scope`` the source prefers
(部门 / 单位), then the newer (date printed on the listing, 更正/修订 in its words, earlier on the
listing). The same bytes at two addresses (one PDF linked from two articles) are one document.
When the document taken is only a part (its 正文, or its 公开表) and the other part was found too —
or a 公开表 is attached beside the document taken on the same page —, both are taken as one report of
two parts (the 正文 first). Every other candidate is rejected with
the reason, naming the document taken instead.

What was found is stored, for stewards, in the lake (``discovered_documents``: every link of every
page walked, with its labels, its content reading, ``decision`` ∈ selected / followed / rejected /
failed, the ``stage`` that decided and the ``reason``; ``discovery_pages``: every page, with its
status and its links) and the warehouse (docs/discovery.md). A page that fails tonight is replaced
by the links it had on its last good night, so the walk goes on and what earlier nights found is
kept; a link no longer found stays on record with ``current = false``. Rows change only when what
they say changes, so a night that finds nothing new leaves the lake and warehouse untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlparse
from urllib.robotparser import RobotFileParser

from juesuan.contract import BUDGET, FINAL, REPORT_KINDS
from juesuan.errors import DocumentError
from juesuan.flows.classify import Content, Labels, confirm_identity, labelled_units, read_content, read_labels
from juesuan.flows.fetch import Fetched, Fetcher, FetchError, Validators, fetcher_for
from juesuan.flows.ingest import IngestEnv, Prefetched, RawStore
from juesuan.flows.pages import Link, file_name, looks_like_document, parse_page
from juesuan.lake import DISCOVERED_DOCUMENT_SCHEMA, DISCOVERY_PAGE_SCHEMA, Lake
from juesuan.registry import Registry, Report, Source, Unit

log = logging.getLogger(__name__)

#: What decided a link's fate (``discovered_documents.stage``).
STAGES = ("link", "download", "content", "identity", "selection")
#: Link texts of listing pagination (compact text).
_PAGINATION = re.compile(
    r"^(?:下一页|下页|后页|下一頁|下一页>+|上一页|上页|前页|首页|>|>>|<|<<|›|»|‹|«|＞|＜|尾页|末页|最后一页"
    r"|\d{1,4}|第\d{1,4}页|\[\d{1,4}\])$"
)
#: Link texts of an article that lead to the document (a viewer page, an attachment list).
_LEADS_TO_DOCUMENT = re.compile(r"查看|全文|附件|下载|点击|详情|阅读|浏览")
_HTML_TYPES = ("text/html", "application/xhtml")
ROBOTS_TTL = 600.0
_PART_RANK = {"完整": 2, "公开表": 1, "正文": 0}
_KIND_LABELS = {BUDGET: "预算 (budget)", FINAL: "决算 (final accounts)"}
#: What selection hands to ingestion: a report and the discovery step's download of it (one per part
#: for a report found as a 正文 and a 公开表).
Selected = tuple[Report, Prefetched | tuple[Prefetched | None, ...] | None]


@dataclass(frozen=True)
class DiscoveryEnv:
    """How to walk: the ingestion's fetch policy, retries and raw store; downloads in flight per source."""

    ingest: IngestEnv
    workers: int = 4
    ocr: bool | None = None  # OCR the first page of an image-only PDF (None: when an engine is installed)
    force: bool = False  # download every document again, unconditionally (``juesuan run --force``)


@dataclass(frozen=True)
class SourceJob:
    """One source and what earlier nights found on it (its rows of the two discovery files)."""

    source: Source
    units: tuple[Unit, ...]
    previous_documents: tuple[dict[str, Any], ...] = ()
    previous_pages: tuple[dict[str, Any], ...] = ()


@dataclass
class Candidate:
    """A document link (one address), every row that points at it, and what became of it."""

    url: str
    rows: list[dict[str, Any]]
    labels: Labels
    position: int
    unit_id: str | None = None
    year: int | None = None
    kind: str = FINAL  # the kind of report it is taken for (决算 | 预算)
    content: Content | None = None
    prefetched: Prefetched | None = None
    failed: str | None = None  # why tonight's download failed (the previous reading may stand in)
    words: str = ""  # the words around it: article title, link text, file name, listing row

    @property
    def sha256(self) -> str | None:
        return self.prefetched.sha256 if self.prefetched else None


@dataclass
class SourceResult:
    """What the walk of one source found: page rows, link rows and the candidates left for selection."""

    source: Source
    pages: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[Candidate] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0


@dataclass
class DiscoverySummary:
    """Counts of a night's discovery (the run summary shows them)."""

    sources: int = 0
    pages: int = 0
    pages_failed: int = 0
    pages_blocked: int = 0
    links: int = 0
    downloaded: int = 0
    selected: int = 0
    rejected: int = 0
    failed: int = 0
    requests: int = 0
    seconds: float = 0.0
    changed: bool = False

    def line(self) -> str:
        return (
            f"{self.sources} source(s), {self.pages} page(s) ({self.pages_failed} failed, {self.pages_blocked} "
            f"blocked by robots.txt), {self.links} link(s), {self.downloaded} document(s) read: "
            f"{self.selected} report(s) selected, {self.rejected} document link(s) rejected, {self.failed} failed"
        )


@dataclass
class Discovery:
    """The night's discovery: the reports to ingest (with their downloads) and the rows to store."""

    reports: list[Selected]
    documents: list[dict[str, Any]]
    pages: list[dict[str, Any]]
    summary: DiscoverySummary


# --- the walk of one source -----------------------------------------------------------------------------------
class _Walk:
    """One source's walk: fetches (through the shared fetcher), page and link rows, candidates."""

    def __init__(self, job: SourceJob, env: DiscoveryEnv) -> None:
        self.job = job
        self.source = job.source
        self.env = env
        self.fetcher: Fetcher = fetcher_for(env.ingest.policy)
        self.raw_store: RawStore = env.ingest.raw_store()
        self.result = SourceResult(source=job.source)
        self.previous_pages = {row["url"]: row for row in job.previous_pages}
        self.previous_by_url: dict[str, dict[str, Any]] = {}
        for row in job.previous_documents:
            if row["url"] and (row["sha256"] or row["url"] not in self.previous_by_url):
                self.previous_by_url[row["url"]] = row
        self.seen_pages: set[str] = set()
        self.candidates: dict[str, Candidate] = {}
        self.position = 0
        self.lock = threading.Lock()
        self.robots = robots_for(self.fetcher, job.source.url)

    # --- fetching ----------------------------------------------------------------------------------------
    def get(self, url: str, validators: Validators | None) -> Fetched:
        """One GET with the ingestion's retries (retryable failures only, exponential backoff)."""
        delays = [self.env.ingest.backoff * 2**attempt for attempt in range(self.env.ingest.retries)]
        for attempt in range(len(delays) + 1):
            with self.lock:
                self.result.requests += 1
            try:
                return self.fetcher.get(url, validators or Validators())
            except FetchError as exc:
                if not exc.retryable or attempt == len(delays):
                    raise
                time.sleep(delays[attempt])
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def allowed(self, url: str) -> bool:
        robots = self.robots if urlparse(url).netloc == urlparse(self.source.url).netloc else None
        robots = robots or robots_for(self.fetcher, url)
        return robots.allows(self.env.ingest.policy.user_agent, url)

    def next_position(self) -> int:
        with self.lock:
            self.position += 1
            return self.position

    # --- pages ---------------------------------------------------------------------------------------------
    def page(
        self, url: str, role: str, depth: int, page_number: int | None, linked_from: str, templated: bool = False
    ) -> tuple[list[Link], str, Fetched | None]:
        """The links of one page (tonight's, or its last good night's when it fails) and its title.

        Returns the fetched response too when the "page" turned out to be a document.
        """
        previous = self.previous_pages.get(url)
        row = _page_row(self.source, url, role, depth, page_number, linked_from, previous)
        with self.lock:
            self.result.pages.append(row)
        if not self.allowed(url):
            row.update(status="blocked", error=self.robots_reason(url))
            return [], "", None
        stored = _stored_links(previous)
        validators = None
        if previous is not None and previous["status"] == "ok" and stored is not None:
            validators = Validators(etag=previous["etag"], last_modified=previous["last_modified"])
        try:
            fetched = self.get(url, validators)
        except FetchError as exc:
            if templated and exc.kind == "withdrawn":
                # A page address from the template that does not exist: the listing ends here.
                row.update(status="skipped", http_status=exc.http_status, error=f"{exc.reason}: the listing ends")
                return [], "", None
            row.update(status="failed", http_status=exc.http_status, error=exc.reason)
            if stored is not None:
                row["error"] = f"{exc.reason}; the links it had on its last good night are used"
                return stored, previous["title"] if previous else "", None
            return [], "", None
        if fetched.not_modified and stored is not None:
            return stored, row["title"] or "", None
        data = fetched.data or b""
        if not _is_html(fetched):
            row.update(
                status="ok", http_status=fetched.http_status, final_url=fetched.url, error="a document, not a page"
            )
            return [], "", fetched
        parsed = parse_page(fetched.url, data, fetched.content_type)
        sha = hashlib.sha256(data).hexdigest()
        row.update(
            status="ok",
            http_status=fetched.http_status,
            error=None,
            final_url=fetched.url,
            charset=parsed.charset,
            title=parsed.title,
            links=len(parsed.links),
            links_json=_links_json(parsed.links),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            sha256=sha,
        )
        return list(parsed.links), parsed.title, None

    def robots_reason(self, url: str) -> str:
        return robots_for(self.fetcher, url).reason()

    # --- the walk ------------------------------------------------------------------------------------------
    def run(self) -> SourceResult:
        started = time.perf_counter()
        articles = self.walk_listing()
        self.walk_articles(articles)
        self.download_candidates()
        self.result.seconds = time.perf_counter() - started
        return self.result

    def walk_listing(self) -> list[tuple[Link, int, str]]:
        """Listing pages (the first and its pagination, bounded); the article links they give, in order."""
        source = self.source
        queue: list[tuple[str, str]] = [(source.url, "")]
        articles: list[tuple[Link, int, str]] = []
        listed_links: set[str] = set()
        templated = {source.url: 1} if source.pages else {}
        listed = 0
        while queue:
            url, linked_from = queue.pop(0)
            if url in self.seen_pages:
                continue
            if listed >= source.max_pages:
                self.skipped(url, linked_from, f"beyond max_pages = {source.max_pages}")
                continue
            self.seen_pages.add(url)
            listed += 1
            links, _, as_document = self.page(url, "listing", 0, listed, linked_from, templated=url in templated)
            if as_document is not None:
                self.document_response(as_document, Link(url=url, text="", tag="a"), linked_from, "", 0)
                continue
            fresh = 0
            for link in links:
                if _is_pagination(link, source.url):
                    if link.url not in self.seen_pages:
                        queue.append((link.url, url))
                    continue
                if link.url not in listed_links:
                    listed_links.add(link.url)
                    fresh += 1
                self.listing_link(link, url, articles)
            number = templated.get(url)
            if number is not None and fresh:
                # Pages a script draws: the next address from the template, while pages list something new.
                following = self._template_url(number + 1)
                templated[following] = number + 1
                queue.append((following, url))
        return articles

    def _template_url(self, number: int) -> str:
        if number <= 1:
            return self.source.url
        address = self.source.pages.replace("{n}", str(number)).replace("{i}", str(number - 1))
        return urljoin(self.source.url, address)

    def skipped(self, url: str, linked_from: str, reason: str) -> None:
        if url in self.seen_pages:
            return
        self.seen_pages.add(url)
        row = _page_row(self.source, url, "listing", 0, None, linked_from, self.previous_pages.get(url))
        row.update(status="skipped", error=reason)
        self.result.pages.append(row)

    def listing_link(self, link: Link, page_url: str, articles: list[tuple[Link, int, str]]) -> bool:
        """Record one link of a listing page; ``True`` when it is an article to follow."""
        position = self.next_position()
        if link.is_document:
            self.add_candidate(link, page_url, title="", depth=0, position=position)
            return False
        labels = read_labels("", link.text, "", link.context)
        row = self.link_row(link, page_url, "", 0, position, labels, role="page")
        if not link.url:
            row.update(decision="rejected", stage="link", reason=f"a javascript: link without an address ({link.raw})")
            return False
        verdict = self.link_verdict(labels, f"{link.text} {link.context}")
        if verdict is not None:
            row.update(decision="rejected", stage="link", reason=verdict)
            return False
        if not self.may_follow(link.url):
            row.update(decision="rejected", stage="link", reason=f"on another host ({urlparse(link.url).netloc})")
            return False
        if self.source.max_depth < 1:
            row.update(decision="rejected", stage="link", reason="max_depth = 0: articles are not followed")
            return False
        row.update(decision="followed", stage="link", reason="")
        articles.append((link, position, page_url))
        return True

    def link_verdict(self, labels: Labels, words: str) -> str | None:
        """Why the words of a link rule it out (``None``: they do not)."""
        source = self.source
        compacted = re.sub(r"\s+", "", words)
        if labels.kinds and not labels.kinds & set(source.kinds):
            named = min(labels.kinds)
            return f"names a {_KIND_LABELS.get(named, named)} report, not a {'/'.join(source.kinds)}"
        if not any(word in compacted for word in source.include):
            return f"names no {'/'.join(source.kinds)} report (none of {', '.join(source.include)} in its words)"
        excluded = [word for word in source.exclude if word in compacted]
        if excluded:
            return f"excluded by the source's exclude words ({', '.join(excluded)})"
        if labels.year is not None and not source.wants_year(labels.year):
            return f"names {labels.year}, not a year the source takes"
        return None

    def may_follow(self, url: str) -> bool:
        host = urlparse(url).netloc
        return host == urlparse(self.source.url).netloc or host in self.source.hosts

    def walk_articles(self, articles: list[tuple[Link, int, str]]) -> None:
        """Article pages and the pages they embed, level by level, ``workers`` at once."""
        level: list[tuple[str, str, int, int, str]] = []  # (url, title, depth, position, linked_from)
        for link, position, page_url in articles:
            level.append((link.url, link.text or link.context, 1, position, page_url))
        with ThreadPoolExecutor(max_workers=max(1, self.env.workers), thread_name_prefix="discover") as pool:
            while level:
                fresh = []
                for item in level:
                    if item[0] not in self.seen_pages and len(self.seen_pages) < self.page_budget():
                        self.seen_pages.add(item[0])
                        fresh.append(item)
                following = list(pool.map(lambda item: self.article(*item), fresh))
                level = [page for pages in following for page in pages]

    def page_budget(self) -> int:
        return self.source.max_pages + self.source.max_documents

    def article(
        self, url: str, title: str, depth: int, position: int, linked_from: str
    ) -> list[tuple[str, str, int, int, str]]:
        """Record the links of one article page; the pages under it still to walk."""
        role = "article" if depth == 1 else "page"
        links, page_title, as_document = self.page(url, role, depth, None, linked_from)
        if as_document is not None:
            self.document_response(as_document, Link(url=url, text=title, tag="a"), linked_from, title, depth - 1)
            return []
        article_title = title or page_title
        deeper = []
        for link in links:
            if link.is_document:
                self.add_candidate(link, url, title=article_title, depth=depth, position=position)
                continue
            embedded = link.tag in ("iframe", "frame", "embed", "object", "refresh")
            leads = (
                embedded or bool(_LEADS_TO_DOCUMENT.search(link.text)) or any(k in link.text for k in self.source.kinds)
            )
            if not leads or not link.url or depth + 1 > self.source.max_depth or not self.may_follow(link.url):
                continue  # navigation, related news …: not recorded
            labels = read_labels(article_title, link.text, "", link.context)
            row = self.link_row(link, url, article_title, depth, position, labels, role="page")
            if labels.kinds == frozenset({BUDGET}) and BUDGET not in self.source.kinds and not embedded:
                row.update(decision="rejected", stage="link", reason="names a 预算 (budget) report, not a 决算")
                continue
            row.update(decision="followed", stage="link", reason="")
            deeper.append((link.url, article_title, depth + 1, position, url))
        return deeper

    # --- candidates --------------------------------------------------------------------------------------
    def link_row(
        self, link: Link, page_url: str, title: str, depth: int, position: int, labels: Labels, role: str
    ) -> dict[str, Any]:
        row = _document_row(self.source, link, page_url, title, depth, position, labels, role)
        named = self.units_named(f"{title} {link.text} {link.context}")
        row["unit_id"] = named[0].id if named else None
        if labels.kinds & set(self.source.kinds):
            row["year"] = labels.year  # what it claims to be; the document's content may correct it
        with self.lock:
            self.result.documents.append(row)
        return row

    def units_named(self, words: str) -> list[Unit]:
        """The source's unit (a unit's own source), or the units the words name (a platform)."""
        if not self.source.platform and len(self.job.units) == 1:
            return list(self.job.units)
        return labelled_units(words, self.job.units)

    def add_candidate(self, link: Link, page_url: str, title: str, depth: int, position: int) -> Candidate:
        labels = read_labels(title, link.text, file_name(link.url), link.context)
        row = self.link_row(link, page_url, title, depth, position, labels, role="document")
        with self.lock:
            known = self.candidates.get(link.url)
            if known is not None:
                known.rows.append(row)
                return known
            words = f"{title} {link.text} {file_name(link.url)} {link.context}"
            candidate = Candidate(url=link.url, rows=[row], labels=labels, position=position, words=words)
            self.candidates[link.url] = candidate
        return candidate

    def document_response(self, fetched: Fetched, link: Link, page_url: str, title: str, depth: int) -> None:
        """A page address that answered with a document: a candidate, already downloaded."""
        candidate = self.add_candidate(link, page_url, title, depth, self.next_position())
        if candidate.prefetched is None and candidate.content is None:
            self.read_document(candidate, fetched)

    def download_candidates(self) -> None:
        """Decide each candidate by its words, then download and read those still in the running."""
        to_download = []
        for candidate in self.candidates.values():
            verdict = self.link_verdict(candidate.labels, candidate.words)
            if verdict is not None:
                self.decide(candidate, "rejected", "link", verdict)
            elif candidate.prefetched is None:
                to_download.append(candidate)
        bound = self.source.max_documents
        for candidate in to_download[bound:]:
            self.decide(candidate, "rejected", "download", f"beyond max_documents = {bound} tonight")
        with ThreadPoolExecutor(max_workers=max(1, self.env.workers), thread_name_prefix="download") as pool:
            list(pool.map(self.download, to_download[:bound]))
        for candidate in self.candidates.values():
            if candidate.rows[0]["decision"] is None:
                self.judge(candidate)

    def download(self, candidate: Candidate) -> None:
        previous = self.previous_by_url.get(candidate.url)
        validators = None
        if previous is not None and previous["sha256"] and not self.env.force:
            validators = Validators(etag=previous["etag"], last_modified=previous["last_modified"])
        if not self.allowed(candidate.url):
            candidate.failed = self.robots_reason(candidate.url)
            candidate.prefetched = Prefetched(
                url=candidate.url, sha256=None, format=None, error_kind="http-error", error_reason=candidate.failed
            )
            self.carry_over(candidate, previous, fetched=None)
            return
        try:
            fetched = self.get(candidate.url, validators)
        except FetchError as exc:
            candidate.failed = exc.reason
            candidate.prefetched = Prefetched(
                url=candidate.url,
                sha256=None,
                format=None,
                http_status=exc.http_status,
                error_kind=exc.kind,
                error_reason=exc.reason,
            )
            for row in candidate.rows:
                row["http_status"] = exc.http_status
            self.carry_over(candidate, previous, fetched=None)
            return
        if fetched.not_modified and previous is not None:
            self.carry_over(candidate, previous, fetched=fetched)
            return
        self.read_document(candidate, fetched)

    def carry_over(self, candidate: Candidate, previous: Mapping[str, Any] | None, fetched: Fetched | None) -> None:
        """Last night's download and reading of the same address stand in (a 304, or tonight's failure).

        A document refused then for what its bytes are (unreadable, a 预算, another unit) is refused
        again for the same reason: its bytes did not change.
        """
        if previous is None or not previous["sha256"]:
            return
        candidate.content = _content_of_row(previous)
        for row in candidate.rows:
            for name in _DOWNLOAD_FIELDS:
                if name != "http_status" or fetched is not None:
                    row[name] = previous[name]
            if fetched is not None:
                row["etag"] = fetched.etag or previous["etag"]
                row["last_modified"] = fetched.last_modified or previous["last_modified"]
        if previous["decision"] == "rejected" and previous["stage"] in ("content", "identity"):
            self.decide(candidate, "rejected", previous["stage"], previous["reason"])
            return
        if fetched is not None:
            candidate.prefetched = Prefetched(
                url=previous["final_url"] or candidate.url,
                sha256=previous["sha256"],
                format=previous["format"],
                http_status=previous["http_status"],
                content_type=previous["content_type"],
                etag=candidate.rows[0]["etag"],
                last_modified=candidate.rows[0]["last_modified"],
            )

    def read_document(self, candidate: Candidate, fetched: Fetched) -> None:
        """Tonight's bytes of a candidate: into the raw store, read, identified."""
        data = fetched.data or b""
        sha = hashlib.sha256(data).hexdigest()
        download = {
            "final_url": fetched.url,
            "http_status": fetched.http_status,
            "sha256": sha,
            "size": len(data),
            "content_type": fetched.content_type,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
        }
        for row in candidate.rows:
            row.update(download)
        try:
            content = read_content(fetched.url, data, self.job.units, ocr=self.env.ocr)
        except DocumentError as exc:
            self.raw_store.put(sha, "bin", data)  # evidence, as ingestion keeps it
            self.decide(candidate, "rejected", "content", exc.reason)
            return
        self.raw_store.put(sha, content.format, data)
        candidate.content = replace(content, text="")
        candidate.prefetched = Prefetched(
            url=fetched.url,
            sha256=sha,
            format=content.format,
            http_status=fetched.http_status,
            content_type=fetched.content_type,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
        )
        for row in candidate.rows:
            row.update(_content_fields(content))
        unit, year, problem = self.identify(candidate, candidate.content)
        if problem is None:
            assert unit is not None and year is not None
            try:
                confirm_identity(candidate.url, content, unit, year, self.kind_of(candidate, candidate.content))
            except DocumentError as exc:
                problem = exc.reason
        if problem is not None:
            self.decide(candidate, "rejected", "identity", problem)

    def kind_of(self, candidate: Candidate, content: Content | None) -> str:
        """The kind a candidate is taken for: its content's, else its words' (when they name one), else 决算."""
        if content is not None and content.kind is not None:
            return content.kind
        named = candidate.labels.kinds & set(REPORT_KINDS)
        if len(named) == 1:
            return next(iter(named))
        return FINAL if FINAL in self.source.kinds else self.source.kinds[0]

    def identify(self, candidate: Candidate, content: Content | None) -> tuple[Unit | None, int | None, str | None]:
        """The unit and year a candidate is taken for (the content's where it says, else its words); or why none."""
        units = {unit.id: unit for unit in self.job.units}
        labels = candidate.labels
        kind = self.kind_of(candidate, content)
        if kind not in self.source.kinds:
            evidence = f" ({content.title})" if content is not None and content.kind is not None else ""
            wanted = "/".join(self.source.kinds)
            return (
                None,
                None,
                f"the document is a {_KIND_LABELS[kind]} report, not a {wanted}{evidence}",
            )
        readable = content is not None and content.readable
        unit_id = content.unit_id if content is not None else None
        if unit_id is None:
            named = self.units_named(candidate.words)
            if readable and len(units) > 1:
                said = content.note if content is not None and content.note else "names none of the source's units"
                return None, None, f"the document {said}"
            unit_id = named[0].id if named else None
        if unit_id is None:
            return None, None, "neither the document nor its link names one of the source's units"
        stated = content.year if content is not None else None
        if stated is not None and labels.year is not None and stated != labels.year and kind in labels.kinds:
            # As the extractor refuses a report of another year than its registry entry names.
            return None, None, f"the report covers {stated}, but its link names {labels.year}"
        year = stated or labels.year
        if year is None:
            return None, None, "neither the document nor its link states a fiscal year"
        if not self.source.wants_year(year):
            return None, None, f"a report of {year}, not a year the source takes"
        if not readable and kind not in labels.kinds:
            return None, None, f"its content could not be read and its words do not name a {kind}"
        return units[unit_id], year, None

    def judge(self, candidate: Candidate) -> None:
        """A candidate not refused: identified and left for selection (a failed download too, for its record)."""
        if candidate.content is None and candidate.failed is None:
            self.decide(candidate, "rejected", "download", "not downloaded")
            return
        unit, year, problem = self.identify(candidate, candidate.content)
        if problem is not None:
            if candidate.failed is not None:
                self.decide(candidate, "failed", "download", candidate.failed)
            else:
                self.decide(candidate, "rejected", "identity", problem)
            return
        assert unit is not None and year is not None
        candidate.unit_id, candidate.year = unit.id, year
        candidate.kind = self.kind_of(candidate, candidate.content)
        for row in candidate.rows:
            row.update(unit_id=unit.id, year=year)
        self.result.accepted.append(candidate)

    def decide(self, candidate: Candidate, decision: str, stage: str, reason: str) -> None:
        for row in candidate.rows:
            row.update(decision=decision, stage=stage, reason=reason)


# --- helpers of the walk ---------------------------------------------------------------------------------------
def _is_html(fetched: Fetched) -> bool:
    content_type = (fetched.content_type or "").lower()
    if any(kind in content_type for kind in _HTML_TYPES):
        return True
    head = (fetched.data or b"")[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body"))


def _is_pagination(link: Link, listing: str) -> bool:
    """A link to another page of the same listing: named like one, in the listing's own folder."""
    if not link.url or not _PAGINATION.match(link.text):
        return False
    target, first = urlparse(link.url), urlparse(listing)
    return target.netloc == first.netloc and target.path.startswith(first.path.rsplit("/", 1)[0] + "/")


def _links_json(links: Iterable[Link]) -> str:
    return json.dumps([[k.url, k.text, k.tag, k.context, k.raw] for k in links], ensure_ascii=False)


def _stored_links(row: Mapping[str, Any] | None) -> list[Link] | None:
    if row is None or not row.get("links_json"):
        return None
    return [Link(url=u, text=t, tag=g, context=c, raw=r) for u, t, g, c, r in json.loads(row["links_json"])]


def _page_row(
    source: Source,
    url: str,
    role: str,
    depth: int,
    page_number: int | None,
    linked_from: str,
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in DISCOVERY_PAGE_SCHEMA.names}
    if previous is not None:
        # What the last good fetch read stays until tonight's replaces it (a 304, a failure).
        for name in ("final_url", "charset", "title", "links", "links_json", "etag", "last_modified", "sha256"):
            row[name] = previous[name]
        row["http_status"] = previous["http_status"]
    row.update(
        source=source.url,
        url=url,
        role=role,
        depth=depth,
        page_number=page_number,
        linked_from=linked_from,
        status="ok",
        current=True,
    )
    return row


def _document_row(
    source: Source, link: Link, page_url: str, title: str, depth: int, position: int, labels: Labels, role: str
) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in DISCOVERED_DOCUMENT_SCHEMA.names}
    row.update(
        source=source.url,
        found_on=page_url,
        url=link.url,
        link_text=link.text[:300],
        article_title=title[:300],
        listed_date=labels.date,
        tag=link.tag,
        role=role,
        depth=depth,
        position=position,
        label_kind=labels.kind,
        label_year=labels.year,
        label_scope=labels.scope,
        label_part=labels.part,
        label_revision=labels.revision,
        current=True,
    )
    return row


def _content_fields(content: Content) -> dict[str, Any]:
    return {
        "format": content.format,
        "content_kind": content.kind,
        "content_year": content.year,
        "content_unit": content.unit_id,
        "content_scope": content.scope,
        "content_part": content.part if content.readable else None,
        "content_evidence": content.title or content.note or None,
    }


def _content_of_row(row: Mapping[str, Any]) -> Content | None:
    """Last night's reading of a document, from its stored row (``None`` when it was never read)."""
    if not row["sha256"] or not row["format"]:
        return None
    part = row["content_part"]
    return Content(
        format=row["format"],
        readable=part is not None,
        kind=row["content_kind"],
        year=row["content_year"],
        unit_id=row["content_unit"],
        scope=row["content_scope"],
        tables=1 if part in ("完整", "公开表") else 0,
        narrative=part in ("完整", "正文"),
        title=row["content_evidence"] or "",
    )


_DOWNLOAD_FIELDS = (
    "final_url", "http_status", "sha256", "size", "content_type", "etag", "last_modified", "format",
    "content_kind", "content_year", "content_unit", "content_scope", "content_part", "content_evidence",
)  # fmt: skip


# --- robots.txt ----------------------------------------------------------------------------------------------------
class Robots:
    """A host's robots.txt as the walk obeys it (RFC 9309)."""

    def __init__(self, parser: RobotFileParser | None, unreachable: str = "") -> None:
        self.parser = parser  # None: no robots.txt (4xx), everything is allowed
        self.unreachable = unreachable  # why it could not be read: then nothing is allowed

    def allows(self, agent: str, url: str) -> bool:
        if self.unreachable:
            return False
        return self.parser is None or self.parser.can_fetch(agent, url)

    def reason(self) -> str:
        if self.unreachable:
            return f"robots.txt could not be read ({self.unreachable}): nothing may be fetched"
        return "robots.txt disallows this address"


_ROBOTS: dict[str, tuple[float, Robots]] = {}
_ROBOTS_LOCK = threading.Lock()


def robots_for(fetcher: Fetcher, url: str) -> Robots:
    """The robots.txt of ``url``'s host, read once per :data:`ROBOTS_TTL` seconds per process."""
    parsed = urlparse(url)
    address = f"{parsed.scheme}://{parsed.netloc}/robots.txt"
    with _ROBOTS_LOCK:
        cached = _ROBOTS.get(address)
        if cached is not None and time.monotonic() - cached[0] < ROBOTS_TTL:
            return cached[1]
    try:
        fetched = fetcher.get(address, Validators())
    except FetchError as exc:
        if exc.http_status is not None and 400 <= exc.http_status < 500:
            robots = Robots(None)
        else:
            robots = Robots(None, unreachable=exc.reason)
    else:
        parser = RobotFileParser(address)
        parser.parse((fetched.data or b"").decode("utf-8", errors="replace").splitlines())
        robots = Robots(parser)
    with _ROBOTS_LOCK:
        _ROBOTS[address] = (time.monotonic(), robots)
    return robots


def forget_robots() -> None:
    """Drop the cached robots.txt files (tests that change one between nights)."""
    with _ROBOTS_LOCK:
        _ROBOTS.clear()


# --- one source, as a task -----------------------------------------------------------------------------------------
def discover_source(job: SourceJob, env: DiscoveryEnv) -> SourceResult:
    """Walk one source (see the module docstring); never raises for what the web does."""
    walk = _Walk(job, env)
    result = walk.run()
    log.info(
        "discovered %s: %d page(s), %d link(s), %d candidate(s) accepted in %.1f s",
        job.source.url,
        len(result.pages),
        len(result.documents),
        len(result.accepted),
        result.seconds,
    )
    return result


def failed_source(job: SourceJob, reason: str) -> SourceResult:
    """The result of a source whose walk broke off (a bug, a time limit): its first page records why."""
    row = _page_row(job.source, job.source.url, "listing", 0, 1, "", None)
    row.update(status="failed", error=f"the walk of this source failed: {reason}")
    return SourceResult(source=job.source, pages=[row])


# --- all sources, and the choice of one document per unit and year -------------------------------------------------
#: Walks the sources, yielding each result as its walk ends (in any order).
SourceMapper = Callable[[list[SourceJob], DiscoveryEnv], Iterable[SourceResult]]
#: Called with the reports of the units whose every source has been walked (ingestion may start on them).
ReportsCallback = Callable[[list[Selected]], None]


def map_sequentially(jobs: list[SourceJob], env: DiscoveryEnv) -> list[SourceResult]:
    return [discover_source(job, env) for job in jobs]


def source_jobs(registry: Registry, lake: Lake) -> tuple[list[SourceJob], list[dict[str, Any]], list[dict[str, Any]]]:
    """One job per source with its earlier rows; and the earlier rows of all sources."""
    documents, pages = lake.read_discovery()
    by_source_documents: dict[str, list[dict[str, Any]]] = {}
    for row in documents:
        by_source_documents.setdefault(row["source"], []).append(row)
    by_source_pages: dict[str, list[dict[str, Any]]] = {}
    for row in pages:
        by_source_pages.setdefault(row["source"], []).append(row)
    units = {unit.id: unit for unit in registry.units}
    jobs = [
        SourceJob(
            source=source,
            units=tuple(units[i] for i in source.unit_ids),
            previous_documents=tuple(by_source_documents.get(source.url, ())),
            previous_pages=tuple(by_source_pages.get(source.url, ())),
        )
        for source in registry.sources
    ]
    return jobs, documents, pages


def discover(
    registry: Registry,
    lake: Lake,
    env: DiscoveryEnv,
    mapper: SourceMapper | None = None,
    on_reports: ReportsCallback | None = None,
) -> Discovery:
    """Walk every source of ``registry``, select one document per unit and year, store what was found.

    As soon as every source that may hold a unit's reports has been walked, that unit's reports are
    selected and passed to ``on_reports``: the flow starts ingesting them while other sources are
    still walked. The record is written once all sources are done.
    """
    started = time.perf_counter()
    jobs, old_documents, old_pages = source_jobs(registry, lake)
    waiting = Counter(unit_id for job in jobs for unit_id in job.source.unit_ids)
    results: list[SourceResult] = []
    reports: list[Selected] = []
    for result in (mapper or map_sequentially)(jobs, env):
        results.append(result)
        ready = set()
        for unit_id in result.source.unit_ids:
            waiting[unit_id] -= 1
            if waiting[unit_id] == 0:
                ready.add(unit_id)
        if ready:
            chosen = select(registry, results, units=ready)
            reports += chosen
            if on_reports is not None and chosen:
                on_reports(chosen)
    documents = _settled(old_documents, [row for r in results for row in r.documents], _document_key, registry)
    pages = _settled(old_pages, [row for r in results for row in r.pages], _page_key, registry)
    changed = lake.write_discovery(documents, pages)
    summary = _summary(results, reports, time.perf_counter() - started, changed)
    log.info("discovery: %s", summary.line())
    return Discovery(reports=reports, documents=documents, pages=pages, summary=summary)


def _rank(candidate: Candidate, source: Source) -> tuple[Any, ...]:
    content = candidate.content
    confirmed = 0 if content is None else (2 if content.kind == candidate.kind else 1 if content.readable else 0)
    part = _PART_RANK.get(content.part if content and content.readable else "", 1)
    scope = (content.scope if content else None) or candidate.labels.scope
    scope_rank = 1.0 if scope == source.scope else 0.5 if scope is None else 0.0
    return (
        candidate.failed is None,
        confirmed,
        part,
        scope_rank,
        candidate.labels.date or "",
        candidate.labels.revision,
        -candidate.position,
    )


def _why_not(loser: Candidate, winner: Candidate, source: Source) -> str:
    taken = winner.prefetched.url if winner.prefetched else winner.url
    if loser.sha256 is not None and loser.sha256 == winner.sha256:
        return f"the same document as {taken}, which was taken"
    mine, theirs = _rank(loser, source), _rank(winner, source)
    kind = winner.kind
    reasons = [
        f"its download failed tonight ({loser.failed}); {taken} was taken",
        f"its content does not confirm a {kind}; {taken}, which does, was taken",
        f"only part of the report ({loser.content.part if loser.content else '?'}); "
        f"the fuller document {taken} was taken",
        f"a {(loser.content and loser.content.scope) or loser.labels.scope or '?'}{kind}; the source takes the "
        f"{source.scope}{kind} ({taken})",
    ]
    for index, reason in enumerate(reasons):
        if mine[index] != theirs[index]:
            return reason
    return f"an older document of the same report; the newer {taken} was taken"


def select(registry: Registry, results: Sequence[SourceResult], units: set[str] | None = None) -> list[Selected]:
    """One report per unit, year and kind among the accepted candidates (of ``units``, default all); reject
    the others with the reason.

    A report found only as two documents — its 正文 and its 公开表 (each read from its own content) — is
    one report of two parts: the best document of each part is taken, the 正文 first.
    """
    explicit = {r.key: r for r in registry.reports()}
    groups: dict[tuple[str, int, str], list[tuple[Candidate, Source]]] = {}
    for result in results:
        for candidate in result.accepted:
            assert candidate.unit_id is not None and candidate.year is not None
            if units is not None and candidate.unit_id not in units:
                continue
            key = (candidate.unit_id, candidate.year, candidate.kind)
            groups.setdefault(key, []).append((candidate, result.source))
    reports: list[Selected] = []
    for key in sorted(groups):
        group = groups[key]
        unit_id, year, kind = key
        if key in explicit:
            for candidate, _ in group:
                _decide(
                    candidate, "rejected", "selection", f"the registry names this report's URL: {explicit[key].url}"
                )
            continue
        group.sort(key=lambda item: _rank(item[0], item[1]), reverse=True)
        winner, source = group[0]
        complement = _complement(group)
        if winner.failed is not None:
            _decide(winner, "failed", "download", f"{winner.failed}; nothing else found for {unit_id} {year} {kind}")
        elif complement is not None:
            _decide(winner, "selected", "selection", f"taken as a part of the {kind} of {unit_id} {year}")
        else:
            _decide(winner, "selected", "selection", f"taken as the {kind} of {unit_id} {year}")
        taken = [winner] if complement is None else [winner, complement]
        if complement is not None:
            _decide(complement, "selected", "selection", f"taken as a part of the {kind} of {unit_id} {year}")
        for loser, _ in group[1:]:
            if loser is not complement:
                _decide(loser, "rejected", "selection", _why_not(loser, winner, source))
        if complement is not None:
            # The 正文 first: the report's own words, then its tables.
            taken.sort(key=lambda c: 1 if c.content is not None and c.content.part == "公开表" else 0)
            parts = [_report(key, c) for c in taken]
            first = parts[0]
            report = Report(unit_id=unit_id, year=year, url=first.url, format=None, kind=kind, parts=tuple(parts))
            reports.append((report, tuple(c.prefetched for c in taken)))
            continue
        reports.append((_report(key, winner), winner.prefetched))
    return reports


def _report(key: tuple[str, int, str], candidate: Candidate) -> Report:
    url = candidate.prefetched.url if candidate.prefetched and candidate.prefetched.url else candidate.url
    return Report(unit_id=key[0], year=key[1], url=url, format=None, kind=key[2])


def _complement(group: list[tuple[Candidate, Source]]) -> Candidate | None:
    """The other part of the report taken: its 公开表 when the document taken is its 正文 — or a complete
    document (情况说明 and table titles: a 正文 listing its tables reads as one) with a 公开表 attached
    beside it on the same page —, its 正文 when it is only the 公开表. Both downloaded and read, of
    other bytes; ``None`` when nothing completes it. A figure both parts print is kept once (ingestion
    keeps the first part's)."""
    winner = group[0][0]
    content = winner.content
    if winner.failed is not None or content is None or not content.readable:
        return None
    pages = {row["found_on"] for row in winner.rows}
    for candidate, _ in group[1:]:
        found = candidate.content
        if candidate.failed is not None or found is None or not found.readable or candidate.sha256 == winner.sha256:
            continue
        beside = bool(pages & {row["found_on"] for row in candidate.rows})
        if content.part == "正文" and found.part == "公开表":
            return candidate
        if content.part == "完整" and found.part == "公开表" and beside:
            return candidate
        if content.part == "公开表" and found.part == "正文":
            return candidate
    return None


def _decide(candidate: Candidate, decision: str, stage: str, reason: str) -> None:
    for row in candidate.rows:
        row.update(decision=decision, stage=stage, reason=reason)


def _document_key(row: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (row["source"], row["found_on"], row["url"], row["link_text"])


def _page_key(row: Mapping[str, Any]) -> tuple[str, str]:
    return (row["source"], row["url"])


def _settled(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    key: Callable[[Mapping[str, Any]], tuple[str, ...]],
    registry: Registry,
) -> list[dict[str, Any]]:
    """Tonight's rows, keeping the timestamps of rows that did not change, plus earlier rows not seen tonight.

    An earlier row of a page walked tonight that no longer holds the link, or of a page not reached
    tonight, stays with ``current = false``; rows of sources no longer in the registry are dropped.
    """
    now = datetime.now(UTC)
    sources = {source.url for source in registry.sources}
    previous = {key(row): row for row in old}
    settled: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in new:
        if row.get("decision", "ok") is None:
            row["decision"] = "rejected"
            row["stage"] = row["stage"] or "link"
            row["reason"] = row["reason"] or "not decided"
        before = previous.get(key(row))
        if before is not None and _same(before, row):
            row["first_seen"], row["changed_at"] = before["first_seen"], before["changed_at"]
        else:
            row["first_seen"] = before["first_seen"] if before is not None else now
            row["changed_at"] = now
        settled[key(row)] = row
    for row_key, row in previous.items():
        if row_key in settled or row["source"] not in sources:
            continue
        kept = dict(row)
        if kept["current"]:
            kept["current"] = False
            kept["changed_at"] = now
        settled[row_key] = kept
    return list(settled.values())


def _same(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    ignored = ("first_seen", "changed_at", "position")
    return all(before.get(name) == after.get(name) for name in after if name not in ignored)


def _summary(
    results: Sequence[SourceResult], reports: Sequence[Selected], seconds: float, changed: bool
) -> DiscoverySummary:
    pages = [row for r in results for row in r.pages]
    documents = [row for r in results for row in r.documents]
    by_address: dict[tuple[str, str], str] = {}
    for row in documents:
        if row["role"] == "document":
            by_address[(row["source"], row["url"])] = row["decision"]
    decisions = list(by_address.values())
    return DiscoverySummary(
        sources=len(results),
        pages=sum(1 for row in pages if row["status"] != "skipped"),
        pages_failed=sum(1 for row in pages if row["status"] == "failed"),
        pages_blocked=sum(1 for row in pages if row["status"] == "blocked"),
        links=len(documents),
        downloaded=len({row["sha256"] for row in documents if row["sha256"]}),
        selected=len(reports),
        rejected=decisions.count("rejected"),
        failed=decisions.count("failed"),
        requests=sum(r.requests for r in results),
        seconds=seconds,
        changed=changed,
    )


__all__ = [
    "Candidate",
    "Discovery",
    "DiscoveryEnv",
    "DiscoverySummary",
    "SourceJob",
    "SourceResult",
    "discover",
    "discover_source",
    "failed_source",
    "forget_robots",
    "looks_like_document",
    "map_sequentially",
    "select",
]
