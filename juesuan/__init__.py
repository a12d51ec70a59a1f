"""juesuan (决算): published final-account reports into one validated, comparable dataset.

``juesuan.read(sql_or_mart, **filters)`` reads the warehouse into pandas for notebooks (see
:mod:`juesuan.reader`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    import pandas as pd


def read(sql_or_mart: str, warehouse: Any = None, *, exact: bool = False, **filters: Any) -> pd.DataFrame:
    """A mart or read-only SQL of the warehouse as a DataFrame with float64 amounts (:func:`juesuan.reader.read`)."""
    from juesuan.reader import read as _read

    return _read(sql_or_mart, warehouse, exact=exact, **filters)
