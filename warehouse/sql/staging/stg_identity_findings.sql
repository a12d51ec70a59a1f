-- stg_identity_findings: identity checks of the latest validation run, typed for joins.
CREATE VIEW stg_identity_findings AS
WITH source AS (
    SELECT * FROM raw_identity_findings
),

renamed AS (
    SELECT
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        coalesce(CAST(report_kind AS VARCHAR), '决算') AS report_kind,
        CAST(run_id AS VARCHAR) AS run_id,
        CAST(validated_at AS TIMESTAMPTZ) AS validated_at,
        CAST(check_id AS VARCHAR) AS check_id,
        CAST(rule_id AS VARCHAR) AS rule_id,
        CAST(rule_name AS VARCHAR) AS rule_name,
        CAST(family AS VARCHAR) AS family,
        CAST(check_name AS VARCHAR) AS check_name,
        CAST(severity AS VARCHAR) AS severity,
        CAST(table_name AS VARCHAR) AS table_name,
        CAST(other_table_name AS VARCHAR) AS other_table_name,
        CAST(subject_code AS VARCHAR) AS subject_code,
        CAST(line_item AS VARCHAR) AS line_item,
        CAST(column_name AS VARCHAR) AS column_name,
        CAST(left_value AS DECIMAL(20, 6)) AS left_value,
        CAST(right_value AS DECIMAL(20, 6)) AS right_value,
        CAST(difference AS DECIMAL(20, 6)) AS difference,
        CAST(tolerance AS DECIMAL(20, 6)) AS tolerance,
        CAST(left_expression AS VARCHAR) AS left_expression,
        CAST(right_expression AS VARCHAR) AS right_expression,
        CAST(left_source_kind AS VARCHAR) AS left_source_kind,
        CAST(right_source_kind AS VARCHAR) AS right_source_kind,
        CAST(left_pages AS INTEGER[]) AS left_pages,
        CAST(right_pages AS INTEGER[]) AS right_pages,
        CAST(left_document_sha256 AS VARCHAR) AS left_document_sha256,
        CAST(right_document_sha256 AS VARCHAR) AS right_document_sha256,
        CAST(message AS VARCHAR) AS message
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_identity_findings IS 'Staging: every identity check of the latest validation run per report (passed ones included).';
COMMENT ON COLUMN stg_identity_findings.unit_id IS 'Unit id.';
COMMENT ON COLUMN stg_identity_findings.year IS 'Fiscal year.';
COMMENT ON COLUMN stg_identity_findings.run_id IS 'Id of the validation run.';
COMMENT ON COLUMN stg_identity_findings.validated_at IS 'When the run started (UTC).';
COMMENT ON COLUMN stg_identity_findings.check_id IS 'Unique id of the check: unit/year/rule/table/line/column/form.';
COMMENT ON COLUMN stg_identity_findings.rule_id IS 'Rule: R01 … R13 the identities of contract section 5, R14 … R31 the checks beyond arithmetic.';
COMMENT ON COLUMN stg_identity_findings.rule_name IS 'Name of the rule.';
COMMENT ON COLUMN stg_identity_findings.family IS 'within_table, across_tables, table_vs_narrative, narrative_claims, structure, hygiene, across_years or performance.';
COMMENT ON COLUMN stg_identity_findings.check_name IS 'Form of the rule checked, e.g. 类 = Σ 款.';
COMMENT ON COLUMN stg_identity_findings.severity IS 'passed, rounding, warning, error or not_checkable.';
COMMENT ON COLUMN stg_identity_findings.table_name IS 'Canonical table of the left side.';
COMMENT ON COLUMN stg_identity_findings.other_table_name IS 'Canonical table of the right side.';
COMMENT ON COLUMN stg_identity_findings.subject_code IS '科目代码 of the line, NULL for a pure line item.';
COMMENT ON COLUMN stg_identity_findings.line_item IS 'Canonical line of the left side.';
COMMENT ON COLUMN stg_identity_findings.column_name IS 'Canonical column of the left side.';
COMMENT ON COLUMN stg_identity_findings.left_value IS 'Left side in 万元 (counts in 辆/台套); NULL when missing.';
COMMENT ON COLUMN stg_identity_findings.right_value IS 'Right side in 万元 (counts in 辆/台套); NULL when missing.';
COMMENT ON COLUMN stg_identity_findings.difference IS 'left_value − right_value in 万元; NULL when not checkable.';
COMMENT ON COLUMN stg_identity_findings.tolerance IS 'Rounding allowance in 万元: 0.01 per addend, 0 for counts.';
COMMENT ON COLUMN stg_identity_findings.left_expression IS 'The figures of the left side, or why it is missing.';
COMMENT ON COLUMN stg_identity_findings.right_expression IS 'The figures of the right side, or why it is missing.';
COMMENT ON COLUMN stg_identity_findings.left_source_kind IS 'table, narrative or mixed.';
COMMENT ON COLUMN stg_identity_findings.right_source_kind IS 'table, narrative or mixed.';
COMMENT ON COLUMN stg_identity_findings.left_pages IS '1-based pages of the left figures (empty when unknown).';
COMMENT ON COLUMN stg_identity_findings.right_pages IS '1-based pages of the right figures (empty when unknown).';
COMMENT ON COLUMN stg_identity_findings.left_document_sha256 IS 'SHA-256 of the left figures'' document.';
COMMENT ON COLUMN stg_identity_findings.right_document_sha256 IS 'SHA-256 of the right figures'' document.';
COMMENT ON COLUMN stg_identity_findings.message IS 'The finding in one line.';
COMMENT ON COLUMN stg_identity_findings.report_kind IS 'Report kind: 决算 or 预算 (NULL in the lake reads as 决算).';
