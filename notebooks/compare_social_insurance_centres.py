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
# # Compare the social-insurance centres
#
# Five units that run social insurance — 大同, 大竹, 朝阳, 晋城 and 乌海 — side by side: how big they
# are, how their money splits, what they spend it on, and whether their figures reconcile.
# Everything comes from the warehouse's marts (read-only) through `juesuan.read`, which returns amounts
# in 万元 as plain floats, so pandas computes and plots them directly.
#
# Run `juesuan run` (and `juesuan validate` for the identity checks) in the project folder first.
# The warehouse is found through `JUESUAN_WAREHOUSE`, else `data/juesuan.duckdb` above this folder.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import juesuan
from juesuan.report.fonts import cjk_font
from juesuan.report.notebook import chart, warehouse_path
from juesuan.warehouse.query import compare

pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 200)
plt.rcParams["font.family"] = [cjk_font().name, "DejaVu Sans"]  # Chinese labels in pandas' own plots
WAREHOUSE = warehouse_path()
WAREHOUSE

# %% [markdown]
# ## The units and what the warehouse holds for them
#
# `data_quality` says, per unit and year, where the figures came from (tables, or the narrative for
# 大竹 and 乌海, whose tables were published as images) and whether the accounting identities hold.

# %%
quality = juesuan.read(
    """
    SELECT unit_id, unit_name, year, figures_source, table_facts, narrative_facts,
           checks, checked, errors, rounding, quality, reconciles
    FROM data_quality
    """,
)
quality

# %% [markdown]
# ## Size and shape: headline figures and ratios
#
# `unit_ratios`: 基本支出 share of spending, 人员经费 share of 基本支出, and 三公经费 per 万元 of
# 公用经费 (in 元), with the identity verdict beside every row.

# %%
ratios = juesuan.read(
    """
    SELECT unit_id, year, "本年收入合计", "本年支出合计", "基本支出", "项目支出",
           round(basic_share * 100, 1) AS "基本支出占比%",
           round(personnel_share_of_basic * 100, 1) AS "人员经费占基本支出%",
           "三公经费", three_public_yuan_per_10k_public_use AS "三公每万元公用经费(元)",
           quality
    FROM unit_ratios
    """,
)
ratios

# %% [markdown]
# The amounts are floats: pandas plots them as they come.

# %%
ratios.plot.barh(x="unit_id", y=["基本支出", "项目支出"], stacked=True, title="基本支出与项目支出（万元）")

# %%
chart(WAREHOUSE, "basic-project")

# %%
chart(WAREHOUSE, "personnel-public")

# %% [markdown]
# ## Where the money comes from and what it is spent on
#
# Income sources (`unit_year_structure`, dimension 收入来源) and the functional classes
# (`compare --by class --share`): all five live on appropriations, and 社会保障和就业支出 (208)
# takes 90–97% of every budget.

# %%
income = juesuan.read(
    """
    SELECT unit_id, year, component, amount, round(share * 100, 2) AS "share%", basis
    FROM unit_year_structure
    WHERE dimension = '收入来源' AND amount > 0
    """,
)
income

# %%
classes = compare(WAREHOUSE, by="class", measure="share")
classes

# %%
chart(WAREHOUSE, "class-structure")

# %% [markdown]
# ## One subject across the units: 2080109 社会保险经办机构
#
# `compare` lists every unit, with `not reported` where a report does not state the subject —
# 晋城 books its spending under 2080108 and 2080110 instead.

# %%
agencies = compare(WAREHOUSE, subject="2080109")
agencies

# %%
chart(WAREHOUSE, "subject", subject="2080109")

# %% [markdown]
# ## Every 项 of 208 side by side
#
# `subject_matrix` is the long form of a pivot: one row per subject and unit, NULL where the unit
# did not report it. Pivoted here on the unit, latest year of each unit.

# %%
matrix = juesuan.read(
    """
    WITH latest AS (SELECT unit_id, max(year) AS year FROM facts GROUP BY unit_id)
    SELECT m.subject_code, m.subject_name, m.unit_id, m.value
    FROM subject_matrix AS m
    JOIN latest ON latest.unit_id = m.unit_id AND latest.year = m.year
    WHERE m.table_name = '一般公共预算财政拨款支出决算表' AND m.column_name = '小计'
      AND m.level = '项' AND m.subject_code LIKE '208%'
    """,
)
pivot = matrix.pivot_table(index=["subject_code", "subject_name"], columns="unit_id", values="value", aggfunc="first")
pivot

# %% [markdown]
# ## Year on year
#
# `year_over_year` pairs every figure with the same figure a year earlier. Last year's totals are
# restated in each report's narrative ("与上年相比，收入总计增加…"), so growth is known from a unit's
# first report once those restated figures are loaded.

# %%
growth = juesuan.read(
    """
    SELECT unit_id, year, subject_key, previous_value, value, change,
           round(change_rate * 100, 2) AS "change%", previous_source_kind
    FROM year_over_year
    WHERE table_name = '收入支出决算总表'
    """,
)
growth if not growth.empty else "no unit has figures of two consecutive years in this warehouse yet"

# %% [markdown]
# ## Do the figures reconcile? The identity findings
#
# Errors, warnings and rounding differences per unit and rule (`identity_findings`), then the worst
# ones with both sides and where to look.

# %%
findings = juesuan.read(
    """
    SELECT unit_id, year, rule_id, severity, count(*) AS findings
    FROM identity_findings
    WHERE severity IN ('error', 'warning', 'rounding')
    GROUP BY ALL
    ORDER BY unit_id, year, rule_id, severity
    """,
)
if findings.empty:
    by_rule = "no validation run in this warehouse: run `juesuan validate`"
else:
    by_rule = findings.pivot_table(index=["rule_id", "severity"], columns="unit_id", values="findings", fill_value=0)
by_rule

# %%
juesuan.read(
    """
    SELECT unit_id, year, severity, rule_id, check_name, table_name, line_item, column_name,
           left_value, right_value, difference
    FROM identity_findings
    WHERE severity IN ('error', 'warning')
    """,
)
