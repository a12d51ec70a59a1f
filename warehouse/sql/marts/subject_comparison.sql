-- subject_comparison: one row per (table_name, column_name, subject_code), one column per unit.
-- A template: the build replaces the placeholder line below with one column per unit present,
-- in registry order (DuckDB cannot PIVOT to dynamic columns inside a view), and comments each.
CREATE VIEW subject_comparison AS
WITH latest_years AS (
    SELECT unit_id, max(year) AS year
    FROM stg_facts
    WHERE report_kind = '决算'
    GROUP BY unit_id
),

latest_values AS (
    SELECT subject_values.*
    FROM subject_values
    JOIN latest_years
        ON subject_values.unit_id = latest_years.unit_id
        AND subject_values.year = latest_years.year
)

SELECT
    table_name,
    column_name,
    subject_code,
    max(subject_name) AS subject_name,
    max(level) AS level
    {{unit_columns}}
FROM latest_values
GROUP BY table_name, column_name, subject_code
ORDER BY table_name, column_name, subject_code;

COMMENT ON VIEW subject_comparison IS 'Coded rows side by side: one row per (table_name, column_name, subject_code), one column per unit (named by unit_id) holding its value in its latest year with facts (table preferred, else narrative); NULL = not reported. Filter on table_name and column_name.';
COMMENT ON COLUMN subject_comparison.table_name IS 'Canonical table name.';
COMMENT ON COLUMN subject_comparison.column_name IS 'Canonical column header.';
COMMENT ON COLUMN subject_comparison.subject_code IS '科目代码.';
COMMENT ON COLUMN subject_comparison.subject_name IS 'Catalogue name of the subject.';
COMMENT ON COLUMN subject_comparison.level IS '类 / 款 / 项.';
