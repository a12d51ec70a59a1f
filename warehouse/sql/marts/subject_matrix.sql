-- subject_matrix: every coded subject any unit stated in a year, against every registered unit.
-- The long form of a pivot (one row per subject and unit, value NULL when the unit did not report
-- it), across all years, with the reason a cell is empty spelled out in status.
CREATE VIEW subject_matrix AS
WITH stated AS (
    SELECT * FROM subject_values
),

subjects_per_year AS (
    SELECT
        table_name,
        column_name,
        subject_code,
        year,
        max(subject_name) AS subject_name,
        max(level) AS level,
        count(DISTINCT unit_id) AS units_reporting
    FROM stated
    GROUP BY table_name, column_name, subject_code, year
),

unit_list AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
    UNION
    SELECT DISTINCT unit_id, NULL AS unit_name, NULL AS registry_order FROM stg_facts
    WHERE report_kind = '决算' AND unit_id NOT IN (SELECT unit_id FROM stg_units)
),

unit_years AS (
    SELECT DISTINCT unit_id, year FROM stg_facts WHERE report_kind = '决算'
),

unit_tables AS (
    SELECT DISTINCT unit_id, year, table_name FROM stg_facts WHERE report_kind = '决算'
)

SELECT
    subjects_per_year.table_name,
    subjects_per_year.column_name,
    subjects_per_year.subject_code,
    subjects_per_year.subject_name,
    subjects_per_year.level,
    subjects_per_year.year,
    unit_list.unit_id,
    unit_list.unit_name,
    stated.value,
    stated.source_kind,
    CASE
        WHEN stated.value IS NOT NULL THEN 'reported'
        WHEN unit_tables.unit_id IS NOT NULL THEN 'not reported'
        WHEN unit_years.unit_id IS NOT NULL THEN 'table not published'
        ELSE 'no report'
    END AS status,
    subjects_per_year.units_reporting
FROM subjects_per_year
CROSS JOIN unit_list
LEFT JOIN stated
    ON stated.table_name = subjects_per_year.table_name
    AND stated.column_name = subjects_per_year.column_name
    AND stated.subject_code = subjects_per_year.subject_code
    AND stated.year = subjects_per_year.year
    AND stated.unit_id = unit_list.unit_id
LEFT JOIN unit_tables
    ON unit_tables.unit_id = unit_list.unit_id
    AND unit_tables.year = subjects_per_year.year
    AND unit_tables.table_name = subjects_per_year.table_name
LEFT JOIN unit_years
    ON unit_years.unit_id = unit_list.unit_id
    AND unit_years.year = subjects_per_year.year
ORDER BY
    subjects_per_year.table_name, subjects_per_year.column_name, subjects_per_year.subject_code,
    subjects_per_year.year, unit_list.registry_order NULLS LAST, unit_list.unit_id;

COMMENT ON VIEW subject_matrix IS 'Every coded subject stated by at least one unit in a year, against every registered unit (and any unit with facts): one row per (table, column, subject, year, unit), value NULL when the unit did not report it, status saying why. Pivot it on unit_id for a side-by-side table.';
COMMENT ON COLUMN subject_matrix.table_name IS 'Canonical table name.';
COMMENT ON COLUMN subject_matrix.column_name IS 'Canonical column header.';
COMMENT ON COLUMN subject_matrix.subject_code IS '科目代码: functional 3/5/7 digits or economic 3/5 digits.';
COMMENT ON COLUMN subject_matrix.subject_name IS 'Catalogue name of the subject.';
COMMENT ON COLUMN subject_matrix.level IS '类 / 款 / 项.';
COMMENT ON COLUMN subject_matrix.year IS 'Fiscal year.';
COMMENT ON COLUMN subject_matrix.unit_id IS 'Unit id.';
COMMENT ON COLUMN subject_matrix.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN subject_matrix.value IS 'The unit''s figure (table preferred, else narrative): amount in 万元; counts such as 车辆数 in 辆; NULL = not reported.';
COMMENT ON COLUMN subject_matrix.source_kind IS 'table or narrative; NULL when not reported.';
COMMENT ON COLUMN subject_matrix.status IS 'reported; not reported (the unit has facts of this table that year, but not this subject); table not published (the unit has facts that year, none of this table); no report (no facts of the unit that year).';
COMMENT ON COLUMN subject_matrix.units_reporting IS 'How many units report the subject in this table, column and year.';
