-- raw_identity_findings: {lake}/identity_findings/year=…/unit_id=…/identity_findings.parquet, one row per identity check.
CREATE TABLE raw_identity_findings (
    unit_id VARCHAR,
    year SMALLINT,
    run_id VARCHAR,
    validated_at TIMESTAMPTZ,
    check_id VARCHAR,
    rule_id VARCHAR,
    rule_name VARCHAR,
    family VARCHAR,
    check_name VARCHAR,
    severity VARCHAR,
    table_name VARCHAR,
    other_table_name VARCHAR,
    subject_code VARCHAR,
    line_item VARCHAR,
    column_name VARCHAR,
    left_value DECIMAL(20, 6),
    right_value DECIMAL(20, 6),
    difference DECIMAL(20, 6),
    tolerance DECIMAL(20, 6),
    left_expression VARCHAR,
    right_expression VARCHAR,
    left_source_kind VARCHAR,
    right_source_kind VARCHAR,
    left_pages INTEGER[],
    right_pages INTEGER[],
    left_document_sha256 VARCHAR,
    right_document_sha256 VARCHAR,
    message VARCHAR,
    report_kind VARCHAR
);

COMMENT ON TABLE raw_identity_findings IS 'Raw layer: every accounting-identity check (勾稽关系, contract section 5) of the latest validation run, per report, passed ones included. Use the views identity_findings and identity_summary instead.';
COMMENT ON COLUMN raw_identity_findings.unit_id IS 'Unit id (hive partition unit_id=…).';
COMMENT ON COLUMN raw_identity_findings.year IS 'Fiscal year (hive partition year=…).';
COMMENT ON COLUMN raw_identity_findings.run_id IS 'Id of the validation run that produced the row.';
COMMENT ON COLUMN raw_identity_findings.validated_at IS 'When that run started (UTC).';
COMMENT ON COLUMN raw_identity_findings.check_id IS 'Unique id of the check: unit/year/rule/table/line/column/form.';
COMMENT ON COLUMN raw_identity_findings.rule_id IS 'Rule: R01 … R13 the identities of contract section 5, R14 … R31 the checks beyond arithmetic.';
COMMENT ON COLUMN raw_identity_findings.rule_name IS 'Name of the rule, e.g. 功能分类层级汇总.';
COMMENT ON COLUMN raw_identity_findings.family IS 'Suite: within_table, across_tables, table_vs_narrative, narrative_claims, structure, hygiene, across_years or performance.';
COMMENT ON COLUMN raw_identity_findings.check_name IS 'Form of the rule checked, e.g. 类 = Σ 款.';
COMMENT ON COLUMN raw_identity_findings.severity IS 'passed, rounding (within 0.01 万元 per addend), warning (soft rules 11/12), error, or not_checkable (a side missing: not published, not stated, or not read reliably).';
COMMENT ON COLUMN raw_identity_findings.table_name IS 'Canonical table of the left side (where the finding points).';
COMMENT ON COLUMN raw_identity_findings.other_table_name IS 'Canonical table of the right side (the same table for within-table rules).';
COMMENT ON COLUMN raw_identity_findings.subject_code IS '科目代码 of the line, NULL for a pure line item.';
COMMENT ON COLUMN raw_identity_findings.line_item IS 'Canonical line of the left side (合计, 本年支出合计, a subject name …).';
COMMENT ON COLUMN raw_identity_findings.column_name IS 'Canonical column of the left side.';
COMMENT ON COLUMN raw_identity_findings.left_value IS 'Left side (the stated total), in 万元 (counts in 辆/台套); NULL when missing.';
COMMENT ON COLUMN raw_identity_findings.right_value IS 'Right side (the sum or the other table''s figure), in 万元 (counts in 辆/台套); NULL when missing.';
COMMENT ON COLUMN raw_identity_findings.difference IS 'left_value − right_value, exact, in 万元; NULL when not checkable.';
COMMENT ON COLUMN raw_identity_findings.tolerance IS 'Rounding allowance: 0.01 万元 per addend (0 for counts), in 万元.';
COMMENT ON COLUMN raw_identity_findings.left_expression IS 'The figures of the left side, or why it is missing.';
COMMENT ON COLUMN raw_identity_findings.right_expression IS 'The figures summed on the right side, or why it is missing.';
COMMENT ON COLUMN raw_identity_findings.left_source_kind IS 'table, narrative or mixed: where the left figures were read; NULL when none.';
COMMENT ON COLUMN raw_identity_findings.right_source_kind IS 'table, narrative or mixed: where the right figures were read; NULL when none.';
COMMENT ON COLUMN raw_identity_findings.left_pages IS '1-based pages of the left figures (empty for text exports, which have no pages).';
COMMENT ON COLUMN raw_identity_findings.right_pages IS '1-based pages of the right figures (empty for text exports).';
COMMENT ON COLUMN raw_identity_findings.left_document_sha256 IS 'SHA-256 of the document of the left figures (documents.sha256).';
COMMENT ON COLUMN raw_identity_findings.right_document_sha256 IS 'SHA-256 of the document of the right figures (documents.sha256).';
COMMENT ON COLUMN raw_identity_findings.message IS 'The finding in one line, as in the stewards'' e-mail.';
COMMENT ON COLUMN raw_identity_findings.report_kind IS 'Report kind: 决算 (from {dataset}.parquet) or 预算 (from {dataset}.budget.parquet in the same partition), as the file name says.';
