-- stg_discovery_pages: every page the discovery step walked.
CREATE VIEW stg_discovery_pages AS
WITH source AS (
    SELECT * FROM raw_discovery_pages
),

renamed AS (
    SELECT
        CAST(source AS VARCHAR) AS source,
        CAST(url AS VARCHAR) AS url,
        CAST(final_url AS VARCHAR) AS final_url,
        CAST(role AS VARCHAR) AS role,
        CAST(depth AS SMALLINT) AS depth,
        CAST(page_number AS INTEGER) AS page_number,
        CAST(linked_from AS VARCHAR) AS linked_from,
        CAST(status AS VARCHAR) AS status,
        CAST(http_status AS SMALLINT) AS http_status,
        CAST(error AS VARCHAR) AS error,
        CAST(charset AS VARCHAR) AS charset,
        CAST(title AS VARCHAR) AS title,
        CAST(links AS INTEGER) AS links,
        CAST(links_json AS VARCHAR) AS links_json,
        CAST(etag AS VARCHAR) AS etag,
        CAST(last_modified AS VARCHAR) AS last_modified,
        CAST(sha256 AS VARCHAR) AS sha256,
        CAST(current AS BOOLEAN) AS current,
        CAST(first_seen AS TIMESTAMPTZ) AS first_seen,
        CAST(changed_at AS TIMESTAMPTZ) AS changed_at
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_discovery_pages IS 'Staging: every page the discovery step walked, typed.';
COMMENT ON COLUMN stg_discovery_pages.source IS 'The source (listing page URL) the page was walked for.';
COMMENT ON COLUMN stg_discovery_pages.url IS 'The page address requested.';
COMMENT ON COLUMN stg_discovery_pages.final_url IS 'The address after redirects, on its last good fetch.';
COMMENT ON COLUMN stg_discovery_pages.role IS 'listing (the source''s page or its pagination), article (linked from a listing) or page (embedded in or linked from an article).';
COMMENT ON COLUMN stg_discovery_pages.depth IS '0: listing; 1: article; 2: a page under an article.';
COMMENT ON COLUMN stg_discovery_pages.page_number IS 'Listing pages: 1, 2, … in walk order; NULL for other pages.';
COMMENT ON COLUMN stg_discovery_pages.linked_from IS 'The page that linked it (empty for the source''s first page).';
COMMENT ON COLUMN stg_discovery_pages.status IS 'ok (read tonight, or 304 Not Modified), failed (see error: its last good links were used when there were any), blocked (robots.txt), skipped (beyond max_pages, or the end of a templated listing).';
COMMENT ON COLUMN stg_discovery_pages.http_status IS 'HTTP status of its last fetch with a body (a failure''s status when it failed).';
COMMENT ON COLUMN stg_discovery_pages.error IS 'Why it failed, was blocked or skipped; NULL when ok.';
COMMENT ON COLUMN stg_discovery_pages.charset IS 'Character set the page was read with (header, then <meta>, else UTF-8 or GB18030).';
COMMENT ON COLUMN stg_discovery_pages.title IS 'The page''s <title>.';
COMMENT ON COLUMN stg_discovery_pages.links IS 'Number of links read on it.';
COMMENT ON COLUMN stg_discovery_pages.links_json IS 'The links as read on its last good fetch: [url, text, tag, row text, raw] (reused on a 304 or a failure).';
COMMENT ON COLUMN stg_discovery_pages.etag IS 'ETag of its last good fetch.';
COMMENT ON COLUMN stg_discovery_pages.last_modified IS 'Last-Modified of its last good fetch.';
COMMENT ON COLUMN stg_discovery_pages.sha256 IS 'SHA-256 of its HTML on the last good fetch.';
COMMENT ON COLUMN stg_discovery_pages.current IS 'Walked by the latest discovery; false: kept from an earlier night.';
COMMENT ON COLUMN stg_discovery_pages.first_seen IS 'When the page was first walked (UTC).';
COMMENT ON COLUMN stg_discovery_pages.changed_at IS 'When this row last changed (UTC).';
