-- restated_facts: the previous year's figures each report restates, beside the figure a report of that
-- year gives for the same key, if any. year_over_year uses the ones not superseded as last year's
-- figures; facts and the per-report marts never hold them (they are no report of that year).
CREATE VIEW restated_facts AS
WITH restated AS (
    SELECT * FROM stg_restated_facts WHERE report_kind = '决算'
),

reported AS (
    SELECT unit_id, year, table_name, subject_key, column_name, value FROM preferred_facts
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    restated.unit_id,
    units.unit_name,
    restated.year,
    restated.restated_from_year,
    restated.table_name,
    restated.subject_code,
    restated.subject_key,
    coalesce(restated.subject_name, restated.line_item) AS subject_name,
    restated.column_name,
    restated.value,
    restated.superseded,
    reported.value AS reported_value,
    restated.source_kind,
    restated.document_sha256,
    restated.page,
    restated.raw_text,
    restated.bbox
FROM restated
LEFT JOIN reported
    ON reported.unit_id = restated.unit_id
    AND reported.year = restated.year
    AND reported.table_name = restated.table_name
    AND reported.subject_key = restated.subject_key
    AND reported.column_name = restated.column_name
LEFT JOIN units ON units.unit_id = restated.unit_id
ORDER BY
    units.registry_order NULLS LAST, restated.unit_id, restated.year, restated.table_name, restated.subject_key,
    restated.column_name;

COMMENT ON VIEW restated_facts IS 'Last year''s figures restated by each report (与上年相比 … 增加/减少/持平: previous = current - increase, + decrease), as narrative facts of that year. Not in facts: no report of that year stated them. superseded when a report of that year states the key itself (its figure, reported_value, wins).';
COMMENT ON COLUMN restated_facts.unit_id IS 'Unit id.';
COMMENT ON COLUMN restated_facts.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN restated_facts.year IS 'Fiscal year the figure is of (the year before the stating report).';
COMMENT ON COLUMN restated_facts.restated_from_year IS 'Fiscal year of the report that restates the figure (year + 1).';
COMMENT ON COLUMN restated_facts.table_name IS 'Canonical table name of the figure restated.';
COMMENT ON COLUMN restated_facts.subject_code IS '科目代码; NULL for a line item such as 收入总计.';
COMMENT ON COLUMN restated_facts.subject_key IS 'coalesce(subject_code, line_item): the row key.';
COMMENT ON COLUMN restated_facts.subject_name IS 'Catalogue name of the subject, or the line item.';
COMMENT ON COLUMN restated_facts.column_name IS 'Canonical column header.';
COMMENT ON COLUMN restated_facts.value IS 'The figure as the later report restates it: amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN restated_facts.superseded IS 'True when a report of the unit-year states the key itself: year_over_year then uses reported_value, not value.';
COMMENT ON COLUMN restated_facts.reported_value IS 'The figure the report of that year gives for the key (table preferred, else narrative), 万元; NULL when no report of that year states it.';
COMMENT ON COLUMN restated_facts.source_kind IS 'narrative (read from the 情况说明 prose of the later report).';
COMMENT ON COLUMN restated_facts.document_sha256 IS 'SHA-256 of the report that restates the figure (documents.sha256 of restated_from_year).';
COMMENT ON COLUMN restated_facts.page IS '1-based page of the sentence in that report, NULL where unknown.';
COMMENT ON COLUMN restated_facts.raw_text IS 'The sentence exactly as read, from this year''s figure to the change against last year.';
COMMENT ON COLUMN restated_facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
