-- raw_facts: every fact partition of the lake ({lake}/facts/year=…/unit_id=…/facts.parquet), as stored.
CREATE TABLE raw_facts (
    unit_id VARCHAR,
    year SMALLINT,
    table_name VARCHAR,
    subject_code VARCHAR,
    line_item VARCHAR,
    column_name VARCHAR,
    value DECIMAL(20, 6),
    source_kind VARCHAR,
    extractor VARCHAR,
    document_sha256 VARCHAR,
    page INTEGER,
    raw_text VARCHAR,
    bbox DOUBLE[],
    report_kind VARCHAR
);

COMMENT ON TABLE raw_facts IS 'Raw layer: the lake''s fact partitions loaded as they are (hive partitions year, unit_id). Use the view facts instead.';
COMMENT ON COLUMN raw_facts.unit_id IS 'Unit id from the source registry (hive partition unit_id=…).';
COMMENT ON COLUMN raw_facts.year IS 'Fiscal year the report covers (hive partition year=…).';
COMMENT ON COLUMN raw_facts.table_name IS 'Canonical table name (data contract section 2).';
COMMENT ON COLUMN raw_facts.subject_code IS '科目代码: functional 3/5/7 digits or economic 3/5 digits; NULL for a pure line item.';
COMMENT ON COLUMN raw_facts.line_item IS 'Canonical line: catalogue name of a coded row, 合计 for a total row, or a canonical label such as 本年收入合计.';
COMMENT ON COLUMN raw_facts.column_name IS 'Canonical column header (本年支出合计, 基本支出, 小计, 金额, 决算数 …).';
COMMENT ON COLUMN raw_facts.value IS 'Reported number: amount in 万元 (converted from 元/亿元 where the source said so); counts such as 车辆数 in 辆.';
COMMENT ON COLUMN raw_facts.source_kind IS 'table (read from a disclosure table) or narrative (read from the 情况说明 prose).';
COMMENT ON COLUMN raw_facts.extractor IS 'Extraction strategy that read the number (text-table, camelot-lattice, narrative-regex …).';
COMMENT ON COLUMN raw_facts.document_sha256 IS 'SHA-256 of the raw document the number came from (documents.sha256).';
COMMENT ON COLUMN raw_facts.page IS '1-based page in the source document, NULL where unknown.';
COMMENT ON COLUMN raw_facts.raw_text IS 'The cell or sentence fragment exactly as read.';
COMMENT ON COLUMN raw_facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
COMMENT ON COLUMN raw_facts.report_kind IS 'Report kind: 决算 (from {dataset}.parquet) or 预算 (from {dataset}.budget.parquet in the same partition), as the file name says.';
