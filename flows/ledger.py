"""The ``documents`` table as the run's single writer keeps it.

Per-document tasks never write ``documents`` themselves (they may run in parallel threads, or on
other machines): each returns the row its outcome implies, and the run merges the rows here and
writes the file in batches. A batch lost to a crash costs nothing: the re-run finds the bytes
unchanged against the partition it already wrote, or extracts them again into the same files.

A document keeps the time it was *first* fetched, so recording an unchanged document, or the
same document again after a crash, changes nothing.
"""

from __future__ import annotations

from typing import Any

from juesuan.contract import FINAL
from juesuan.flows.ingest import PreviousDocument, ReportOutcome
from juesuan.lake import Lake, document_key, merge_document_rows


class DocumentLedger:
    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self.rows: list[dict[str, Any]] = lake.read_document_rows()
        self._index = {document_key(r): r for r in self.rows}
        self._by_report: dict[tuple[str, int, str], dict[str, dict[str, Any]]] = {}
        for row in self.rows:
            if row["sha256"] is not None:
                self._by_report.setdefault(document_key(row)[1:], {})[row["sha256"]] = row
        self._pending: list[dict[str, Any]] = []
        self.changed = False  # whether any flush rewrote documents.parquet

    def previous(self, unit_id: str, year: int, report_kind: str = FINAL) -> PreviousDocument | None:
        """What is known of the report: its latest bytes and every document (every part) it ever had."""
        known = self._by_report.get((unit_id, year, report_kind))
        if not known:
            return None
        latest = max(known.values(), key=lambda r: (r["fetched_at"], str(r["sha256"])))
        return PreviousDocument(latest, known)

    def add(self, outcome: ReportOutcome) -> None:
        for document in outcome.document_rows():
            row = dict(document)
            known = self._index.get(document_key(row))
            if known is not None and known.get("fetched_at") is not None:
                row["fetched_at"] = known["fetched_at"]
            self._pending.append(row)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> bool:
        """Write the rows added since the last flush; ``True`` when ``documents.parquet`` changed."""
        if not self._pending:
            return False
        merged = merge_document_rows(self.rows, self._pending)
        written = self.lake.write_document_rows(merged)
        self.rows = merged
        self._index = {document_key(r): r for r in self.rows}
        self._pending = []
        self.changed = self.changed or written
        return written
