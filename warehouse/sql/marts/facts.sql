-- facts: the contract's fact table (long format, one row per reported number).
CREATE VIEW facts AS
WITH staged AS (
    SELECT * FROM stg_facts
)

SELECT
    unit_id,
    year,
    table_name,
    subject_code,
    line_item,
    column_name,
    value,
    source_kind,
    extractor,
    document_sha256,
    page,
    raw_text,
    bbox,
    report_kind
FROM staged;

COMMENT ON VIEW facts IS 'Every reported number, table and narrative (data contract section 3). Key: unit_id, year, report_kind, table_name, coalesce(subject_code, line_item), column_name, source_kind. An absent fact means not reported / zero.';
COMMENT ON COLUMN facts.unit_id IS 'Unit id (units.unit_id).';
COMMENT ON COLUMN facts.year IS 'Fiscal year the report covers (not the publication year).';
COMMENT ON COLUMN facts.table_name IS 'Canonical table name, e.g. 一般公共预算财政拨款支出决算表.';
COMMENT ON COLUMN facts.subject_code IS '科目代码: functional 3/5/7 digits (类/款/项) or economic 3/5 digits; NULL for pure line items.';
COMMENT ON COLUMN facts.line_item IS 'Canonical line: catalogue name of a coded row, 合计 for a total row, or a label such as 本年收入合计, 收入总计, 支出总计.';
COMMENT ON COLUMN facts.column_name IS 'Canonical column header: 本年收入合计, 财政拨款收入, 本年支出合计, 基本支出, 项目支出, 小计, 金额, 决算数 ….';
COMMENT ON COLUMN facts.value IS 'Amount in 万元 (converted from 元/亿元 where the source said so); counts such as 车辆数 in 辆.';
COMMENT ON COLUMN facts.source_kind IS 'table (disclosure table) or narrative (情况说明 prose).';
COMMENT ON COLUMN facts.extractor IS 'Extraction strategy: text-table, camelot-lattice, camelot-stream, pdfium-stream, pdf-text, docx, ocr, narrative-regex.';
COMMENT ON COLUMN facts.document_sha256 IS 'SHA-256 of the raw document (documents.sha256).';
COMMENT ON COLUMN facts.page IS '1-based page in the source document, NULL where unknown.';
COMMENT ON COLUMN facts.raw_text IS 'The cell or sentence fragment exactly as read.';
COMMENT ON COLUMN facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
COMMENT ON COLUMN facts.report_kind IS 'Report kind: 决算 (final accounts, tables …决算表) or 预算 (budget disclosure, tables …预算表). Part of the key: filter on it (the analyst marts other than budget_vs_final hold 决算 figures only).';
