-- raw_waivers: {lake}/waivers.parquet, the log of acknowledged identity findings (juesuan waive).
CREATE TABLE raw_waivers (
    check_id VARCHAR,
    unit_id VARCHAR,
    year SMALLINT,
    action VARCHAR,
    reason VARCHAR,
    waived_by VARCHAR,
    waived_at TIMESTAMPTZ,
    until DATE,
    severity VARCHAR,
    left_value DECIMAL(20, 6),
    right_value DECIMAL(20, 6)
);

COMMENT ON TABLE raw_waivers IS 'Raw layer: the lake''s waivers.parquet, one row per waiver or revocation (a log, never rewritten). Use identity_findings.waived instead.';
COMMENT ON COLUMN raw_waivers.check_id IS 'The identity check waived (identity_findings.check_id).';
COMMENT ON COLUMN raw_waivers.unit_id IS 'Unit id of the check.';
COMMENT ON COLUMN raw_waivers.year IS 'Fiscal year of the check.';
COMMENT ON COLUMN raw_waivers.action IS 'waive (the finding is known and needs no correction) or revoke (the waiver is withdrawn).';
COMMENT ON COLUMN raw_waivers.reason IS 'Why the finding is known (juesuan waive --reason).';
COMMENT ON COLUMN raw_waivers.waived_by IS 'Who waived or revoked (juesuan waive --by, default the login name).';
COMMENT ON COLUMN raw_waivers.waived_at IS 'When the row was recorded (UTC).';
COMMENT ON COLUMN raw_waivers.until IS 'Last day the waiver holds (Asia/Shanghai); NULL: no expiry.';
COMMENT ON COLUMN raw_waivers.severity IS 'Severity of the finding when it was waived; the waiver covers it only while it stays the same.';
COMMENT ON COLUMN raw_waivers.left_value IS 'Left side of the finding when it was waived, 万元; the waiver covers it only while it stays the same.';
COMMENT ON COLUMN raw_waivers.right_value IS 'Right side of the finding when it was waived, 万元; the waiver covers it only while it stays the same.';
