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
    notes,
    reading,
    reconciled,
    reliable,
    unreliable_reason,
    pages,
    read_reliably,
    report_kind
FROM staged
ORDER BY unit_id, year, page NULLS LAST, line NULLS LAST, title;

COMMENT ON VIEW parsed_tables IS 'What each table found in a report was taken for, how many facts it yielded, and whether its figures can be trusted (a table not read reliably makes the identities that need it not_checkable).';
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
COMMENT ON COLUMN parsed_tables.reading IS 'Which reading of the grid was kept (a reader and, when several were tried, the winning one); empty when not recorded.';
COMMENT ON COLUMN parsed_tables.reconciled IS 'How the table''s own identities came out on the kept reading: exact, rounding (within 0.01 万元 per addend), unreconciled (off by more) or unchecked (nothing to test, or not recorded).';
COMMENT ON COLUMN parsed_tables.reliable IS 'false when the reader does not trust the figures to stand for the table (true in lake files written before it was recorded).';
COMMENT ON COLUMN parsed_tables.unreliable_reason IS 'Why the reader does not trust the table; empty when reliable.';
COMMENT ON COLUMN parsed_tables.pages IS 'Every 1-based page the table is printed on, in order (a continued table has several); empty for text exports.';
COMMENT ON COLUMN parsed_tables.read_reliably IS 'Whether the identity suites trust the canonical table: false when reliable is false, or its title was recognised but not its layout (unrecognised), or reading it failed (error) — every check that needs it is then not_checkable, never an error; NULL when the table was not taken for a canonical one.';
COMMENT ON COLUMN parsed_tables.report_kind IS 'Report kind: 决算 or 预算.';
