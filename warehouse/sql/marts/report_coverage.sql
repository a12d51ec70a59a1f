-- report_coverage: what the warehouse holds for each unit and year (document, facts, parsing, repairs).
CREATE VIEW report_coverage AS
WITH units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
),

fact_counts AS (
    SELECT
        unit_id,
        year,
        count(*) FILTER (WHERE source_kind = 'table') AS table_facts,
        count(*) FILTER (WHERE source_kind = 'narrative') AS narrative_facts,
        count(DISTINCT table_name) FILTER (WHERE source_kind = 'table') AS tables_with_facts,
        min(document_sha256) AS facts_document_sha256
    FROM stg_facts
    WHERE report_kind = '决算'
    GROUP BY unit_id, year
),

latest_documents AS (
    SELECT *
    FROM stg_documents
    WHERE report_kind = '决算'
    QUALIFY row_number() OVER (
        PARTITION BY unit_id, year ORDER BY fetched_at DESC NULLS LAST, document_sha256
    ) = 1
),

repairs AS (
    SELECT
        unit_id,
        year,
        count(*) FILTER (WHERE repair_status = 'repaired') AS repaired_codes,
        count(*) FILTER (WHERE repair_status = 'unresolved') AS unresolved_codes
    FROM stg_code_repairs
    WHERE report_kind = '决算'
    GROUP BY unit_id, year
),

parsed AS (
    SELECT
        unit_id,
        year,
        count(*) FILTER (WHERE parse_status <> 'ok') AS tables_not_parsed,
        count(DISTINCT table_name) FILTER (WHERE NOT read_reliably) AS tables_not_read_reliably
    FROM stg_parsed_tables
    WHERE report_kind = '决算'
    GROUP BY unit_id, year
),

unit_years AS (
    SELECT unit_id, year FROM fact_counts
    UNION
    SELECT unit_id, year FROM latest_documents
    UNION
    SELECT unit_id, year FROM parsed
),

spine AS (
    SELECT coalesce(unit_years.unit_id, units.unit_id) AS unit_id, unit_years.year
    FROM unit_years
    FULL OUTER JOIN units ON units.unit_id = unit_years.unit_id
)

SELECT
    spine.unit_id,
    units.unit_name,
    spine.year,
    latest_documents.document_sha256,
    latest_documents.document_status,
    latest_documents.error,
    fact_counts.facts_document_sha256,
    coalesce(fact_counts.table_facts, 0) AS table_facts,
    coalesce(fact_counts.narrative_facts, 0) AS narrative_facts,
    coalesce(fact_counts.tables_with_facts, 0) AS tables_with_facts,
    coalesce(parsed.tables_not_parsed, 0) AS tables_not_parsed,
    coalesce(parsed.tables_not_read_reliably, 0) AS tables_not_read_reliably,
    coalesce(repairs.repaired_codes, 0) AS repaired_codes,
    coalesce(repairs.unresolved_codes, 0) AS unresolved_codes
FROM spine
LEFT JOIN units ON units.unit_id = spine.unit_id
LEFT JOIN fact_counts ON fact_counts.unit_id = spine.unit_id AND fact_counts.year = spine.year
LEFT JOIN latest_documents ON latest_documents.unit_id = spine.unit_id AND latest_documents.year = spine.year
LEFT JOIN repairs ON repairs.unit_id = spine.unit_id AND repairs.year = spine.year
LEFT JOIN parsed ON parsed.unit_id = spine.unit_id AND parsed.year = spine.year
ORDER BY units.registry_order NULLS LAST, spine.unit_id, spine.year;

COMMENT ON VIEW report_coverage IS 'One row per unit and year the warehouse knows of (and one with year NULL for a registered unit with nothing at all): latest document, fact counts by source, parsing and code-repair problems.';
COMMENT ON COLUMN report_coverage.unit_id IS 'Unit id.';
COMMENT ON COLUMN report_coverage.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN report_coverage.year IS 'Fiscal year; NULL when the unit has no document and no facts.';
COMMENT ON COLUMN report_coverage.document_sha256 IS 'SHA-256 of the most recently fetched document for the unit-year.';
COMMENT ON COLUMN report_coverage.document_status IS 'Status of that document: loaded or quarantined; NULL when none was recorded.';
COMMENT ON COLUMN report_coverage.error IS 'Why that document was quarantined; NULL when loaded.';
COMMENT ON COLUMN report_coverage.facts_document_sha256 IS 'SHA-256 of the document the unit-year''s facts came from (differs from document_sha256 when a newer document was quarantined).';
COMMENT ON COLUMN report_coverage.table_facts IS 'Number of facts read from tables.';
COMMENT ON COLUMN report_coverage.narrative_facts IS 'Number of facts read from the narrative.';
COMMENT ON COLUMN report_coverage.tables_with_facts IS 'Number of canonical tables with at least one table fact (of 11).';
COMMENT ON COLUMN report_coverage.tables_not_parsed IS 'Number of tables found whose parsing status is not ok (empty, unrecognised, error).';
COMMENT ON COLUMN report_coverage.tables_not_read_reliably IS 'Number of canonical tables juesuan did not read reliably (parsed_tables.read_reliably false): the identities that need them are not_checkable.';
COMMENT ON COLUMN report_coverage.repaired_codes IS 'Number of subject codes repaired from their names.';
COMMENT ON COLUMN report_coverage.unresolved_codes IS 'Number of subject codes left unresolved (flagged, not guessed).';
