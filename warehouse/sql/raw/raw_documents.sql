-- raw_documents: {lake}/documents.parquet, one row per document ever seen.
CREATE TABLE raw_documents (
    sha256 VARCHAR,
    unit_id VARCHAR,
    year SMALLINT,
    url VARCHAR,
    fetched_at TIMESTAMPTZ,
    format VARCHAR,
    pages INTEGER,
    status VARCHAR,
    error VARCHAR,
    http_status SMALLINT,
    size BIGINT,
    content_type VARCHAR,
    etag VARCHAR,
    last_modified VARCHAR,
    final_url VARCHAR,
    report_kind VARCHAR
);

COMMENT ON TABLE raw_documents IS 'Raw layer: the lake''s documents.parquet. Use the view documents instead.';
COMMENT ON COLUMN raw_documents.sha256 IS 'SHA-256 of the raw document bytes.';
COMMENT ON COLUMN raw_documents.unit_id IS 'Unit the registry says the document belongs to.';
COMMENT ON COLUMN raw_documents.year IS 'Fiscal year the registry says the document covers.';
COMMENT ON COLUMN raw_documents.url IS 'Where the document was fetched from (http(s)://, file:// or a path).';
COMMENT ON COLUMN raw_documents.fetched_at IS 'When the document was first fetched (UTC).';
COMMENT ON COLUMN raw_documents.format IS 'Detected format: pdf, docx, txt or md.';
COMMENT ON COLUMN raw_documents.pages IS 'Number of pages, where known.';
COMMENT ON COLUMN raw_documents.status IS 'loaded (its facts are in the lake) or quarantined (unreadable; see error).';
COMMENT ON COLUMN raw_documents.error IS 'Why the document was quarantined; NULL when loaded.';
COMMENT ON COLUMN raw_documents.http_status IS 'HTTP status of the fetch that recorded this row (NULL for local files).';
COMMENT ON COLUMN raw_documents.size IS 'Size of the raw bytes as received.';
COMMENT ON COLUMN raw_documents.content_type IS 'Content-Type the server declared (NULL for local files).';
COMMENT ON COLUMN raw_documents.etag IS 'ETag the server sent, used for the next conditional GET.';
COMMENT ON COLUMN raw_documents.last_modified IS 'Last-Modified the server sent, used for the next conditional GET.';
COMMENT ON COLUMN raw_documents.final_url IS 'Where the bytes finally came from after redirects (http(s) only, never with a login); NULL for local files.';
COMMENT ON COLUMN raw_documents.report_kind IS 'The document''s report kind: 决算 (final accounts) or 预算 (budget); NULL in a lake written before the kind existed (read as 决算).';
