-- subject_values: coded rows (科目) in long format, table facts preferred, narrative filling gaps.
CREATE VIEW subject_values AS
WITH preferred AS (
    SELECT * FROM preferred_facts
),

coded AS (
    SELECT * FROM preferred WHERE subject_code IS NOT NULL
)

SELECT
    table_name,
    column_name,
    subject_code,
    coalesce(subject_name, line_item) AS subject_name,
    subject_level AS level,
    unit_id,
    year,
    value,
    source_kind
FROM coded
ORDER BY table_name, column_name, subject_code, unit_id, year;

COMMENT ON VIEW subject_values IS 'Every coded row (科目) of every table and column, one value per unit and year: the table fact, else the narrative fact.';
COMMENT ON COLUMN subject_values.table_name IS 'Canonical table name.';
COMMENT ON COLUMN subject_values.column_name IS 'Canonical column header.';
COMMENT ON COLUMN subject_values.subject_code IS '科目代码: functional 3/5/7 digits or economic 3/5 digits.';
COMMENT ON COLUMN subject_values.subject_name IS 'Catalogue name of the subject (the printed name when the code is not in the catalogue).';
COMMENT ON COLUMN subject_values.level IS '类 / 款 / 项.';
COMMENT ON COLUMN subject_values.unit_id IS 'Unit id.';
COMMENT ON COLUMN subject_values.year IS 'Fiscal year.';
COMMENT ON COLUMN subject_values.value IS 'Amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN subject_values.source_kind IS 'table, or narrative where the unit-year has no table fact for this key.';
