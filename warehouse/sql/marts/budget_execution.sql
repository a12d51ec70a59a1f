-- budget_execution: a budget against the actual of the same row, wherever a report states both.
-- Two kinds of budget: 预算数 against 决算数 of the same table (today the “三公” table; any other table
-- that gains the pair appears here), and 年初预算数 against 小计 of 一般公共预算财政拨款支出决算表 — the
-- initial budget the narrative states for the 合计 and for some subjects (docs/contract.md); 小计 is the
-- column holding that table's row total.
CREATE VIEW budget_execution AS
WITH preferred AS (
    SELECT * FROM preferred_facts
),

-- Which budget column is paired with which actual column; a NULL table_name pairs them in any table.
kinds (budget_kind, actual_column, table_name) AS (
    VALUES
        ('预算数', '决算数', NULL),
        ('年初预算数', '小计', '一般公共预算财政拨款支出决算表')
),

pairs AS (
    SELECT
        preferred.unit_id,
        preferred.year,
        preferred.table_name,
        preferred.subject_key,
        kinds.budget_kind,
        kinds.actual_column,
        max(coalesce(preferred.subject_name, preferred.line_item)) AS line_name,
        max(preferred.value) FILTER (WHERE preferred.column_name = kinds.budget_kind) AS budget,
        max(preferred.value) FILTER (WHERE preferred.column_name = kinds.actual_column) AS actual,
        max(preferred.source_kind) FILTER (WHERE preferred.column_name = kinds.budget_kind) AS budget_source_kind,
        max(preferred.source_kind) FILTER (WHERE preferred.column_name = kinds.actual_column) AS actual_source_kind
    FROM preferred
    INNER JOIN kinds
        ON
            preferred.column_name IN (kinds.budget_kind, kinds.actual_column)
            AND (kinds.table_name IS NULL OR preferred.table_name = kinds.table_name)
    GROUP BY
        preferred.unit_id, preferred.year, preferred.table_name, preferred.subject_key,
        kinds.budget_kind, kinds.actual_column
    HAVING
        count(*) FILTER (WHERE preferred.column_name = kinds.budget_kind) > 0
        AND count(*) FILTER (WHERE preferred.column_name = kinds.actual_column) > 0
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    pairs.unit_id,
    units.unit_name,
    pairs.year,
    pairs.table_name,
    pairs.subject_key,
    pairs.line_name,
    pairs.budget_kind,
    pairs.actual_column,
    pairs.budget,
    pairs.actual,
    pairs.actual - pairs.budget AS difference,
    CAST(round(pairs.actual / nullif(pairs.budget, 0), 6) AS DOUBLE) AS execution_rate,
    pairs.budget_source_kind,
    pairs.actual_source_kind
FROM pairs
LEFT JOIN units ON units.unit_id = pairs.unit_id
ORDER BY
    units.registry_order NULLS LAST, pairs.unit_id, pairs.year, pairs.table_name, pairs.budget_kind, pairs.subject_key;

COMMENT ON VIEW budget_execution IS 'Budget execution: a budget against the actual of the same row wherever a report states both — 预算数 against 决算数 (the “三公” table), and the narrative''s 年初预算数 against 小计 of 一般公共预算财政拨款支出决算表 (its 合计 and the subjects it is stated for).';
COMMENT ON COLUMN budget_execution.unit_id IS 'Unit id.';
COMMENT ON COLUMN budget_execution.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN budget_execution.year IS 'Fiscal year.';
COMMENT ON COLUMN budget_execution.table_name IS 'Canonical table name.';
COMMENT ON COLUMN budget_execution.subject_key IS 'coalesce(subject_code, line_item): the row, e.g. 合计, 公务接待费, 2080109.';
COMMENT ON COLUMN budget_execution.line_name IS 'Catalogue name of the subject, or the line item.';
COMMENT ON COLUMN budget_execution.budget_kind IS 'Which budget: 预算数 (the “三公” table''s budget column) or 年初预算数 (the initial budget the narrative states for 一般公共预算财政拨款支出).';
COMMENT ON COLUMN budget_execution.actual_column IS 'Column the actual comes from: 决算数 (with 预算数), 小计 (the row total of 一般公共预算财政拨款支出决算表, with 年初预算数).';
COMMENT ON COLUMN budget_execution.budget IS 'Budget (the budget_kind column), 万元.';
COMMENT ON COLUMN budget_execution.actual IS 'Actual (the actual_column column), 万元.';
COMMENT ON COLUMN budget_execution.difference IS 'actual - budget, 万元 (negative: under budget).';
COMMENT ON COLUMN budget_execution.execution_rate IS 'actual / budget (fraction: 1 = spent as budgeted); NULL for a zero budget.';
COMMENT ON COLUMN budget_execution.budget_source_kind IS 'Source of the budget figure: table or narrative (年初预算数 is always narrative).';
COMMENT ON COLUMN budget_execution.actual_source_kind IS 'Source of the actual figure: table or narrative.';
