-- stg_resolved_facts: every fact row of the lake, typed, with each coded row resolved against the
-- catalogue (name, level and classification of the edition valid in the fact's year, else the nearest
-- edition): the reports' own facts and the previous year's figures they restate, told apart by
-- restated_from_year. stg_facts and stg_restated_facts split it again; resolving both in one place
-- keeps a restated figure's subject name the same as the report's own.
CREATE VIEW stg_resolved_facts AS
WITH source AS (
    SELECT
        unit_id, year, table_name, subject_code, line_item, column_name, value, source_kind, extractor,
        document_sha256, page, raw_text, bbox, NULL::SMALLINT AS restated_from_year, report_kind
    FROM raw_facts
    UNION ALL
    SELECT
        unit_id, fact_year AS year, table_name, subject_code, line_item, column_name, value, source_kind,
        extractor, document_sha256, page, raw_text, bbox, year AS restated_from_year, report_kind
    FROM raw_prior_year_facts
),

typed AS (
    SELECT
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        CAST(table_name AS VARCHAR) AS table_name,
        CAST(subject_code AS VARCHAR) AS subject_code,
        coalesce(CAST(subject_code AS VARCHAR), CAST(line_item AS VARCHAR)) AS subject_key,
        CAST(line_item AS VARCHAR) AS line_item,
        CAST(column_name AS VARCHAR) AS column_name,
        CAST(value AS DECIMAL(20, 6)) AS value,
        CAST(source_kind AS VARCHAR) AS source_kind,
        CAST(extractor AS VARCHAR) AS extractor,
        CAST(document_sha256 AS VARCHAR) AS document_sha256,
        CAST(page AS INTEGER) AS page,
        CAST(raw_text AS VARCHAR) AS raw_text,
        CAST(bbox AS DOUBLE[]) AS bbox,
        CAST(restated_from_year AS SMALLINT) AS restated_from_year,
        coalesce(CAST(report_kind AS VARCHAR), '决算') AS report_kind,
        CASE
            WHEN table_name = '一般公共预算财政拨款基本支出决算表' THEN 'economic'
            WHEN table_name = '一般公共预算财政拨款项目支出决算表' THEN NULL
            ELSE 'functional'
        END AS expected_classification
    FROM source
),

catalogue AS (
    SELECT * FROM stg_subjects
),

-- The resolution depends only on the code, the year and the classification the table expects: it is
-- chosen once per such combination (thousands), not once per fact (millions), then joined back.
lookups AS (
    SELECT DISTINCT subject_code, year, expected_classification
    FROM typed
    WHERE subject_code IS NOT NULL
),

chosen AS (
    SELECT
        lookups.subject_code,
        lookups.year,
        lookups.expected_classification,
        catalogue.subject_name,
        catalogue.subject_level AS catalogue_level,
        catalogue.classification
    FROM lookups
    JOIN catalogue ON catalogue.subject_code = lookups.subject_code
    QUALIFY row_number() OVER (
        PARTITION BY lookups.subject_code, lookups.year, lookups.expected_classification
        ORDER BY
            (catalogue.classification IS NOT DISTINCT FROM lookups.expected_classification) DESC,
            greatest(
                catalogue.valid_from_year - lookups.year,
                lookups.year - coalesce(catalogue.valid_to_year, lookups.year),
                0
            ),
            catalogue.valid_from_year DESC,
            catalogue.classification
    ) = 1
),

resolved AS (
    SELECT
        typed.*,
        chosen.subject_name,
        chosen.catalogue_level,
        chosen.classification
    FROM typed
    LEFT JOIN chosen
        ON chosen.subject_code = typed.subject_code
        AND chosen.year = typed.year
        AND chosen.expected_classification IS NOT DISTINCT FROM typed.expected_classification
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
    coalesce(
        catalogue_level,
        CASE length(subject_code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' END
    ) AS subject_level,
    classification,
    column_name,
    value,
    source_kind,
    extractor,
    document_sha256,
    page,
    raw_text,
    bbox,
    restated_from_year
FROM resolved;

COMMENT ON VIEW stg_resolved_facts IS 'Staging: every fact row of the lake, the reports'' own (restated_from_year NULL) and the previous year''s figures they restate, typed, with its subject resolved against the catalogue. Read stg_facts or stg_restated_facts.';
COMMENT ON COLUMN stg_resolved_facts.unit_id IS 'Unit id from the source registry.';
COMMENT ON COLUMN stg_resolved_facts.year IS 'Fiscal year the figure is of (SMALLINT): the report''s year, or the year before it for a restated figure.';
COMMENT ON COLUMN stg_resolved_facts.table_name IS 'Canonical table name (data contract section 2).';
COMMENT ON COLUMN stg_resolved_facts.subject_code IS '科目代码; NULL for a pure line item (合计, 本年收入合计 …).';
COMMENT ON COLUMN stg_resolved_facts.subject_key IS 'coalesce(subject_code, line_item): the row key of the contract.';
COMMENT ON COLUMN stg_resolved_facts.line_item IS 'Canonical line: catalogue name of a coded row, 合计, or a canonical label.';
COMMENT ON COLUMN stg_resolved_facts.subject_name IS 'Catalogue name of subject_code in the fact''s year (nearest edition otherwise); NULL for line items and unknown codes.';
COMMENT ON COLUMN stg_resolved_facts.subject_level IS '类 / 款 / 项 of subject_code (from the catalogue, else from the code length); NULL for line items.';
COMMENT ON COLUMN stg_resolved_facts.classification IS 'functional or economic, from the catalogue; NULL for line items and unknown codes.';
COMMENT ON COLUMN stg_resolved_facts.column_name IS 'Canonical column header.';
COMMENT ON COLUMN stg_resolved_facts.value IS 'Reported number, DECIMAL(20,6): amount in 万元; counts such as 车辆数 in 辆.';
COMMENT ON COLUMN stg_resolved_facts.source_kind IS 'table or narrative.';
COMMENT ON COLUMN stg_resolved_facts.extractor IS 'Extraction strategy that read the number.';
COMMENT ON COLUMN stg_resolved_facts.document_sha256 IS 'SHA-256 of the source document.';
COMMENT ON COLUMN stg_resolved_facts.page IS '1-based page in the source document, NULL where unknown.';
COMMENT ON COLUMN stg_resolved_facts.raw_text IS 'The cell or sentence fragment exactly as read.';
COMMENT ON COLUMN stg_resolved_facts.restated_from_year IS 'NULL for a report''s own fact; for a restated figure, the year of the report that restates it (year + 1).';
COMMENT ON COLUMN stg_resolved_facts.bbox IS 'Where on the page the number is printed: [x0, y0, x1, y1] in PDF points, origin bottom-left of the page as displayed (the cell''s glyphs, or the figure in its sentence); NULL for text exports, DOCX and readers without positions.';
COMMENT ON COLUMN stg_resolved_facts.report_kind IS 'Report kind: 决算 (final accounts) or 预算 (budget disclosure); the marts that mean 决算 keep only 决算 rows.';
