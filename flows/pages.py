"""Reading the HTML pages of a disclosure column: their text, their title and every link they hold.

What real government sites do, and what becomes of it here:

* **Encodings.** Many older sites serve GBK/GB2312 pages, some say so in the ``Content-Type``
  header, some only in a ``<meta>`` tag, some nowhere. The charset of the header wins, then the
  page's own ``<meta charset>`` / ``http-equiv``; a page that says nothing is read as UTF-8 when it
  decodes as such, else as GB18030 (the superset of GBK and GB2312, which those labels map to).
* **Relative links** (``./202406/t20240612_1.html``, ``../../upload/a.pdf``) resolve against the
  page's address or its ``<base href>``; fragments are dropped.
* **``javascript:`` links and ``onclick`` handlers** (``javascript:openArticle('./a.html')``,
  ``window.open("/files/a.pdf")``): the quoted addresses inside are taken when they look like one
  (a path or an http(s) URL); a handler with no address (``javascript:goPage(2)``) is a link
  without an address, kept so it can be reported.
* **Embedded documents**: ``<iframe>``, ``<embed>``, ``<object>`` and ``<frame>`` sources, and the
  document a PDF viewer is asked to show (``viewer.html?file=%2Fupload%2Fa.pdf``).
* **Lists drawn by script**: records of a listing kept as HTML inside ``<script>`` (a CMS "data
  store" with ``<![CDATA[<li><a href=…>]]>``) are parsed like the page itself.
* ``<meta http-equiv="refresh" content="0;url=…">`` is a link too (an interstitial download page).

Each link keeps its text (or ``title``), the tag it came from and the text of the list row or
table row around it (where a listing prints the date and, on a platform, the unit's name).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlparse

import lxml.html
from lxml import etree

#: File extensions of documents (what a disclosure attaches); everything else is a page.
DOCUMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".wps", ".txt", ".md", ".xls", ".xlsx", ".et", ".zip", ".rar", ".7z", ".ofd",
)  # fmt: skip
#: Query parameters a document viewer or download script names its file by.
FILE_PARAMETERS = ("file", "filename", "fileurl", "url", "src", "path", "filepath")
_EMBEDDING_TAGS = {"iframe": "src", "frame": "src", "embed": "src", "object": "data"}
_ROW_TAGS = ("li", "tr", "dd", "dt", "p")
_CONTEXT_CHARS = 200
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
_QUOTED = re.compile(r"""["']([^"'\s<>]{2,300})["']""")
_SPACE = re.compile(r"\s+")
_SCRIPTED_MARKUP = re.compile(r"<\s*(?:a|li|tr|td|div)\b", re.IGNORECASE)
#: Labels for one charset that Python knows better under another (GB2312 pages use GBK characters).
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


@dataclass(frozen=True)
class Link:
    """One link of a page: where it points (absolute; ``""`` for a script link without an address)."""

    url: str
    text: str
    tag: str  # a | iframe | embed | object | frame | refresh | script (a link drawn by a script)
    context: str = ""  # the text of the list or table row the link sits in
    raw: str = ""  # the attribute as written (for a javascript: link, the script)

    @property
    def is_document(self) -> bool:
        return looks_like_document(self.url) or looks_like_document(self.text)


@dataclass(frozen=True)
class Page:
    """A parsed page: its address (after redirects), the charset it was read with, title, text and links."""

    url: str
    charset: str
    title: str
    text: str
    links: tuple[Link, ...]


def compact(text: str) -> str:
    """``text`` with every run of white space removed (CJK text has no spaces that mean anything)."""
    return _SPACE.sub("", text)


_PAGE_PATH = re.compile(r"(?:\.s?html?|/)$", re.IGNORECASE)


def looks_like_document(url_or_name: str) -> bool:
    """Whether an address or a link text is a document file: its path ends like one, or it is a
    script (not an ``.html`` page) whose query names one (``download.jsp?filename=a.pdf``)."""
    if not url_or_name:
        return False
    parsed = urlparse(url_or_name)
    path = unquote(parsed.path).lower().rstrip()
    if path.endswith(DOCUMENT_EXTENSIONS):
        return True
    return not _PAGE_PATH.search(path) and _names_document(parsed.query)


def _names_document(query: str) -> bool:
    return any(
        key.lower() in FILE_PARAMETERS and unquote(value).lower().split("?")[0].endswith(DOCUMENT_EXTENSIONS)
        for key, value in _query(query)
    )


def file_name(url: str) -> str:
    """The file a link names: the last path segment, or the file its query names (decoded)."""
    parsed = urlparse(url)
    for key, value in _query(parsed.query):
        if key.lower() in FILE_PARAMETERS and looks_like_document(value):
            return unquote(value).rsplit("/", 1)[-1]
    return unquote(parsed.path).rsplit("/", 1)[-1]


def _query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=False)


def charset_of(content_type: str | None, data: bytes) -> str:
    """The charset to read ``data`` with: header, then ``<meta>``, then UTF-8 if it decodes, else GB18030."""
    for declared in (_header_charset(content_type), _meta_charset(data)):
        if declared:
            return declared
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return _known_charset(match.group(1)) if match else None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return _known_charset(match.group(1).decode("ascii")) if match else None


def _known_charset(label: str) -> str | None:
    label = label.strip().lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_page(content_type: str | None, data: bytes) -> tuple[str, str]:
    """The page as text and the charset it was read with (undecodable bytes replaced, never fatal)."""
    charset = charset_of(content_type, data)
    return data.decode(charset, errors="replace"), charset


def parse_page(url: str, data: bytes, content_type: str | None = None) -> Page:
    """Every link of the HTML page ``data`` served at ``url`` (see the module docstring)."""
    text, charset = decode_page(content_type, data)
    # lxml refuses str input that declares an XML encoding; drop such a declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        return Page(url=url, charset=charset, title="", text="", links=())
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return Page(url=url, charset=charset, title="", text=compact(text)[:2000], links=())
    base = url
    for element in root.iter("base"):
        href = element.get("href")
        if href:
            base = urljoin(url, href.strip())
            break
    title_element = root.find(".//title")
    title = compact(title_element.text_content()) if title_element is not None else ""
    links = _links(root, base)
    body = root.find("body")
    page_text = (body if body is not None else root).text_content()
    return Page(url=url, charset=charset, title=title, text=_SPACE.sub(" ", page_text).strip(), links=tuple(links))


def _links(root: lxml.html.HtmlElement, base: str) -> list[Link]:
    found: list[Link] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "a" or tag == "area":
            found.extend(_anchor_links(element, base))
        elif tag in _EMBEDDING_TAGS:
            source = element.get(_EMBEDDING_TAGS[tag])
            if source:
                found.extend(_resolved(source, base, _element_text(element), tag, _row_text(element)))
        elif tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            target = re.search(r"url\s*=\s*['\"]?([^'\";]+)", element.get("content") or "", re.IGNORECASE)
            if target:
                found.extend(_resolved(target.group(1), base, "", "refresh", ""))
        elif tag == "script" and element.text and _SCRIPTED_MARKUP.search(element.text):
            found.extend(_scripted_links(element.text, base))
    return found


def _anchor_links(element: lxml.html.HtmlElement, base: str) -> list[Link]:
    text = _element_text(element)
    context = _row_text(element)
    href = (element.get("href") or "").strip()
    onclick = (element.get("onclick") or "").strip()
    if href.lower().startswith("javascript:") or (onclick and href in ("", "#")):
        script = " ".join(part for part in (onclick, href) if part)
        addresses = [quoted for quoted in _QUOTED.findall(script) if _looks_like_address(quoted)]
        if not addresses:
            return [Link(url="", text=text, tag="a", context=context, raw=script[:300])]
        return [link for address in addresses for link in _resolved(address, base, text, "a", context, raw=script)]
    if not href or href.startswith("#") or href.lower().startswith(("mailto:", "tel:")):
        return []
    return _resolved(href, base, text, "a", context)


def _looks_like_address(text: str) -> bool:
    if text.startswith(("http://", "https://", "/", "./", "../")):
        return True
    lowered = text.lower().split("?")[0]
    return lowered.endswith((".html", ".htm", ".shtml", ".jsp", ".aspx", ".php", *DOCUMENT_EXTENSIONS))


def _resolved(address: str, base: str, text: str, tag: str, context: str, raw: str = "") -> list[Link]:
    """The link to ``address``; for a viewer page asked to show a file (``viewer.html?file=…``), the file."""
    absolute = urldefrag(urljoin(base, address.strip()))[0]
    parsed = urlparse(absolute)
    if parsed.scheme not in ("http", "https"):
        return []
    if _PAGE_PATH.search(unquote(parsed.path)) and _names_document(parsed.query):
        for key, value in _query(parsed.query):
            if key.lower() in FILE_PARAMETERS and unquote(value).lower().split("?")[0].endswith(DOCUMENT_EXTENSIONS):
                named = urldefrag(urljoin(absolute, unquote(value).strip()))[0]
                if urlparse(named).scheme in ("http", "https"):
                    return [Link(url=named, text=text, tag=tag, context=context, raw=absolute)]
    return [Link(url=absolute, text=text, tag=tag, context=context, raw=raw or address)]


def _scripted_links(script: str, base: str) -> list[Link]:
    """Links of HTML kept inside a script (a CMS data store's CDATA records)."""
    markup = script.replace("<![CDATA[", "").replace("]]>", "")
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    found = []
    for element in fragment.iter("a"):
        for link in _anchor_links(element, base):
            found.append(Link(url=link.url, text=link.text, tag="script", context=link.context, raw=link.raw))
    return found


def _element_text(element: lxml.html.HtmlElement) -> str:
    text = compact(element.text_content())
    title = compact(element.get("title") or "")
    # Listings cut long titles (…) and keep the whole one in the title attribute.
    if title and (not text or len(title) > len(text)):
        return title
    if not text:
        for image in element.iter("img"):
            return compact(image.get("alt") or "")
    return text


def _row_text(element: lxml.html.HtmlElement) -> str:
    """The text of the list item / table row around ``element`` (its date, its unit)."""
    parent = element.getparent()
    while parent is not None and parent.tag not in _ROW_TAGS and parent.tag not in ("body", "html"):
        parent = parent.getparent()
    if parent is None or parent.tag in ("body", "html"):
        return ""
    return _SPACE.sub(" ", parent.text_content()).strip()[:_CONTEXT_CHARS]
