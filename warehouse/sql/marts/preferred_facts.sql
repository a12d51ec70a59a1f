-- preferred_facts: one number per (unit, year, table, row, column): the table fact where there is one,
-- else the narrative fact. The building block of the analyst marts.
CREATE VIEW preferred_facts AS
WITH staged AS (
    SELECT
        *,
        CASE source_kind WHEN 'table' THEN 1 WHEN 'narrative' THEN 2 ELSE 3 END AS source_rank
    FROM stg_facts
    WHERE report_kind = '决算'  -- 决算 facts: budgets are set against them in budget_vs_final
),

-- Per key: how many sources state it and the best one (an aggregate, not a window: no sort of all
-- the facts). The key is unique per source kind, so one fact has the best rank.
keys AS (
    SELECT
        unit_id,
        year,
        table_name,
        subject_key,
        column_name,
        count(*) AS source_count,
        min(source_rank) AS best_rank
    FROM staged
    GROUP BY unit_id, year, table_name, subject_key, column_name
),

ranked AS (
    SELECT
        staged.*,
        keys.source_count
    FROM staged
    JOIN keys
        ON keys.unit_id = staged.unit_id
        AND keys.year = staged.year
        AND keys.table_name = staged.table_name
        AND keys.subject_key = staged.subject_key
        AND keys.column_name = staged.column_name
        AND keys.best_rank = staged.source_rank
)

SELECT
    unit_id,
    year,
    table_name,
    subject_code,
    subject_key,
    line_item,
    subject_name,
    subject_level,
    classification,
    column_name,
    value,
    source_kind,
    source_count > 1 AS also_in_other_source,
    document_sha256,
    page
FROM ranked;

COMMENT ON VIEW preferred_facts IS 'One value per (unit_id, year, table_name, subject_key, column_name): the table fact where the report has one, else the narrative fact.';
COMMENT ON COLUMN preferred_facts.unit_id IS 'Unit id.';
COMMENT ON COLUMN preferred_facts.year IS 'Fiscal year.';
COMMENT ON COLUMN preferred_facts.table_name IS 'Canonical table name.';
COMMENT ON COLUMN preferred_facts.subject_code IS '科目代码; NULL for a pure line item.';
COMMENT ON COLUMN preferred_facts.subject_key IS 'coalesce(subject_code, line_item).';
COMMENT ON COLUMN preferred_facts.line_item IS 'Canonical line name (catalogue name of a coded row, 合计, or a label).';
COMMENT ON COLUMN preferred_facts.subject_name IS 'Catalogue name of subject_code; NULL for line items and unknown codes.';
COMMENT ON COLUMN preferred_facts.subject_level IS '类 / 款 / 项; NULL for line items.';
COMMENT ON COLUMN preferred_facts.classification IS 'functional or economic; NULL for line items and unknown codes.';
COMMENT ON COLUMN preferred_facts.column_name IS 'Canonical column header.';
COMMENT ON COLUMN preferred_facts.value IS 'Amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN preferred_facts.source_kind IS 'Where value came from: table, or narrative when the report has no table fact for this key.';
COMMENT ON COLUMN preferred_facts.also_in_other_source IS 'True when the report states the same key in both a table and the narrative (compare them in facts).';
COMMENT ON COLUMN preferred_facts.document_sha256 IS 'SHA-256 of the source document.';
COMMENT ON COLUMN preferred_facts.page IS '1-based page of the chosen fact, NULL where unknown.';
