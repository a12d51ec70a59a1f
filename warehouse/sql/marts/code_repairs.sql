-- code_repairs: subject codes repaired from their names, or left raw and flagged.
CREATE VIEW code_repairs AS
WITH staged AS (
    SELECT * FROM stg_code_repairs
)

SELECT
    unit_id,
    year,
    document_sha256,
    table_name,
    page,
    raw_code,
    raw_name,
    repaired_code AS code,
    repair_status AS status,
    reason,
    report_kind
FROM staged
ORDER BY unit_id, year, table_name, raw_code, raw_name;

COMMENT ON VIEW code_repairs IS 'Damaged or truncated subject codes (e.g. 3010 基本工资): repaired through the catalogue, or unresolved and flagged, never guessed.';
COMMENT ON COLUMN code_repairs.unit_id IS 'Unit id.';
COMMENT ON COLUMN code_repairs.year IS 'Fiscal year.';
COMMENT ON COLUMN code_repairs.document_sha256 IS 'SHA-256 of the document the code was read from.';
COMMENT ON COLUMN code_repairs.table_name IS 'Canonical table the code was read in.';
COMMENT ON COLUMN code_repairs.page IS '1-based page, where known.';
COMMENT ON COLUMN code_repairs.raw_code IS 'The code as printed.';
COMMENT ON COLUMN code_repairs.raw_name IS 'The subject name as printed.';
COMMENT ON COLUMN code_repairs.code IS 'The catalogue code it was repaired to; the printed code when observed; NULL when unresolved.';
COMMENT ON COLUMN code_repairs.status IS 'repaired (from its name), observed (well-formed, not in the catalogue: kept as printed with its name) or unresolved.';
COMMENT ON COLUMN code_repairs.reason IS 'Why the code was repaired, or why it could not be.';
COMMENT ON COLUMN code_repairs.report_kind IS 'Report kind: 决算 or 预算.';
