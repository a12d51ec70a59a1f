"""Named exceptions. They carry what went wrong and where; the CLI turns them into messages."""

from __future__ import annotations

from pathlib import Path


class JuesuanError(Exception):
    """Base class of every error juesuan raises on purpose."""


class DocumentError(JuesuanError):
    """A document cannot be read as a report. It is quarantined, the run goes on."""

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class UnsupportedFormatError(DocumentError):
    """The bytes are not a format juesuan reads (or not what the registry said they were)."""


class NoTablesOrFiguresError(DocumentError):
    """The document is readable but holds neither a standard table nor a narrative figure."""


class WrongReportError(DocumentError):
    """The document is a report, but of another unit or year than the registry says."""


class RegistryError(JuesuanError):
    """The source registry is malformed; the message names the file, the entry and the key."""


class ContractViolation(JuesuanError):
    """Facts do not obey the data contract (types, canonical names, key uniqueness)."""


class WarehouseError(JuesuanError):
    """The warehouse is missing, or a query against it failed."""


class SettingsError(JuesuanError):
    """Settings (``JUESUAN_*``) that cannot work, found at start; the message names every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid setting(s): " + "; ".join(self.problems))


class UsageError(JuesuanError):
    """A caller passed a bad value; the message names it and lists the allowed ones."""

    def __init__(self, name: str, value: object, allowed: list[str] | tuple[str, ...] | None = None) -> None:
        self.name = name
        self.value = value
        self.allowed = list(allowed) if allowed is not None else None
        message = f"invalid {name}: {value!r}"
        if self.allowed is not None:
            message += f" (allowed: {', '.join(self.allowed)})"
        super().__init__(message)
