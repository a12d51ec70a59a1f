-- stg_parsed_tables: the parsing report of every table found in a report.
CREATE VIEW stg_parsed_tables AS
WITH source AS (
    SELECT * FROM raw_parsed_tables
),

renamed AS (
    SELECT
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        CAST(document_sha256 AS VARCHAR) AS document_sha256,
        CAST(title AS VARCHAR) AS title,
        CAST(table_name AS VARCHAR) AS table_name,
        CAST(status AS VARCHAR) AS parse_status,
        CAST(extractor AS VARCHAR) AS extractor,
        CAST(page AS INTEGER) AS page,
        CAST(line AS INTEGER) AS line,
        CAST(rows AS INTEGER) AS row_count,
        CAST(facts AS INTEGER) AS fact_count,
        CAST(notes AS VARCHAR) AS notes
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_parsed_tables IS 'Staging: one row per table found in a report, with what it was taken for.';
COMMENT ON COLUMN stg_parsed_tables.unit_id IS 'Unit id.';
COMMENT ON COLUMN stg_parsed_tables.year IS 'Fiscal year.';
COMMENT ON COLUMN stg_parsed_tables.document_sha256 IS 'SHA-256 of the document; NULL when the report produced no facts.';
COMMENT ON COLUMN stg_parsed_tables.title IS 'Table title as printed.';
COMMENT ON COLUMN stg_parsed_tables.table_name IS 'Canonical table the title was taken for; NULL when unrecognised.';
COMMENT ON COLUMN stg_parsed_tables.parse_status IS 'ok / empty / unrecognised / error.';
COMMENT ON COLUMN stg_parsed_tables.extractor IS 'Extraction strategy that read the table.';
COMMENT ON COLUMN stg_parsed_tables.page IS '1-based page, where known.';
COMMENT ON COLUMN stg_parsed_tables.line IS '1-based line in a text export, where known.';
COMMENT ON COLUMN stg_parsed_tables.row_count IS 'Number of grid rows read.';
COMMENT ON COLUMN stg_parsed_tables.fact_count IS 'Number of facts the table yielded.';
COMMENT ON COLUMN stg_parsed_tables.notes IS 'Parser notes, separated by semicolons.';
