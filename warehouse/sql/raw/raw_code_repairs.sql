-- raw_code_repairs: {lake}/code_repairs/year=…/unit_id=…/code_repairs.parquet.
CREATE TABLE raw_code_repairs (
    unit_id VARCHAR,
    year SMALLINT,
    document_sha256 VARCHAR,
    table_name VARCHAR,
    page INTEGER,
    raw_code VARCHAR,
    raw_name VARCHAR,
    code VARCHAR,
    status VARCHAR,
    reason VARCHAR,
    report_kind VARCHAR
);

COMMENT ON TABLE raw_code_repairs IS 'Raw layer: subject codes repaired from their names or left unresolved, per report. Use the view code_repairs instead.';
COMMENT ON COLUMN raw_code_repairs.unit_id IS 'Unit id (hive partition unit_id=…).';
COMMENT ON COLUMN raw_code_repairs.year IS 'Fiscal year (hive partition year=…).';
COMMENT ON COLUMN raw_code_repairs.document_sha256 IS 'SHA-256 of the document the code was read from.';
COMMENT ON COLUMN raw_code_repairs.table_name IS 'Canonical table the code was read in.';
COMMENT ON COLUMN raw_code_repairs.page IS '1-based page, where known.';
COMMENT ON COLUMN raw_code_repairs.raw_code IS 'The code as printed (possibly truncated or damaged, e.g. 3010).';
COMMENT ON COLUMN raw_code_repairs.raw_name IS 'The subject name as printed.';
COMMENT ON COLUMN raw_code_repairs.code IS 'The catalogue code it was repaired to; the printed code when observed; NULL when unresolved.';
COMMENT ON COLUMN raw_code_repairs.status IS 'repaired (from its name), observed (well-formed, not in the catalogue: kept as printed with its name) or unresolved.';
COMMENT ON COLUMN raw_code_repairs.reason IS 'Why the code was repaired, or why it could not be.';
COMMENT ON COLUMN raw_code_repairs.report_kind IS 'Report kind: 决算 (from {dataset}.parquet) or 预算 (from {dataset}.budget.parquet in the same partition), as the file name says.';
