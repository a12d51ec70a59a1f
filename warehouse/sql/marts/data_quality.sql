-- data_quality: can the numbers of a unit-year be trusted? One row per unit and year.
-- Joins what the warehouse holds (report_coverage: document, table vs narrative facts, code repairs)
-- with the accounting identities of the latest validation run (identity_summary), and says in one
-- word whether the figures reconcile, so every comparison can carry it beside its numbers.
CREATE VIEW data_quality AS
WITH coverage AS (
    SELECT * FROM report_coverage WHERE year IS NOT NULL
),

identities AS (
    SELECT * FROM identity_summary WHERE report_kind = '决算'
),

totals AS (
    SELECT unit_id, year, source FROM unit_year_totals
),

units AS (
    SELECT unit_id, registry_order FROM stg_units
)

SELECT
    coverage.unit_id,
    coverage.unit_name,
    coverage.year,
    coverage.document_status,
    totals.source AS figures_source,
    coverage.table_facts,
    coverage.narrative_facts,
    coverage.repaired_codes,
    coverage.unresolved_codes,
    coalesce(identities.checks, 0) AS checks,
    coalesce(identities.checked, 0) AS checked,
    coalesce(identities.passed, 0) AS passed,
    coalesce(identities.rounding, 0) AS rounding,
    coalesce(identities.warnings, 0) AS warnings,
    coalesce(identities.errors, 0) AS errors,
    coalesce(identities.not_checkable, 0) AS not_checkable,
    CAST(round(identities.checked / nullif(identities.checks, 0), 4) AS DOUBLE) AS checked_share,
    CASE
        WHEN coverage.table_facts + coverage.narrative_facts = 0 THEN 'no facts'
        WHEN identities.unit_id IS NULL THEN 'not validated'
        WHEN identities.checked = 0 THEN 'not checkable'
        WHEN identities.errors > 0 THEN 'errors'
        WHEN identities.warnings > 0 THEN 'warnings'
        WHEN identities.rounding > 0 THEN 'rounding'
        ELSE 'exact'
    END AS quality,
    CASE
        WHEN identities.unit_id IS NULL OR identities.checked = 0 THEN NULL
        ELSE identities.errors = 0
    END AS reconciles,
    identities.run_id AS validation_run_id
FROM coverage
LEFT JOIN identities ON identities.unit_id = coverage.unit_id AND identities.year = coverage.year
LEFT JOIN totals ON totals.unit_id = coverage.unit_id AND totals.year = coverage.year
LEFT JOIN units ON units.unit_id = coverage.unit_id
ORDER BY units.registry_order NULLS LAST, coverage.unit_id, coverage.year;

COMMENT ON VIEW data_quality IS 'Whether each unit-year''s figures can be trusted: where they came from (tables or narrative), code repairs, and the accounting identities of the latest validation run summed up in quality and reconciles. Join it on (unit_id, year) to any comparison.';
COMMENT ON COLUMN data_quality.unit_id IS 'Unit id.';
COMMENT ON COLUMN data_quality.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN data_quality.year IS 'Fiscal year.';
COMMENT ON COLUMN data_quality.document_status IS 'Status of the latest document of the unit-year: loaded, quarantined, withdrawn, failed; NULL when none was recorded.';
COMMENT ON COLUMN data_quality.figures_source IS 'Where the headline figures (unit_year_totals) came from: table, narrative or mixed.';
COMMENT ON COLUMN data_quality.table_facts IS 'Number of facts read from tables.';
COMMENT ON COLUMN data_quality.narrative_facts IS 'Number of facts read from the narrative.';
COMMENT ON COLUMN data_quality.repaired_codes IS 'Number of subject codes repaired from their names.';
COMMENT ON COLUMN data_quality.unresolved_codes IS 'Number of subject codes left unresolved (flagged, not guessed).';
COMMENT ON COLUMN data_quality.checks IS 'Identity checks formed for the unit-year (0 when not validated).';
COMMENT ON COLUMN data_quality.checked IS 'Checks with both sides reported.';
COMMENT ON COLUMN data_quality.passed IS 'Checks that hold exactly.';
COMMENT ON COLUMN data_quality.rounding IS 'Checks off by no more than 0.01 万元 per addend.';
COMMENT ON COLUMN data_quality.warnings IS 'Soft-rule checks broken (rules 11 and 12).';
COMMENT ON COLUMN data_quality.errors IS 'Checks off by more than the rounding allowance.';
COMMENT ON COLUMN data_quality.not_checkable IS 'Checks with a side missing (table not published, figure not stated, or table juesuan did not read reliably).';
COMMENT ON COLUMN data_quality.checked_share IS 'checked / checks (fraction 0–1): how much of the report the identities could test; narrative-only reports score low.';
COMMENT ON COLUMN data_quality.quality IS 'One word: exact (every check passed), rounding (differences within 0.01 万元 per addend only), warnings, errors, not checkable (no check had both sides), not validated (no validation run covers it), no facts.';
COMMENT ON COLUMN data_quality.reconciles IS 'True when no identity check is an error (rounding and soft warnings allowed), false when one is; NULL when not validated or nothing was checkable.';
COMMENT ON COLUMN data_quality.validation_run_id IS 'Id of the validation run the counts come from; NULL when not validated.';
