"""URLs without secrets (issue 13.9).

A report URL may carry a login (``http://user:PASS@host/…``). The registry keeps the login apart
(:class:`~juesuan.registry.Report` ``credentials``, never printed) and the URL without it is the one
stored and shown everywhere: logs, ``documents``, the warehouse, the run report, Prefect's database.
:func:`redact` is for any other URL shown to a person (a lake or store URL, a redirect target).
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

REDACTED = "***"


def _netloc_without_login(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port is not None else host


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without its ``user:password@`` part, and the (decoded) login when there was one."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    clean = urlunsplit(parts._replace(netloc=_netloc_without_login(parts)))
    return clean, (unquote(parts.username or ""), unquote(parts.password or ""))


def has_credentials(url: str) -> bool:
    parts = urlsplit(url)
    return "://" in url and (parts.username is not None or parts.password is not None)


def redact(url: str) -> str:
    """``url`` for display: a login in it becomes ``***`` (the rest is kept)."""
    if not has_credentials(url):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{REDACTED}@{_netloc_without_login(parts)}"))
