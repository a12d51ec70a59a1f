-- raw_parsed_tables: {lake}/parsed_tables/year=…/unit_id=…/parsed_tables.parquet (parsing report per table).
CREATE TABLE raw_parsed_tables (
    unit_id VARCHAR,
    year SMALLINT,
    document_sha256 VARCHAR,
    title VARCHAR,
    table_name VARCHAR,
    status VARCHAR,
    extractor VARCHAR,
    page INTEGER,
    line INTEGER,
    rows INTEGER,
    facts INTEGER,
    notes VARCHAR,
    reading VARCHAR,
    reconciled VARCHAR,
    reliable BOOLEAN,
    unreliable_reason VARCHAR,
    pages INTEGER[],
    report_kind VARCHAR
);

COMMENT ON TABLE raw_parsed_tables IS 'Raw layer: the parsing report of every table found in a report. Use the view parsed_tables instead.';
COMMENT ON COLUMN raw_parsed_tables.unit_id IS 'Unit id (hive partition unit_id=…).';
COMMENT ON COLUMN raw_parsed_tables.year IS 'Fiscal year (hive partition year=…).';
COMMENT ON COLUMN raw_parsed_tables.document_sha256 IS 'SHA-256 of the document; NULL when the report produced no facts.';
COMMENT ON COLUMN raw_parsed_tables.title IS 'Table title as printed.';
COMMENT ON COLUMN raw_parsed_tables.table_name IS 'Canonical table the title was taken for; NULL when unrecognised.';
COMMENT ON COLUMN raw_parsed_tables.status IS 'ok / empty / unrecognised / error.';
COMMENT ON COLUMN raw_parsed_tables.extractor IS 'Extraction strategy that read the table.';
COMMENT ON COLUMN raw_parsed_tables.page IS '1-based page of the table, where known.';
COMMENT ON COLUMN raw_parsed_tables.line IS '1-based line of the table in a text export, where known.';
COMMENT ON COLUMN raw_parsed_tables.rows IS 'Number of grid rows read.';
COMMENT ON COLUMN raw_parsed_tables.facts IS 'Number of facts the table yielded.';
COMMENT ON COLUMN raw_parsed_tables.notes IS 'Parser notes, separated by semicolons.';
COMMENT ON COLUMN raw_parsed_tables.reading IS 'Which reading of the grid was kept (a reader and, when several were tried, the winning one); NULL in lake files written before it was recorded.';
COMMENT ON COLUMN raw_parsed_tables.reconciled IS 'How the table''s own identities came out on the kept reading: exact, rounding (within 0.01 万元 per addend), unreconciled (off by more) or unchecked (nothing to test); NULL in lake files written before it was recorded.';
COMMENT ON COLUMN raw_parsed_tables.reliable IS 'false when the reader does not trust the figures to stand for the table; NULL in lake files written before it was recorded (read as true).';
COMMENT ON COLUMN raw_parsed_tables.unreliable_reason IS 'Why the table was not read reliably; empty when reliable; NULL in older lake files.';
COMMENT ON COLUMN raw_parsed_tables.pages IS 'Every 1-based page the table is printed on, in order (empty for text exports); NULL in older lake files.';
COMMENT ON COLUMN raw_parsed_tables.report_kind IS 'Report kind: 决算 (from {dataset}.parquet) or 预算 (from {dataset}.budget.parquet in the same partition), as the file name says.';
