"""The DuckDB warehouse: built from the Parquet lake (:mod:`.build`), queried read-only (:mod:`.query`)."""

from __future__ import annotations

from juesuan.warehouse.build import BuildSummary, build_warehouse
from juesuan.warehouse.query import compare_subject, connect_readonly, format_frame, run_query

__all__ = ["BuildSummary", "build_warehouse", "compare_subject", "connect_readonly", "format_frame", "run_query"]
