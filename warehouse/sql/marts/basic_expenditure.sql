-- basic_expenditure: basic spending (基本支出) by economic 类, split into 人员经费 and 公用经费.
CREATE VIEW basic_expenditure AS
WITH preferred AS (
    SELECT * FROM preferred_facts
),

classes AS (
    SELECT *
    FROM preferred
    WHERE table_name = '一般公共预算财政拨款基本支出决算表'
        AND column_name = '决算数'
        AND length(subject_code) = 3
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    classes.unit_id,
    units.unit_name,
    classes.year,
    classes.subject_code AS economic_class_code,
    coalesce(classes.subject_name, classes.line_item) AS economic_class_name,
    CASE WHEN classes.subject_code IN ('301', '303') THEN '人员经费' ELSE '公用经费' END AS expense_group,
    classes.value AS amount,
    round(
        classes.value / nullif(sum(classes.value) OVER (PARTITION BY classes.unit_id, classes.year), 0), 6
    ) AS share_of_basic,
    classes.source_kind
FROM classes
LEFT JOIN units ON units.unit_id = classes.unit_id
ORDER BY units.registry_order NULLS LAST, classes.unit_id, classes.year, classes.subject_code;

COMMENT ON VIEW basic_expenditure IS 'Basic spending (一般公共预算财政拨款基本支出决算表, column 决算数) by economic 类, grouped into 人员经费 (301, 303) and 公用经费 (all other classes).';
COMMENT ON COLUMN basic_expenditure.unit_id IS 'Unit id.';
COMMENT ON COLUMN basic_expenditure.unit_name IS 'Unit name from the registry.';
COMMENT ON COLUMN basic_expenditure.year IS 'Fiscal year.';
COMMENT ON COLUMN basic_expenditure.economic_class_code IS 'Economic 类 code (3 digits): 301, 302, 303, 307, 309, 310, 311, 312, 313, 399.';
COMMENT ON COLUMN basic_expenditure.economic_class_name IS 'Catalogue name of the economic 类, e.g. 工资福利支出.';
COMMENT ON COLUMN basic_expenditure.expense_group IS '人员经费 for 301 and 303; 公用经费 otherwise.';
COMMENT ON COLUMN basic_expenditure.amount IS 'Basic spending on the class (决算数), 万元.';
COMMENT ON COLUMN basic_expenditure.share_of_basic IS 'amount / sum of the unit-year''s class amounts (fraction 0–1, 6 decimals).';
COMMENT ON COLUMN basic_expenditure.source_kind IS 'table, or narrative where the unit-year has no table fact for this class.';
