-- year_over_year: every figure against the same figure a year earlier, per unit.
-- This year's figure comes from preferred_facts (table fact, else narrative). Last year's comes from
-- the report of last year where it states the key, else from this year's report restating it
-- ("与上年相比，收入总计增加…": stg_restated_facts, not superseded), which lets growth be computed
-- from a unit's first report. Only keys stated in both years appear.
CREATE VIEW year_over_year AS
WITH preferred AS (
    SELECT * FROM preferred_facts
),

-- A restated figure is superseded wherever a report of its year states the key, so the two parts
-- never share a key.
previous_candidates AS (
    SELECT
        unit_id, year, table_name, subject_key, column_name, value, source_kind, document_sha256,
        FALSE AS restated
    FROM preferred
    UNION ALL
    SELECT
        unit_id, year, table_name, subject_key, column_name, value, source_kind, document_sha256,
        TRUE AS restated
    FROM stg_restated_facts
    WHERE NOT superseded AND report_kind = '决算'
),

paired AS (
    SELECT
        current_year.unit_id,
        current_year.year,
        current_year.table_name,
        current_year.subject_code,
        current_year.subject_key,
        coalesce(current_year.subject_name, current_year.line_item) AS subject_name,
        current_year.subject_level,
        current_year.column_name,
        previous_year.value AS previous_value,
        current_year.value,
        current_year.source_kind,
        previous_year.source_kind AS previous_source_kind,
        previous_year.restated AS previous_restated,
        previous_year.document_sha256 AS previous_document_sha256
    FROM preferred AS current_year
    JOIN previous_candidates AS previous_year
        ON previous_year.unit_id = current_year.unit_id
        AND previous_year.year = current_year.year - 1
        AND previous_year.table_name = current_year.table_name
        AND previous_year.subject_key = current_year.subject_key
        AND previous_year.column_name = current_year.column_name
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    paired.unit_id,
    units.unit_name,
    paired.year,
    paired.table_name,
    paired.subject_code,
    paired.subject_key,
    paired.subject_name,
    paired.subject_level,
    paired.column_name,
    paired.previous_value,
    paired.value,
    paired.value - paired.previous_value AS change,
    CAST(round((paired.value - paired.previous_value) / nullif(paired.previous_value, 0), 6) AS DOUBLE) AS change_rate,
    paired.source_kind,
    paired.previous_source_kind,
    paired.previous_restated,
    paired.previous_document_sha256
FROM paired
LEFT JOIN units ON units.unit_id = paired.unit_id
ORDER BY
    units.registry_order NULLS LAST, paired.unit_id, paired.year, paired.table_name, paired.subject_key,
    paired.column_name;

COMMENT ON VIEW year_over_year IS 'Each figure against the same key (table, subject or line, column) a year earlier for the same unit. Last year''s figure is last year''s report''s where it states the key, else the one this year''s report restates (与上年相比 …, see restated_facts), so growth is known from the first report on. Only keys stated in both years.';
COMMENT ON COLUMN year_over_year.unit_id IS 'Unit id.';
COMMENT ON COLUMN year_over_year.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN year_over_year.year IS 'Fiscal year of value (previous_value is of year - 1).';
COMMENT ON COLUMN year_over_year.table_name IS 'Canonical table name.';
COMMENT ON COLUMN year_over_year.subject_code IS '科目代码; NULL for a line item such as 收入总计.';
COMMENT ON COLUMN year_over_year.subject_key IS 'coalesce(subject_code, line_item): the row key.';
COMMENT ON COLUMN year_over_year.subject_name IS 'Catalogue name of the subject, or the line item.';
COMMENT ON COLUMN year_over_year.subject_level IS '类 / 款 / 项; NULL for line items.';
COMMENT ON COLUMN year_over_year.column_name IS 'Canonical column header.';
COMMENT ON COLUMN year_over_year.previous_value IS 'The figure in year - 1: amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN year_over_year.value IS 'The figure in year: amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN year_over_year.change IS 'value - previous_value, 万元 (辆 for counts).';
COMMENT ON COLUMN year_over_year.change_rate IS 'change / previous_value (fraction: 0.8198 = +81.98%); NULL when last year''s figure is zero.';
COMMENT ON COLUMN year_over_year.source_kind IS 'Source of value: table or narrative.';
COMMENT ON COLUMN year_over_year.previous_source_kind IS 'Source of previous_value: table or narrative (always narrative when restated by this year''s report).';
COMMENT ON COLUMN year_over_year.previous_restated IS 'True when previous_value is restated by this year''s report (no report of year - 1 states the key); false when it comes from last year''s own report.';
COMMENT ON COLUMN year_over_year.previous_document_sha256 IS 'SHA-256 of the document previous_value came from: last year''s report, or this year''s when it restated the figure.';
