-- documents: every document ever seen (data contract dimension table).
CREATE VIEW documents AS
WITH staged AS (
    SELECT * FROM stg_documents
)

SELECT
    document_sha256 AS sha256,
    unit_id,
    year,
    url,
    fetched_at,
    document_format AS format,
    pages,
    document_status AS status,
    error,
    report_kind
FROM staged
ORDER BY unit_id, year, sha256;

COMMENT ON VIEW documents IS 'One row per document ever seen, with whether it was loaded or quarantined.';
COMMENT ON COLUMN documents.sha256 IS 'SHA-256 of the raw document bytes (facts.document_sha256).';
COMMENT ON COLUMN documents.unit_id IS 'Unit the registry says the document belongs to.';
COMMENT ON COLUMN documents.year IS 'Fiscal year the registry says the document covers.';
COMMENT ON COLUMN documents.url IS 'Where the document was fetched from.';
COMMENT ON COLUMN documents.fetched_at IS 'When the document was first fetched (UTC).';
COMMENT ON COLUMN documents.format IS 'Detected format: pdf, docx, txt or md.';
COMMENT ON COLUMN documents.pages IS 'Number of pages, where known.';
COMMENT ON COLUMN documents.status IS 'loaded (facts in the warehouse) or quarantined (see error).';
COMMENT ON COLUMN documents.error IS 'Why the document was quarantined; NULL when loaded.';
COMMENT ON COLUMN documents.report_kind IS 'Report kind of the document: 决算 or 预算 (a lake written before the kind existed reads as 决算).';
