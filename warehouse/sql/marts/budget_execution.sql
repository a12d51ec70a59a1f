-- budget_execution: 决算数 against 预算数 wherever a report states both for the same row.
-- Today only the “三公” table carries a 预算数 column; any other table that gains one appears here.
CREATE VIEW budget_execution AS
WITH preferred AS (
    SELECT * FROM preferred_facts
),

pairs AS (
    SELECT
        unit_id,
        year,
        table_name,
        subject_key,
        max(coalesce(subject_name, line_item)) AS line_name,
        max(value) FILTER (WHERE column_name = '预算数') AS budget,
        max(value) FILTER (WHERE column_name = '决算数') AS actual,
        max(source_kind) FILTER (WHERE column_name = '预算数') AS budget_source_kind,
        max(source_kind) FILTER (WHERE column_name = '决算数') AS actual_source_kind
    FROM preferred
    WHERE column_name IN ('预算数', '决算数')
    GROUP BY unit_id, year, table_name, subject_key
    HAVING count(*) FILTER (WHERE column_name = '预算数') > 0 AND count(*) FILTER (WHERE column_name = '决算数') > 0
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
    pairs.budget,
    pairs.actual,
    pairs.actual - pairs.budget AS difference,
    CAST(round(pairs.actual / nullif(pairs.budget, 0), 6) AS DOUBLE) AS execution_rate,
    pairs.budget_source_kind,
    pairs.actual_source_kind
FROM pairs
LEFT JOIN units ON units.unit_id = pairs.unit_id
ORDER BY units.registry_order NULLS LAST, pairs.unit_id, pairs.year, pairs.table_name, pairs.subject_key;

COMMENT ON VIEW budget_execution IS 'Budget execution: 决算数 against 预算数 for every row a report states both for (today the “三公” table; the general budget''s 年初预算 is prose the contract does not keep as a fact).';
COMMENT ON COLUMN budget_execution.unit_id IS 'Unit id.';
COMMENT ON COLUMN budget_execution.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN budget_execution.year IS 'Fiscal year.';
COMMENT ON COLUMN budget_execution.table_name IS 'Canonical table name.';
COMMENT ON COLUMN budget_execution.subject_key IS 'coalesce(subject_code, line_item): the row, e.g. 合计, 公务接待费.';
COMMENT ON COLUMN budget_execution.line_name IS 'Catalogue name of the subject, or the line item.';
COMMENT ON COLUMN budget_execution.budget IS 'Budget (预算数), 万元.';
COMMENT ON COLUMN budget_execution.actual IS 'Actual (决算数), 万元.';
COMMENT ON COLUMN budget_execution.difference IS 'actual - budget, 万元 (negative: under budget).';
COMMENT ON COLUMN budget_execution.execution_rate IS 'actual / budget (fraction: 1 = spent as budgeted); NULL for a zero budget.';
COMMENT ON COLUMN budget_execution.budget_source_kind IS 'Source of the budget figure: table or narrative.';
COMMENT ON COLUMN budget_execution.actual_source_kind IS 'Source of the actual figure: table or narrative.';
