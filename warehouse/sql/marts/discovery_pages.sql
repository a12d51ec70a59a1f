-- discovery_pages: every listing and article page the discovery step walked, and how it answered.
CREATE VIEW discovery_pages AS
SELECT
    source,
    url,
    final_url,
    role,
    depth,
    page_number,
    linked_from,
    status,
    http_status,
    error,
    charset,
    title,
    links,
    etag,
    last_modified,
    sha256,
    current,
    first_seen,
    changed_at
FROM stg_discovery_pages
ORDER BY source, depth, page_number NULLS LAST, url;

COMMENT ON VIEW discovery_pages IS 'Every page the discovery step walked: listing pages (with their pagination), article pages and the pages they embed; status ok / failed / blocked / skipped with the reason.';
COMMENT ON COLUMN discovery_pages.source IS 'The source (listing page URL) the page was walked for.';
COMMENT ON COLUMN discovery_pages.url IS 'The page address requested.';
COMMENT ON COLUMN discovery_pages.final_url IS 'The address after redirects, on its last good fetch.';
COMMENT ON COLUMN discovery_pages.role IS 'listing (the source''s page or its pagination), article (linked from a listing) or page (embedded in or linked from an article).';
COMMENT ON COLUMN discovery_pages.depth IS '0: listing; 1: article; 2: a page under an article.';
COMMENT ON COLUMN discovery_pages.page_number IS 'Listing pages: 1, 2, … in walk order; NULL for other pages.';
COMMENT ON COLUMN discovery_pages.linked_from IS 'The page that linked it (empty for the source''s first page).';
COMMENT ON COLUMN discovery_pages.status IS 'ok (read tonight, or 304 Not Modified), failed (see error: its last good links were used when there were any), blocked (robots.txt), skipped (beyond max_pages, or the end of a templated listing).';
COMMENT ON COLUMN discovery_pages.http_status IS 'HTTP status of its last fetch with a body (a failure''s status when it failed).';
COMMENT ON COLUMN discovery_pages.error IS 'Why it failed, was blocked or skipped; NULL when ok.';
COMMENT ON COLUMN discovery_pages.charset IS 'Character set the page was read with (header, then <meta>, else UTF-8 or GB18030).';
COMMENT ON COLUMN discovery_pages.title IS 'The page''s <title>.';
COMMENT ON COLUMN discovery_pages.links IS 'Number of links read on it.';
COMMENT ON COLUMN discovery_pages.etag IS 'ETag of its last good fetch.';
COMMENT ON COLUMN discovery_pages.last_modified IS 'Last-Modified of its last good fetch.';
COMMENT ON COLUMN discovery_pages.sha256 IS 'SHA-256 of its HTML on the last good fetch.';
COMMENT ON COLUMN discovery_pages.current IS 'Walked by the latest discovery; false: kept from an earlier night.';
COMMENT ON COLUMN discovery_pages.first_seen IS 'When the page was first walked (UTC).';
COMMENT ON COLUMN discovery_pages.changed_at IS 'When this row last changed (UTC).';
