-- stg_restated_facts: the previous year's figures each report restates ("与上年相比，收入总计增加…"),
-- as facts of that earlier year. A restated figure counts only for a key (unit, year, table, row,
-- column) that no report of that unit-year states itself: the year's own report always wins, table
-- or narrative; superseded marks the others, kept so that a restatement can be set beside the original.
CREATE VIEW stg_restated_facts AS
WITH resolved AS (
    SELECT * FROM stg_resolved_facts
),

restated AS (
    SELECT * FROM resolved WHERE restated_from_year IS NOT NULL
),

reported_keys AS (
    SELECT DISTINCT unit_id, year, report_kind, table_name, subject_key, column_name
    FROM resolved
    WHERE restated_from_year IS NULL
)

SELECT
    restated.unit_id,
    restated.year,
    restated.restated_from_year,
    restated.report_kind,
    restated.table_name,
    restated.subject_code,
    restated.subject_key,
    restated.line_item,
    restated.subject_name,
    restated.subject_level,
    restated.classification,
    restated.column_name,
    restated.value,
    restated.source_kind,
    restated.extractor,
    restated.document_sha256,
    restated.page,
    restated.raw_text,
    restated.bbox,
    reported_keys.unit_id IS NOT NULL AS superseded
FROM restated
LEFT JOIN reported_keys
    ON reported_keys.unit_id = restated.unit_id
    AND reported_keys.year = restated.year
    AND reported_keys.report_kind = restated.report_kind
    AND reported_keys.table_name = restated.table_name
    AND reported_keys.subject_key = restated.subject_key
    AND reported_keys.column_name = restated.column_name;

COMMENT ON VIEW stg_restated_facts IS 'Staging: the previous year''s figures the reports restate (与上年相比 …), as narrative facts of that year; superseded when a report of that unit-year states the key itself.';
COMMENT ON COLUMN stg_restated_facts.unit_id IS 'Unit id from the source registry.';
COMMENT ON COLUMN stg_restated_facts.year IS 'Fiscal year the figure is of (SMALLINT): the year before the stating report''s.';
COMMENT ON COLUMN stg_restated_facts.restated_from_year IS 'Fiscal year of the report that restates the figure (year + 1).';
COMMENT ON COLUMN stg_restated_facts.table_name IS 'Canonical table name (data contract section 2).';
COMMENT ON COLUMN stg_restated_facts.subject_code IS '科目代码; NULL for a pure line item (收入总计, 合计 …).';
COMMENT ON COLUMN stg_restated_facts.subject_key IS 'coalesce(subject_code, line_item): the row key of the contract.';
COMMENT ON COLUMN stg_restated_facts.line_item IS 'Canonical line: catalogue name of a coded row, 合计, or a canonical label.';
COMMENT ON COLUMN stg_restated_facts.subject_name IS 'Catalogue name of subject_code in the figure''s year (nearest edition otherwise); NULL for line items and unknown codes.';
COMMENT ON COLUMN stg_restated_facts.subject_level IS '类 / 款 / 项 of subject_code; NULL for line items.';
COMMENT ON COLUMN stg_restated_facts.classification IS 'functional or economic, from the catalogue; NULL for line items and unknown codes.';
COMMENT ON COLUMN stg_restated_facts.column_name IS 'Canonical column header.';
COMMENT ON COLUMN stg_restated_facts.value IS 'Last year''s figure derived from the stated change, DECIMAL(20,6): amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN stg_restated_facts.source_kind IS 'narrative.';
COMMENT ON COLUMN stg_restated_facts.extractor IS 'Extraction strategy that read the change.';
COMMENT ON COLUMN stg_restated_facts.document_sha256 IS 'SHA-256 of the report that restates the figure (of restated_from_year).';
COMMENT ON COLUMN stg_restated_facts.page IS '1-based page of the sentence in that report, NULL where unknown.';
COMMENT ON COLUMN stg_restated_facts.raw_text IS 'The sentence exactly as read, from this year''s figure to the change against last year.';
COMMENT ON COLUMN stg_restated_facts.superseded IS 'True when a report of the unit-year states the same key itself (its figure is used; this one is not).';
COMMENT ON COLUMN stg_restated_facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
COMMENT ON COLUMN stg_restated_facts.report_kind IS 'Report kind of the restating report and of the figure: a 决算 restates last year''s 决算, a 预算 last year''s 预算.';
