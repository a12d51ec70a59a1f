-- raw_prior_year_facts: every prior-year partition of the lake
-- ({lake}/prior_year_facts/year=…/unit_id=…/prior_year_facts.parquet), as stored. The partition is the
-- report that states the figures (year); the figures themselves are of fact_year = year - 1.
CREATE TABLE raw_prior_year_facts (
    unit_id VARCHAR,
    year SMALLINT,
    fact_year SMALLINT,
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

COMMENT ON TABLE raw_prior_year_facts IS 'Raw layer: the previous year''s figures each report restates (与上年相比 …), loaded as stored in the partition of the stating report. Use the view restated_facts instead.';
COMMENT ON COLUMN raw_prior_year_facts.unit_id IS 'Unit id from the source registry (hive partition unit_id=…).';
COMMENT ON COLUMN raw_prior_year_facts.year IS 'Fiscal year of the report that restates the figures (hive partition year=…); the figures are of fact_year.';
COMMENT ON COLUMN raw_prior_year_facts.fact_year IS 'Fiscal year the figures are of: year - 1.';
COMMENT ON COLUMN raw_prior_year_facts.table_name IS 'Canonical table name (data contract section 2) of the figure restated.';
COMMENT ON COLUMN raw_prior_year_facts.subject_code IS '科目代码: functional 3/5/7 digits or economic 3/5 digits; NULL for a pure line item.';
COMMENT ON COLUMN raw_prior_year_facts.line_item IS 'Canonical line: catalogue name of a coded row, 合计 for a total row, or a canonical label such as 收入总计.';
COMMENT ON COLUMN raw_prior_year_facts.column_name IS 'Canonical column header (金额, 小计, 决算数, 统计数 …).';
COMMENT ON COLUMN raw_prior_year_facts.value IS 'Last year''s figure derived from the change the report states: amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN raw_prior_year_facts.source_kind IS 'narrative: the figures are read from the 情况说明 prose.';
COMMENT ON COLUMN raw_prior_year_facts.extractor IS 'Extraction strategy that read the change (narrative-regex).';
COMMENT ON COLUMN raw_prior_year_facts.document_sha256 IS 'SHA-256 of the report that restates the figure (documents.sha256), not of a report of fact_year.';
COMMENT ON COLUMN raw_prior_year_facts.page IS '1-based page of the sentence in the stating report, NULL where unknown.';
COMMENT ON COLUMN raw_prior_year_facts.raw_text IS 'The sentence exactly as read, from this year''s figure to the change against last year.';
COMMENT ON COLUMN raw_prior_year_facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
COMMENT ON COLUMN raw_prior_year_facts.report_kind IS 'Report kind: 决算 (from {dataset}.parquet) or 预算 (from {dataset}.budget.parquet in the same partition), as the file name says.';
