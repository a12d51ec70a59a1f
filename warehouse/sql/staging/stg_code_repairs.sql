-- stg_code_repairs: repaired and unresolved subject codes, per report.
CREATE VIEW stg_code_repairs AS
WITH source AS (
    SELECT * FROM raw_code_repairs
),

renamed AS (
    SELECT
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        coalesce(CAST(report_kind AS VARCHAR), '决算') AS report_kind,
        CAST(document_sha256 AS VARCHAR) AS document_sha256,
        CAST(table_name AS VARCHAR) AS table_name,
        CAST(page AS INTEGER) AS page,
        CAST(raw_code AS VARCHAR) AS raw_code,
        CAST(raw_name AS VARCHAR) AS raw_name,
        CAST(code AS VARCHAR) AS repaired_code,
        CAST(status AS VARCHAR) AS repair_status,
        CAST(reason AS VARCHAR) AS reason
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_code_repairs IS 'Staging: subject codes repaired from their names (repaired) or left raw and flagged (unresolved).';
COMMENT ON COLUMN stg_code_repairs.unit_id IS 'Unit id.';
COMMENT ON COLUMN stg_code_repairs.year IS 'Fiscal year.';
COMMENT ON COLUMN stg_code_repairs.document_sha256 IS 'SHA-256 of the document the code was read from.';
COMMENT ON COLUMN stg_code_repairs.table_name IS 'Canonical table the code was read in.';
COMMENT ON COLUMN stg_code_repairs.page IS '1-based page, where known.';
COMMENT ON COLUMN stg_code_repairs.raw_code IS 'The code as printed.';
COMMENT ON COLUMN stg_code_repairs.raw_name IS 'The subject name as printed.';
COMMENT ON COLUMN stg_code_repairs.repaired_code IS 'The catalogue code it was repaired to; the printed code when observed; NULL when unresolved.';
COMMENT ON COLUMN stg_code_repairs.repair_status IS 'repaired (from its name), observed (well-formed, not in the catalogue: kept as printed with its name) or unresolved.';
COMMENT ON COLUMN stg_code_repairs.reason IS 'Why the code was repaired, or why it could not be.';
COMMENT ON COLUMN stg_code_repairs.report_kind IS 'Report kind: 决算 or 预算 (NULL in the lake reads as 决算).';
