-- parsed_tables: the parsing report of every table found in a report.
CREATE VIEW parsed_tables AS
WITH staged AS (
    SELECT * FROM stg_parsed_tables
)

SELECT
    unit_id,
    year,
    document_sha256,
    title,
    table_name,
    parse_status AS status,
    extractor,
    page,
    line,
    row_count AS rows,
    fact_count AS facts,
    notes
FROM staged
ORDER BY unit_id, year, page NULLS LAST, line NULLS LAST, title;

COMMENT ON VIEW parsed_tables IS 'What each table found in a report was taken for, and how many facts it yielded.';
COMMENT ON COLUMN parsed_tables.unit_id IS 'Unit id.';
COMMENT ON COLUMN parsed_tables.year IS 'Fiscal year.';
COMMENT ON COLUMN parsed_tables.document_sha256 IS 'SHA-256 of the document; NULL when the report produced no facts.';
COMMENT ON COLUMN parsed_tables.title IS 'Table title as printed.';
COMMENT ON COLUMN parsed_tables.table_name IS 'Canonical table the title was taken for; NULL when unrecognised.';
COMMENT ON COLUMN parsed_tables.status IS 'ok / empty / unrecognised / error.';
COMMENT ON COLUMN parsed_tables.extractor IS 'Extraction strategy that read the table.';
COMMENT ON COLUMN parsed_tables.page IS '1-based page, where known.';
COMMENT ON COLUMN parsed_tables.line IS '1-based line in a text export, where known.';
COMMENT ON COLUMN parsed_tables.rows IS 'Number of grid rows read.';
COMMENT ON COLUMN parsed_tables.facts IS 'Number of facts the table yielded.';
COMMENT ON COLUMN parsed_tables.notes IS 'Parser notes, separated by semicolons.';
