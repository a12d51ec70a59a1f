-- subject_index: which subjects and line items are stated where — one row per table, column and row key,
-- with how many units and unit-years state it. Small (thousands of rows at any scale): subject search,
-- the compare command's checks and "where else is it stated" read it instead of scanning the facts.
CREATE VIEW subject_index AS
WITH preferred AS (
    SELECT * FROM preferred_facts
)

SELECT
    table_name,
    column_name,
    subject_key,
    any_value(subject_code) AS subject_code,
    coalesce(any_value(subject_name), any_value(line_item)) AS subject_name,
    any_value(subject_level) AS level,
    any_value(classification) AS classification,
    count(DISTINCT unit_id) AS units,
    count(*) AS unit_years,
    min(year) AS first_year,
    max(year) AS last_year
FROM preferred
GROUP BY table_name, column_name, subject_key
ORDER BY table_name, column_name, subject_key;

COMMENT ON VIEW subject_index IS 'Where each subject and line item is stated: one row per table, column and row key, with the number of units and unit-years stating it (table or narrative). What subject search and the compare command read.';
COMMENT ON COLUMN subject_index.table_name IS 'Canonical table name.';
COMMENT ON COLUMN subject_index.column_name IS 'Canonical column header.';
COMMENT ON COLUMN subject_index.subject_key IS 'Row key: 科目代码, or the line item (合计, 本年收入合计 …).';
COMMENT ON COLUMN subject_index.subject_code IS '科目代码; NULL for a line item.';
COMMENT ON COLUMN subject_index.subject_name IS 'Catalogue name of the code (the printed name when the catalogue lacks it), or the line item.';
COMMENT ON COLUMN subject_index.level IS '类 / 款 / 项; NULL for a line item.';
COMMENT ON COLUMN subject_index.classification IS 'functional or economic; NULL for line items and codes the catalogue lacks.';
COMMENT ON COLUMN subject_index.units IS 'Number of units stating it in this table and column (any year).';
COMMENT ON COLUMN subject_index.unit_years IS 'Number of unit-years stating it in this table and column.';
COMMENT ON COLUMN subject_index.first_year IS 'First fiscal year a unit states it.';
COMMENT ON COLUMN subject_index.last_year IS 'Last fiscal year a unit states it.';
