-- stg_facts: the contract's fact table, typed, with each coded row resolved against the catalogue:
-- the facts of the reports themselves. The previous year's figures a report restates are not facts
-- of a report of that year (stg_restated_facts holds them).
CREATE VIEW stg_facts AS
WITH resolved AS (
    SELECT * FROM stg_resolved_facts
)

SELECT
    unit_id,
    year,
    report_kind,
    table_name,
    subject_code,
    subject_key,
    line_item,
    subject_name,
    subject_level,
    classification,
    column_name,
    value,
    source_kind,
    extractor,
    document_sha256,
    page,
    raw_text,
    bbox
FROM resolved
WHERE restated_from_year IS NULL;

COMMENT ON VIEW stg_facts IS 'Staging: every fact (table and narrative), typed, with its subject resolved against the catalogue.';
COMMENT ON COLUMN stg_facts.unit_id IS 'Unit id from the source registry.';
COMMENT ON COLUMN stg_facts.year IS 'Fiscal year the report covers (SMALLINT).';
COMMENT ON COLUMN stg_facts.table_name IS 'Canonical table name (data contract section 2).';
COMMENT ON COLUMN stg_facts.subject_code IS '科目代码; NULL for a pure line item (合计, 本年收入合计 …).';
COMMENT ON COLUMN stg_facts.subject_key IS 'coalesce(subject_code, line_item): the row key of the contract.';
COMMENT ON COLUMN stg_facts.line_item IS 'Canonical line: catalogue name of a coded row, 合计, or a canonical label.';
COMMENT ON COLUMN stg_facts.subject_name IS 'Catalogue name of subject_code in the fact''s year (nearest edition otherwise); NULL for line items and unknown codes.';
COMMENT ON COLUMN stg_facts.subject_level IS '类 / 款 / 项 of subject_code (from the catalogue, else from the code length); NULL for line items.';
COMMENT ON COLUMN stg_facts.classification IS 'functional or economic, from the catalogue; NULL for line items and unknown codes.';
COMMENT ON COLUMN stg_facts.column_name IS 'Canonical column header.';
COMMENT ON COLUMN stg_facts.value IS 'Reported number, DECIMAL(20,6): amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN stg_facts.source_kind IS 'table or narrative.';
COMMENT ON COLUMN stg_facts.extractor IS 'Extraction strategy that read the number.';
COMMENT ON COLUMN stg_facts.document_sha256 IS 'SHA-256 of the source document.';
COMMENT ON COLUMN stg_facts.page IS '1-based page in the source document, NULL where unknown.';
COMMENT ON COLUMN stg_facts.raw_text IS 'The cell or sentence fragment exactly as read.';
COMMENT ON COLUMN stg_facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
COMMENT ON COLUMN stg_facts.report_kind IS 'Report kind: 决算 (final accounts) or 预算 (budget disclosure); the marts that mean 决算 keep only 决算 rows.';
