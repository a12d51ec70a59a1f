-- identity_summary: one row per validated report: how many identity checks ran, passed, rounded, failed.
CREATE VIEW identity_summary AS
WITH checks AS (
    SELECT * FROM stg_identity_findings
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
),

per_report AS (
    SELECT
        unit_id,
        year,
        report_kind,
        max(run_id) AS run_id,
        max(validated_at) AS validated_at,
        count(*) AS checks,
        count(*) FILTER (WHERE severity <> 'not_checkable') AS checked,
        count(*) FILTER (WHERE severity = 'passed') AS passed,
        count(*) FILTER (WHERE severity = 'rounding') AS rounding,
        count(*) FILTER (WHERE severity = 'warning') AS warnings,
        count(*) FILTER (WHERE severity = 'error') AS errors,
        count(*) FILTER (WHERE severity = 'not_checkable') AS not_checkable
    FROM checks
    GROUP BY unit_id, year, report_kind
)

SELECT
    per_report.unit_id,
    units.unit_name,
    per_report.year,
    per_report.checks,
    per_report.checked,
    per_report.passed,
    per_report.rounding,
    per_report.warnings,
    per_report.errors,
    per_report.not_checkable,
    CASE
        WHEN per_report.errors > 0 THEN 'error'
        WHEN per_report.warnings > 0 THEN 'warning'
        WHEN per_report.rounding > 0 THEN 'rounding'
        ELSE 'passed'
    END AS status,
    per_report.run_id,
    per_report.validated_at,
    per_report.report_kind
FROM per_report
LEFT JOIN units ON units.unit_id = per_report.unit_id
ORDER BY units.registry_order NULLS LAST, per_report.unit_id, per_report.year, per_report.report_kind;

COMMENT ON VIEW identity_summary IS 'Accounting identities per unit and year (latest validation run): checks run, checked, passed, rounding, warnings, errors, not checkable.';
COMMENT ON COLUMN identity_summary.unit_id IS 'Unit id.';
COMMENT ON COLUMN identity_summary.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN identity_summary.year IS 'Fiscal year.';
COMMENT ON COLUMN identity_summary.checks IS 'Number of identity checks formed for the report (checked + not_checkable).';
COMMENT ON COLUMN identity_summary.checked IS 'Number of checks whose both sides were reported.';
COMMENT ON COLUMN identity_summary.passed IS 'Number of checks that hold exactly.';
COMMENT ON COLUMN identity_summary.rounding IS 'Number of checks off by no more than 0.01 万元 per addend (rounding, a warning).';
COMMENT ON COLUMN identity_summary.warnings IS 'Number of soft-rule checks broken (rules 11 and 12, see docs/validation.md).';
COMMENT ON COLUMN identity_summary.errors IS 'Number of checks off by more than the rounding allowance.';
COMMENT ON COLUMN identity_summary.not_checkable IS 'Number of checks with a side missing (table not published, figure not stated, or table juesuan did not read reliably): reported, not passed.';
COMMENT ON COLUMN identity_summary.status IS 'Worst severity of the report: error, warning, rounding or passed.';
COMMENT ON COLUMN identity_summary.run_id IS 'Id of the validation run.';
COMMENT ON COLUMN identity_summary.validated_at IS 'When the run started (UTC).';
COMMENT ON COLUMN identity_summary.report_kind IS 'Report kind: 决算 or 预算 (one row per report: a unit-year with both has two).';
