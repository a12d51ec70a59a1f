-- stg_documents: every document ever seen, with join-friendly names.
CREATE VIEW stg_documents AS
WITH source AS (
    SELECT * FROM raw_documents
),

renamed AS (
    SELECT
        CAST(sha256 AS VARCHAR) AS document_sha256,
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        coalesce(CAST(report_kind AS VARCHAR), '决算') AS report_kind,
        CAST(url AS VARCHAR) AS url,
        CAST(fetched_at AS TIMESTAMPTZ) AS fetched_at,
        CAST(format AS VARCHAR) AS document_format,
        CAST(pages AS INTEGER) AS pages,
        CAST(status AS VARCHAR) AS document_status,
        CAST(error AS VARCHAR) AS error,
        CAST(final_url AS VARCHAR) AS final_url
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_documents IS 'Staging: one row per document (sha256, unit, year), renamed for joins.';
COMMENT ON COLUMN stg_documents.document_sha256 IS 'SHA-256 of the raw document bytes.';
COMMENT ON COLUMN stg_documents.unit_id IS 'Unit the registry says the document belongs to.';
COMMENT ON COLUMN stg_documents.year IS 'Fiscal year the registry says the document covers.';
COMMENT ON COLUMN stg_documents.url IS 'Where the document was fetched from.';
COMMENT ON COLUMN stg_documents.fetched_at IS 'When the document was first fetched (UTC).';
COMMENT ON COLUMN stg_documents.document_format IS 'Detected format: pdf, docx, txt or md.';
COMMENT ON COLUMN stg_documents.pages IS 'Number of pages, where known.';
COMMENT ON COLUMN stg_documents.document_status IS 'loaded or quarantined.';
COMMENT ON COLUMN stg_documents.error IS 'Why the document was quarantined; NULL when loaded.';
COMMENT ON COLUMN stg_documents.final_url IS 'Where the bytes finally came from after redirects; NULL for local files.';
COMMENT ON COLUMN stg_documents.report_kind IS 'Report kind: 决算 or 预算 (NULL in the lake reads as 决算).';
