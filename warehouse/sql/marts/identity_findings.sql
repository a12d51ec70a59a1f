-- identity_findings: what the stewards must look at — every identity check that did not simply pass.
CREATE VIEW identity_findings AS
WITH checks AS (
    SELECT * FROM stg_identity_findings
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
),

waivers AS (
    SELECT * FROM stg_waivers WHERE in_force
)

SELECT
    checks.unit_id,
    units.unit_name,
    checks.year,
    checks.rule_id,
    checks.rule_name,
    checks.check_name,
    checks.severity,
    checks.table_name,
    checks.other_table_name,
    checks.subject_code,
    checks.line_item,
    checks.column_name,
    checks.left_value,
    checks.right_value,
    checks.difference,
    checks.tolerance,
    checks.left_expression,
    checks.right_expression,
    checks.left_source_kind,
    checks.right_source_kind,
    checks.left_pages,
    checks.right_pages,
    checks.left_document_sha256,
    checks.right_document_sha256,
    checks.message,
    checks.family,
    checks.check_id,
    checks.run_id,
    checks.validated_at,
    waivers.check_id IS NOT NULL AS waived,
    waivers.reason AS waived_reason,
    waivers.waived_by,
    waivers.waived_at,
    waivers.until AS waived_until,
    checks.report_kind
FROM checks
LEFT JOIN units ON units.unit_id = checks.unit_id
-- A waiver covers the finding as it was waived: same check, severity and figures.
LEFT JOIN waivers
    ON waivers.check_id = checks.check_id
    AND waivers.severity = checks.severity
    AND waivers.left_value IS NOT DISTINCT FROM checks.left_value
    AND waivers.right_value IS NOT DISTINCT FROM checks.right_value
WHERE checks.severity <> 'passed'
ORDER BY
    units.registry_order NULLS LAST,
    checks.unit_id,
    checks.year,
    CASE checks.severity WHEN 'error' THEN 1 WHEN 'warning' THEN 2 WHEN 'rounding' THEN 3 ELSE 4 END,
    checks.rule_id,
    checks.check_id;

COMMENT ON VIEW identity_findings IS 'Accounting-identity findings (勾稽关系, contract section 5) of the latest validation run: errors, warnings, rounding and not-checkable checks, with both sides, the difference and where to look. Passed checks are counted in identity_summary.';
COMMENT ON COLUMN identity_findings.unit_id IS 'Unit id.';
COMMENT ON COLUMN identity_findings.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN identity_findings.year IS 'Fiscal year.';
COMMENT ON COLUMN identity_findings.rule_id IS 'Rule: R01 … R13 the identities of contract section 5, R14 … R31 the checks beyond arithmetic (docs/validation.md).';
COMMENT ON COLUMN identity_findings.rule_name IS 'Name of the rule.';
COMMENT ON COLUMN identity_findings.check_name IS 'Form of the rule checked, e.g. 类 = Σ 款.';
COMMENT ON COLUMN identity_findings.severity IS 'error (off by more than 0.01 万元 per addend), warning (soft rules 11 and 12), rounding (off by no more than that), not_checkable (a side missing: table not published, figure not stated, or table juesuan did not read reliably — never an error of the unit).';
COMMENT ON COLUMN identity_findings.table_name IS 'Canonical table of the left side (where to look first).';
COMMENT ON COLUMN identity_findings.other_table_name IS 'Canonical table of the right side.';
COMMENT ON COLUMN identity_findings.subject_code IS '科目代码 of the line, NULL for a pure line item.';
COMMENT ON COLUMN identity_findings.line_item IS 'Canonical line of the left side.';
COMMENT ON COLUMN identity_findings.column_name IS 'Canonical column of the left side.';
COMMENT ON COLUMN identity_findings.left_value IS 'Left side in 万元 (counts in 辆/台套); NULL when missing.';
COMMENT ON COLUMN identity_findings.right_value IS 'Right side in 万元 (counts in 辆/台套); NULL when missing.';
COMMENT ON COLUMN identity_findings.difference IS 'left_value − right_value in 万元; NULL when not checkable.';
COMMENT ON COLUMN identity_findings.tolerance IS 'Rounding allowance in 万元: 0.01 per addend, 0 for counts.';
COMMENT ON COLUMN identity_findings.left_expression IS 'The figures of the left side, or why it is missing.';
COMMENT ON COLUMN identity_findings.right_expression IS 'The figures of the right side, or why it is missing.';
COMMENT ON COLUMN identity_findings.left_pages IS '1-based pages of the left figures (empty for text exports).';
COMMENT ON COLUMN identity_findings.right_pages IS '1-based pages of the right figures (empty for text exports).';
COMMENT ON COLUMN identity_findings.left_document_sha256 IS 'SHA-256 of the left figures'' document (documents.sha256).';
COMMENT ON COLUMN identity_findings.right_document_sha256 IS 'SHA-256 of the right figures'' document (documents.sha256).';
COMMENT ON COLUMN identity_findings.message IS 'The finding in one line, as in the stewards'' e-mail.';
COMMENT ON COLUMN identity_findings.family IS 'Suite: within_table, across_tables, table_vs_narrative, narrative_claims, structure, hygiene, across_years or performance.';
COMMENT ON COLUMN identity_findings.check_id IS 'Unique id of the check (as shown in the Data Docs).';
COMMENT ON COLUMN identity_findings.run_id IS 'Id of the validation run.';
COMMENT ON COLUMN identity_findings.validated_at IS 'When the run started (UTC).';
COMMENT ON COLUMN identity_findings.waived IS 'True when a waiver in force (juesuan waive) covers the finding as it stands: known, needs no correction, not mailed as new.';
COMMENT ON COLUMN identity_findings.waived_reason IS 'Why it was waived (NULL when not waived).';
COMMENT ON COLUMN identity_findings.waived_by IS 'Who waived it (NULL when not waived).';
COMMENT ON COLUMN identity_findings.waived_at IS 'When it was waived, UTC (NULL when not waived).';
COMMENT ON COLUMN identity_findings.waived_until IS 'Last day the waiver holds, Asia/Shanghai; NULL: no expiry or not waived.';
COMMENT ON COLUMN identity_findings.left_source_kind IS 'Where the left figures come from: table, narrative or mixed (NULL when none).';
COMMENT ON COLUMN identity_findings.right_source_kind IS 'Where the right figures come from: table, narrative or mixed (NULL when none).';
COMMENT ON COLUMN identity_findings.report_kind IS 'Report kind of the report checked: 决算 (rules R…) or 预算 (rules B…).';
