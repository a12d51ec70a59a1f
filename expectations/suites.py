"""The three suites — within-table, across-tables, table-vs-narrative — and the checked-in GX context.

Suites are *defined* here, from the rule registry (``juesuan.transform.identities.RULES``), and
*stored* as the file-based Data Context beside this module (``great_expectations.yml``,
``suites/``, ``validation_definitions/``, ``checkpoints/``), which is what runs. Regenerate the
stored context after changing a rule with::

    .venv/bin/python -m juesuan.expectations.suites

A test compares the stored suites with these definitions, so the two cannot drift apart.

Per suite and per rule of its family, three expectations on the residual frame, each restricted to
the rule's rows by a ``row_condition``:

* :class:`~juesuan.expectations.custom.ExpectIdentitySidesPresent` — failing rows are *not checkable*;
* :class:`~juesuan.expectations.custom.ExpectIdentityWithinTolerance` — failing rows are *errors*
  (or *warnings* for the soft rules 11 and 12);
* :class:`~juesuan.expectations.custom.ExpectIdentityToHoldExactly` — failing rows within tolerance
  are *rounding* findings;

plus one family guard (every row labelled with the family names one of its rules). All three suites
validate the same frame, so one checkpoint run validates everything once.

The budget rules (``B01``…, ``transform/budget_identities.py``) are rules of the same families — within one
table, across tables, table against narrative, across years and documents — so they run through the same
suites and the same expectation-count guard; a 预算 report's rows carry B rule ids, a 决算's R ids, and a
row's ``report_kind`` says which (the two never validate each other's rows: the rules never run on the other
kind's reports).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.expectations.row_conditions import Column

from juesuan.expectations.custom import (
    ExpectIdentitySidesPresent,
    ExpectIdentityToHoldExactly,
    ExpectIdentityWithinTolerance,
)
from juesuan.transform.identities import FAMILIES, Rule, rules_of

log = logging.getLogger(__name__)

CONTEXT_ROOT = Path(__file__).resolve().parent
DATASOURCE = "identities"
ASSET = "identity_checks"
BATCH_DEFINITION = "whole_frame"
CHECKPOINT = "identities"
DATA_DOCS_SITE = "local_site"
#: Substitution variables of great_expectations.yml: where run state goes (set from the settings).
VALIDATIONS_VARIABLE = "juesuan_validation_results"
DATA_DOCS_VARIABLE = "juesuan_data_docs"

SIDES_PRESENT = "sides_present"
WITHIN_TOLERANCE = "within_tolerance"
EXACT = "exact"
FAMILY_GUARD = "family_guard"
ROLES = (SIDES_PRESENT, WITHIN_TOLERANCE, EXACT)
#: Result format of the checkpoint: every failing row, named by its check id.
RESULT_FORMAT: dict[str, Any] = {"result_format": "COMPLETE", "unexpected_index_column_names": ["check_id"]}

SUITE_TITLES = {
    "within_table": "Within one table (rules 1–6; 预算: B01–B05)",
    "across_tables": "Across tables (rules 7–12; 预算: B06–B10)",
    "table_vs_narrative": "Table against narrative (rule 13; 预算: B11)",
    "narrative_claims": "Rates and comparison words of the narrative, with interval arithmetic (rules 14–16)",
    "structure": "The report's structure: template tables, empty tables, fund tables (rules 17–19)",
    "hygiene": "Document hygiene: placeholders, draft marks, years, names, punctuation, units (rules 20–25)",
    "across_years": (
        "Across years and documents: last year's report, revisions (rules 26–28); the 决算's 年初预算 against the "
        "预算 report (B12)"
    ),
    "performance": "Performance self-evaluation tables (rules 29–31)",
}


def suite_name(family: str) -> str:
    return f"identities_{family}"


def _rule_expectations(rule: Rule) -> list[gx.expectations.Expectation]:
    only_this_rule = Column("rule_id") == rule.rule_id
    broken = BROKEN_MEANS.get(rule.rule_id, "errors")
    where = f"{rule.rule_id} {rule.title}"
    return [
        ExpectIdentitySidesPresent(
            row_condition=only_this_rule,
            description=f"{where}: both sides reported (else not checkable)",
            meta={"rule_id": rule.rule_id, "role": SIDES_PRESENT},
            severity="info",
        ),
        ExpectIdentityWithinTolerance(
            row_condition=only_this_rule,
            description=f"{where}: holds within 0.01 万元 per addend (else {broken}) — {rule.description}",
            meta={"rule_id": rule.rule_id, "role": WITHIN_TOLERANCE},
            severity="critical",
        ),
        ExpectIdentityToHoldExactly(
            row_condition=only_this_rule,
            description=f"{where}: holds exactly (else rounding)",
            meta={"rule_id": rule.rule_id, "role": EXACT},
            severity="warning",
        ),
    ]


#: What a broken instance is, where it is not simply an error.
BROKEN_MEANS = {
    "R11": "warnings",
    "R12": "errors for 行政/参公 units, warnings for others",
    "R14": "errors (基本持平 beyond 5 %: warnings)",
    "R16": "errors (增长100% over a zero base: warnings)",
    "R17": "errors (a table of the national template when the report has no contents list: warnings)",
    "R18": "errors for a note over figures, warnings for an empty table without one",
    "R20": "warnings",
    "R21": "warnings",
    "R22": "warnings",
    "R23": "warnings",
    "R24": "warnings",
    "R25": "warnings",
    "R28": "warnings (type revised)",
    "R30": "errors (预算执行率得分: warnings)",
    "R31": "warnings",
    "B12": "warnings (budgets are adjusted during the year)",
}


def build_suite(family: str) -> gx.ExpectationSuite:
    """The suite of one family, from the rule registry."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r} (allowed: {', '.join(FAMILIES)})")
    rules = rules_of(family)
    expectations: list[gx.expectations.Expectation] = [
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="rule_id",
            value_set=[rule.rule_id for rule in rules],
            row_condition=Column("family") == family,
            description=f"every {family} row names one of this suite's rules",
            meta={"rule_id": None, "role": FAMILY_GUARD},
        )
    ]
    for rule in rules:
        expectations.extend(_rule_expectations(rule))
    return gx.ExpectationSuite(
        name=suite_name(family),
        expectations=expectations,
        meta={"title": SUITE_TITLES[family], "rules": [rule.rule_id for rule in rules]},
    )


def expected_counts() -> dict[str, int]:
    """How many expectations each suite must load and run (the expectation-count guard)."""
    return {suite_name(family): len(build_suite(family).expectations) for family in FAMILIES}


def scaffold_context(root: Path = CONTEXT_ROOT) -> None:
    """(Re)write the stored GX context under ``root`` from the definitions above.

    Built in a temporary folder through GX's own API and copied over, so the stored files are
    exactly what GX writes; the run-state stores point at substitution variables (see
    :mod:`juesuan.expectations.context`), never into the source tree.
    """
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "context"
        work.mkdir()
        (work / "great_expectations.yml").write_text(CONTEXT_YAML, encoding="utf-8")
        runtime = {VALIDATIONS_VARIABLE: str(Path(scratch) / "v"), DATA_DOCS_VARIABLE: str(Path(scratch) / "d")}
        context = gx.get_context(context_root_dir=str(work), runtime_environment=runtime)
        batch = (
            context.data_sources.add_pandas(DATASOURCE)
            .add_dataframe_asset(ASSET)
            .add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        )
        definitions = []
        for family in FAMILIES:
            suite = context.suites.add(build_suite(family))
            definitions.append(
                context.validation_definitions.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
            )
        context.checkpoints.add(
            gx.Checkpoint(
                name=CHECKPOINT,
                validation_definitions=definitions,
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
                result_format=RESULT_FORMAT,
            )
        )
        yaml_text = (work / "great_expectations.yml").read_text(encoding="utf-8")
        (work / "great_expectations.yml").write_text(YAML_HEADER + yaml_text, encoding="utf-8")
        for name in ("great_expectations.yml", "suites", "validation_definitions", "checkpoints"):
            target = root / name
            if target.is_dir():
                shutil.rmtree(target)
            source = work / name
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
    log.info("wrote the GX context under %s", root)


YAML_HEADER = """\
# The file-based Great Expectations context of juesuan (generated by
# `python -m juesuan.expectations.suites`; do not edit by hand, edit the rules and regenerate).
# Run state never goes here: validation results and Data Docs go where the substitution variables
# juesuan_validation_results and juesuan_data_docs point (the settings' data dir, see
# juesuan/expectations/context.py); `uncommitted/` is git-ignored all the same.
"""

CONTEXT_YAML = f"""\
config_version: 4.0
config_variables_file_path: uncommitted/config_variables.yml
plugins_directory:
stores:
  expectations_store:
    class_name: ExpectationsStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      base_directory: suites/
  validation_results_store:
    class_name: ValidationResultsStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      base_directory: ${{{VALIDATIONS_VARIABLE}}}
  checkpoint_store:
    class_name: CheckpointStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      suppress_store_backend_id: true
      base_directory: checkpoints/
  validation_definition_store:
    class_name: ValidationDefinitionStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      base_directory: validation_definitions/
expectations_store_name: expectations_store
validation_results_store_name: validation_results_store
checkpoint_store_name: checkpoint_store
data_docs_sites:
  {DATA_DOCS_SITE}:
    class_name: SiteBuilder
    show_how_to_buttons: false
    store_backend:
      class_name: TupleFilesystemStoreBackend
      base_directory: ${{{DATA_DOCS_VARIABLE}}}
    site_index_builder:
      class_name: DefaultSiteIndexBuilder
progress_bars:
  globally: false
  metric_calculations: false
analytics_enabled: false
data_context_id: 5b0c2a57-7f7e-4f0e-9d3c-6a1f2f0c1a01
"""


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scaffold_context()
