-- stg_waivers: the latest waiver of every check, whether it is in force today.
CREATE VIEW stg_waivers AS
WITH source AS (
    SELECT * FROM raw_waivers
),

latest AS (
    SELECT *
    FROM source
    QUALIFY row_number() OVER (PARTITION BY check_id ORDER BY waived_at DESC) = 1
)

SELECT
    CAST(check_id AS VARCHAR) AS check_id,
    CAST(unit_id AS VARCHAR) AS unit_id,
    CAST(year AS SMALLINT) AS year,
    CAST(reason AS VARCHAR) AS reason,
    CAST(waived_by AS VARCHAR) AS waived_by,
    CAST(waived_at AS TIMESTAMPTZ) AS waived_at,
    CAST(until AS DATE) AS until,
    CAST(severity AS VARCHAR) AS severity,
    CAST(left_value AS DECIMAL(20, 6)) AS left_value,
    CAST(right_value AS DECIMAL(20, 6)) AS right_value,
    action = 'waive'
    AND (until IS NULL OR until >= CAST(timezone('Asia/Shanghai', now()) AS DATE)) AS in_force
FROM latest;

COMMENT ON VIEW stg_waivers IS 'Staging: the latest waiver or revocation of every identity check (juesuan waive), and whether a waiver is in force today (China time).';
COMMENT ON COLUMN stg_waivers.check_id IS 'The identity check (identity_findings.check_id).';
COMMENT ON COLUMN stg_waivers.unit_id IS 'Unit id of the check.';
COMMENT ON COLUMN stg_waivers.year IS 'Fiscal year of the check.';
COMMENT ON COLUMN stg_waivers.reason IS 'Why the finding is known (or why the waiver was revoked).';
COMMENT ON COLUMN stg_waivers.waived_by IS 'Who waived (or revoked).';
COMMENT ON COLUMN stg_waivers.waived_at IS 'When (UTC).';
COMMENT ON COLUMN stg_waivers.until IS 'Last day the waiver holds (Asia/Shanghai); NULL: no expiry.';
COMMENT ON COLUMN stg_waivers.severity IS 'Severity of the finding when waived.';
COMMENT ON COLUMN stg_waivers.left_value IS 'Left side of the finding when waived, 万元.';
COMMENT ON COLUMN stg_waivers.right_value IS 'Right side of the finding when waived, 万元.';
COMMENT ON COLUMN stg_waivers.in_force IS 'True when the latest row is a waiver that has not expired (revoked or expired: false).';
