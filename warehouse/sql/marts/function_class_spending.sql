-- function_class_spending: spending by functional 类 per unit and year, with each class's share.
-- One basis per unit-year (the first present): 支出决算表/本年支出合计 (table), then
-- 一般公共预算财政拨款支出决算表/小计 (table), then the same from the narrative, then
-- 支出决算表/本年支出合计 (narrative).
CREATE VIEW function_class_spending AS
WITH bases (basis_rank, table_name, column_name, source_kind) AS (
    VALUES
        (1, '支出决算表', '本年支出合计', 'table'),
        (2, '一般公共预算财政拨款支出决算表', '小计', 'table'),
        (3, '一般公共预算财政拨款支出决算表', '小计', 'narrative'),
        (4, '支出决算表', '本年支出合计', 'narrative')
),

staged AS (
    -- 决算 figures only: the budget's own marts are budget_vs_final.
    SELECT * FROM stg_facts WHERE report_kind = '决算'
),

class_facts AS (
    SELECT
        staged.*,
        bases.basis_rank
    FROM staged
    JOIN bases
        ON staged.table_name = bases.table_name
        AND staged.column_name = bases.column_name
        AND staged.source_kind = bases.source_kind
    WHERE length(staged.subject_code) = 3
        AND coalesce(staged.classification, 'functional') = 'functional'
),

chosen_basis AS (
    SELECT unit_id, year, min(basis_rank) AS basis_rank
    FROM class_facts
    GROUP BY unit_id, year
),

classes AS (
    SELECT class_facts.*
    FROM class_facts
    JOIN chosen_basis
        ON class_facts.unit_id = chosen_basis.unit_id
        AND class_facts.year = chosen_basis.year
        AND class_facts.basis_rank = chosen_basis.basis_rank
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    classes.unit_id,
    units.unit_name,
    classes.year,
    classes.subject_code AS class_code,
    coalesce(classes.subject_name, classes.line_item) AS class_name,
    classes.value AS spending,
    round(
        classes.value / nullif(sum(classes.value) OVER (PARTITION BY classes.unit_id, classes.year), 0), 6
    ) AS share,
    classes.table_name || '/' || classes.column_name || ' (' || classes.source_kind || ')' AS basis,
    classes.source_kind
FROM classes
LEFT JOIN units ON units.unit_id = classes.unit_id
ORDER BY units.registry_order NULLS LAST, classes.unit_id, classes.year, classes.subject_code;

COMMENT ON VIEW function_class_spending IS 'Spending by functional 类 (3-digit 支出功能分类 code) per unit and year, with its share of the unit-year''s class total; one basis per unit-year, named in basis.';
COMMENT ON COLUMN function_class_spending.unit_id IS 'Unit id.';
COMMENT ON COLUMN function_class_spending.unit_name IS 'Unit name from the registry.';
COMMENT ON COLUMN function_class_spending.year IS 'Fiscal year.';
COMMENT ON COLUMN function_class_spending.class_code IS 'Functional 类 code (3 digits), e.g. 208.';
COMMENT ON COLUMN function_class_spending.class_name IS 'Catalogue name of the 类, e.g. 社会保障和就业支出.';
COMMENT ON COLUMN function_class_spending.spending IS 'Spending on the 类 in the basis table and column, 万元.';
COMMENT ON COLUMN function_class_spending.share IS 'spending / sum of the unit-year''s class spending (fraction 0–1, 6 decimals).';
COMMENT ON COLUMN function_class_spending.basis IS 'table_name/column_name (source_kind) the figures came from, e.g. 支出决算表/本年支出合计 (table).';
COMMENT ON COLUMN function_class_spending.source_kind IS 'table or narrative (the source kind of the basis).';
