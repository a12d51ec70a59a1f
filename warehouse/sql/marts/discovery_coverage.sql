-- discovery_coverage: for every unit the discovery step looked for and every year it found reports of,
-- whether the unit's 决算 was found and loaded, and if not, why the documents found were not taken.
CREATE VIEW discovery_coverage AS
WITH found AS (
    SELECT * FROM stg_discovered_documents WHERE role = 'document'
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
),

-- Units some source is walked for (a unit's own source, or a platform naming it) …
looked_for AS (
    SELECT DISTINCT unit_id FROM stg_discovered_documents WHERE unit_id IS NOT NULL
),

-- … and the years any of them published a 决算 in: a unit without one that year is missing it.
years AS (
    SELECT DISTINCT year FROM found WHERE decision = 'selected'
    UNION
    SELECT DISTINCT year
    FROM found
    WHERE unit_id IS NOT NULL AND year IS NOT NULL AND (label_kind IN ('决算', '预决算') OR content_kind = '决算')
),

per_report AS (
    SELECT
        unit_id,
        year,
        count(DISTINCT url) AS documents_found,
        count(DISTINCT url) FILTER (WHERE decision = 'rejected') AS documents_rejected,
        count(DISTINCT url) FILTER (WHERE decision = 'failed') AS downloads_failed,
        max(coalesce(final_url, url)) FILTER (WHERE decision = 'selected') AS selected_url,
        max(sha256) FILTER (WHERE decision = 'selected') AS selected_sha256,
        string_agg(DISTINCT stage || ': ' || reason, ' | ' ORDER BY stage || ': ' || reason)
            FILTER (WHERE decision IN ('rejected', 'failed')) AS reasons
    FROM found
    WHERE unit_id IS NOT NULL AND year IS NOT NULL
    GROUP BY unit_id, year
),

ingested AS (
    SELECT document_sha256, unit_id, year, document_status, error FROM stg_documents WHERE report_kind = '决算'
),

loaded AS (
    SELECT DISTINCT unit_id, year, document_sha256 FROM stg_facts WHERE report_kind = '决算'
)

SELECT
    looked_for.unit_id,
    units.unit_name,
    years.year,
    CASE
        WHEN loaded.document_sha256 IS NOT NULL AND loaded.document_sha256 = per_report.selected_sha256 THEN 'loaded'
        WHEN per_report.selected_sha256 IS NOT NULL THEN 'selected, not loaded'
        WHEN per_report.downloads_failed > 0 THEN 'download failed'
        WHEN per_report.documents_found > 0 THEN 'found, all rejected'
        ELSE 'not found'
    END AS coverage,
    coalesce(per_report.documents_found, 0) AS documents_found,
    coalesce(per_report.documents_rejected, 0) AS documents_rejected,
    coalesce(per_report.downloads_failed, 0) AS downloads_failed,
    per_report.selected_url,
    per_report.selected_sha256,
    ingested.document_status,
    ingested.error AS document_error,
    loaded.document_sha256 IS NOT NULL AS facts_in_warehouse,
    per_report.reasons
FROM looked_for
CROSS JOIN years
LEFT JOIN units ON units.unit_id = looked_for.unit_id
LEFT JOIN per_report ON per_report.unit_id = looked_for.unit_id AND per_report.year = years.year
LEFT JOIN ingested
    ON ingested.document_sha256 = per_report.selected_sha256
    AND ingested.unit_id = looked_for.unit_id
    AND ingested.year = years.year
LEFT JOIN loaded ON loaded.unit_id = looked_for.unit_id AND loaded.year = years.year
ORDER BY units.registry_order NULLS LAST, looked_for.unit_id, years.year;

COMMENT ON VIEW discovery_coverage IS 'One row per unit the discovery step looked for and per year a 决算 was found for any unit: whether this unit''s was found and loaded, and why the documents found were not taken (coverage = not found: no link named the report; see discovered_documents for every link).';
COMMENT ON COLUMN discovery_coverage.unit_id IS 'Registry unit id.';
COMMENT ON COLUMN discovery_coverage.unit_name IS 'Name of the unit (registry).';
COMMENT ON COLUMN discovery_coverage.year IS 'Fiscal year.';
COMMENT ON COLUMN discovery_coverage.coverage IS 'loaded (found, selected, its facts in the warehouse) / selected, not loaded (ingestion quarantined it: see document_error) / download failed / found, all rejected (see reasons) / not found (no link named it).';
COMMENT ON COLUMN discovery_coverage.documents_found IS 'Distinct document links found for the unit-year (by their words or their content).';
COMMENT ON COLUMN discovery_coverage.documents_rejected IS 'Of those, how many were rejected.';
COMMENT ON COLUMN discovery_coverage.downloads_failed IS 'Of those, how many could not be downloaded tonight.';
COMMENT ON COLUMN discovery_coverage.selected_url IS 'The document taken as the unit-year''s 决算 (after redirects).';
COMMENT ON COLUMN discovery_coverage.selected_sha256 IS 'SHA-256 of the document taken.';
COMMENT ON COLUMN discovery_coverage.document_status IS 'What ingestion made of the document taken (documents.status).';
COMMENT ON COLUMN discovery_coverage.document_error IS 'Why ingestion quarantined it (documents.error).';
COMMENT ON COLUMN discovery_coverage.facts_in_warehouse IS 'The warehouse holds facts of this unit-year (from whichever document).';
COMMENT ON COLUMN discovery_coverage.reasons IS 'stage: reason of every document of the unit-year that was rejected or failed, distinct.';
