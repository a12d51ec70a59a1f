"""Open the checked-in GX context with its run state placed by the settings.

The context's ``great_expectations.yml`` names two substitution variables for the places GX writes
to — validation results and the Data Docs site — and this module fills them from
:class:`~juesuan.settings.Settings` through GX's ``runtime_environment``. So the definitions come
from the source tree and never change at run time, while each data directory (production, a test's
temporary folder) gets its own results and Data Docs.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context import FileDataContext

from juesuan.errors import JuesuanError
from juesuan.expectations import custom  # noqa: F401  (registers the custom expectation types)
from juesuan.expectations.suites import CONTEXT_ROOT, DATA_DOCS_VARIABLE, VALIDATIONS_VARIABLE
from juesuan.settings import Settings

log = logging.getLogger(__name__)


class ExpectationsError(JuesuanError):
    """The GX context is missing or broken, or a suite did not load or run as defined."""


def open_context(settings: Settings, root: Path = CONTEXT_ROOT) -> FileDataContext:
    """The stored context, with validation results and Data Docs under the settings' paths."""
    if not (root / "great_expectations.yml").is_file():
        raise ExpectationsError(f"no GX context at {root}: regenerate it with `python -m juesuan.expectations.suites`")
    runtime = {
        VALIDATIONS_VARIABLE: str(Path(settings.validation_results).resolve()),
        DATA_DOCS_VARIABLE: str(Path(settings.data_docs).resolve()),
    }
    with warnings.catch_warnings():
        # GX warns about its own deprecations on load; they are not the stewards' business.
        warnings.simplefilter("ignore", DeprecationWarning)
        context = gx.get_context(context_root_dir=str(root), runtime_environment=runtime)
    if not isinstance(context, FileDataContext):
        raise ExpectationsError(f"{root}: expected a file-based GX context, got {type(context).__name__}")
    return context
