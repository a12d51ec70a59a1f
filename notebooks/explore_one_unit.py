# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore one unit
#
# Everything the warehouse knows about one reporting unit: its documents, headline figures, how
# its spending splits by function and by economic class, the “三公” and their budgets, where the
# narrative restates a table, repaired codes, and the identity findings. Amounts in 万元.
#
# Set `UNIT` below (or the environment variable `JUESUAN_NOTEBOOK_UNIT`) to any registered unit id.

# %% tags=["parameters"]
import os

UNIT = os.environ.get("JUESUAN_NOTEBOOK_UNIT", "datong-sic")

# %%
import pandas as pd

import juesuan
from juesuan.report.notebook import chart, warehouse_path

pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 200)
WAREHOUSE = warehouse_path()


def unit_query(sql: str) -> pd.DataFrame:
    """Read-only SQL through ``juesuan.read`` (amounts as float64), keeping UNIT's rows: the query
    selects ``unit_id``, which is then dropped from what is shown."""
    return juesuan.read(sql, WAREHOUSE, unit_id=UNIT).drop(columns="unit_id")


units = juesuan.read("units", WAREHOUSE)[["unit_id", "name", "province", "city", "county", "level", "kind"]]
if UNIT not in set(units["unit_id"]):
    raise ValueError(f"unit {UNIT!r} is not registered; choose one of {', '.join(units['unit_id'])}")
units[units["unit_id"] == UNIT]

# %% [markdown]
# ## Documents and coverage

# %%
unit_query(
    """
    SELECT unit_id, year, document_status, error, table_facts, narrative_facts, tables_with_facts,
           tables_not_parsed, repaired_codes, unresolved_codes
    FROM report_coverage
    """
)

# %%
unit_query("SELECT unit_id, year, status, format, url, fetched_at FROM documents")

# %% [markdown]
# ## Headline figures, ratios and the identity verdict

# %%
unit_query(
    """
    SELECT r.unit_id, r.year, r."本年收入合计", r."本年支出合计", r."基本支出", r."项目支出",
           round(r.basic_share * 100, 1) AS "基本支出占比%", r."人员经费", r."公用经费",
           round(r.personnel_share_of_basic * 100, 1) AS "人员经费占基本支出%", r."三公经费",
           q.quality, q.checks, q.errors, q.rounding, q.not_checkable
    FROM unit_ratios AS r JOIN data_quality AS q USING (unit_id, year)
    """
)

# %% [markdown]
# ## How the money splits
#
# `unit_year_structure`: income sources, 基本/项目, 人员/公用 and the functional classes, each with
# its share and the table it came from.

# %%
structure = unit_query(
    """
    SELECT unit_id, year, dimension, component_code, component, amount, round(share * 100, 2) AS "share%",
           source_kind, basis
    FROM unit_year_structure
    """
)
structure

# %%
chart(WAREHOUSE, "class-structure", units=(UNIT,))

# %% [markdown]
# ## Functional subjects: 类, 款 and 项 of the general budget
#
# `subject_values`, 一般公共预算财政拨款支出决算表 column 小计: the spending tree of the latest year.

# %%
subjects = juesuan.read(
    "subject_values", WAREHOUSE, unit_id=UNIT, table_name="一般公共预算财政拨款支出决算表", column_name="小计"
)
subjects = subjects[subjects["year"] == subjects["year"].max()].sort_values("subject_code")
subjects = subjects[["year", "subject_code", "level", "subject_name", "value", "source_kind"]]
subjects.assign(subject=subjects["subject_code"].str.len().map({3: "", 5: "  ", 7: "    "}) + subjects["subject_name"])

# %% [markdown]
# ## Basic spending by economic class

# %%
unit_query(
    """
    SELECT unit_id, year, economic_class_code, economic_class_name, expense_group, amount,
           round(share_of_basic * 100, 2) AS "share%", source_kind
    FROM basic_expenditure
    """
)

# %% [markdown]
# ## “三公” spending and budget execution (预算数 and the narrative's 年初预算数)

# %%
unit_query(
    """
    SELECT unit_id, year, budget_kind, subject_key AS line, budget, actual, difference,
           round(execution_rate * 100, 1) AS "execution%"
    FROM budget_execution
    """
)

# %% [markdown]
# ## The 预算 report against the 决算 (预算执行率)
#
# Where the warehouse holds the unit's budget disclosure (预算公开) of the year, each 类 and total of
# the budget beside the outturn (`budget_vs_final`); empty when it has none. A budget figure without
# an outturn (or the reverse) is NaN, never 0.

# %%
unit_query(
    """
    SELECT unit_id, year, final_table, final_column, subject_key, subject_name, budget_amount, final_amount,
           difference, execution_rate AS "execution%", stated_budget
    FROM budget_vs_final
    WHERE (subject_level IS NULL OR subject_level = '类') AND budget_amount IS NOT NULL
    """
)

# %% [markdown]
# ## Where the narrative restates a table
#
# Keys the report states both in a table and in its 情况说明; a difference here is a finding of
# rule 13 (table against narrative).

# %%
unit_query(
    """
    SELECT t.unit_id, t.year, t.table_name, coalesce(t.subject_code, t.line_item) AS line, t.column_name,
           t.value AS table_value, n.value AS narrative_value, n.value - t.value AS difference
    FROM facts AS t
    JOIN facts AS n
      ON n.unit_id = t.unit_id AND n.year = t.year AND n.table_name = t.table_name
     AND coalesce(n.subject_code, n.line_item) = coalesce(t.subject_code, t.line_item)
     AND n.column_name = t.column_name AND n.source_kind = 'narrative'
    WHERE t.source_kind = 'table'
    ORDER BY abs(n.value - t.value) DESC, t.table_name, line
    """
)

# %% [markdown]
# ## Repaired subject codes

# %%
unit_query("SELECT unit_id, year, table_name, raw_code, raw_name, code, status, reason FROM code_repairs")

# %% [markdown]
# ## Year on year

# %%
growth = unit_query(
    """
    SELECT unit_id, year, table_name, subject_key, column_name, previous_value, value, change,
           round(change_rate * 100, 2) AS "change%", previous_source_kind
    FROM year_over_year
    """
)
growth if not growth.empty else f"{UNIT}: no figures of two consecutive years in this warehouse yet"

# %% [markdown]
# ## Identity findings of the unit, worst first

# %%
unit_query(
    """
    SELECT unit_id, year, severity, rule_id, check_name, table_name, line_item, column_name,
           left_value, right_value, difference, message
    FROM identity_findings WHERE severity <> 'not_checkable'
    """
)
