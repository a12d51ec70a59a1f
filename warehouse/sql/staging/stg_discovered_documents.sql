-- stg_discovered_documents: every link the discovery step found on the sources'' pages and what became of it.
CREATE VIEW stg_discovered_documents AS
WITH source AS (
    SELECT * FROM raw_discovered_documents
),

renamed AS (
    SELECT
        CAST(source AS VARCHAR) AS source,
        CAST(found_on AS VARCHAR) AS found_on,
        CAST(url AS VARCHAR) AS url,
        CAST(link_text AS VARCHAR) AS link_text,
        CAST(article_title AS VARCHAR) AS article_title,
        CAST(listed_date AS VARCHAR) AS listed_date,
        CAST(tag AS VARCHAR) AS tag,
        CAST(role AS VARCHAR) AS role,
        CAST(depth AS SMALLINT) AS depth,
        CAST(position AS INTEGER) AS position,
        CAST(label_kind AS VARCHAR) AS label_kind,
        CAST(label_year AS SMALLINT) AS label_year,
        CAST(label_scope AS VARCHAR) AS label_scope,
        CAST(label_part AS VARCHAR) AS label_part,
        CAST(label_revision AS BOOLEAN) AS label_revision,
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        CAST(final_url AS VARCHAR) AS final_url,
        CAST(http_status AS SMALLINT) AS http_status,
        CAST(sha256 AS VARCHAR) AS sha256,
        CAST(format AS VARCHAR) AS format,
        CAST(size AS BIGINT) AS size,
        CAST(content_type AS VARCHAR) AS content_type,
        CAST(etag AS VARCHAR) AS etag,
        CAST(last_modified AS VARCHAR) AS last_modified,
        CAST(content_kind AS VARCHAR) AS content_kind,
        CAST(content_year AS SMALLINT) AS content_year,
        CAST(content_unit AS VARCHAR) AS content_unit,
        CAST(content_scope AS VARCHAR) AS content_scope,
        CAST(content_part AS VARCHAR) AS content_part,
        CAST(content_evidence AS VARCHAR) AS content_evidence,
        CAST(decision AS VARCHAR) AS decision,
        CAST(stage AS VARCHAR) AS stage,
        CAST(reason AS VARCHAR) AS reason,
        CAST(current AS BOOLEAN) AS current,
        CAST(first_seen AS TIMESTAMPTZ) AS first_seen,
        CAST(changed_at AS TIMESTAMPTZ) AS changed_at
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_discovered_documents IS 'Staging: every link the discovery step found on the sources'' pages and what became of it, typed.';
COMMENT ON COLUMN stg_discovered_documents.source IS 'The source the link was found under: its listing page URL, as the registry gives it ([[unit.source]] / [[source]] url).';
COMMENT ON COLUMN stg_discovered_documents.found_on IS 'The page the link is on (a listing page, an article page, a page an article embeds).';
COMMENT ON COLUMN stg_discovered_documents.url IS 'Where the link points (absolute); empty for a javascript: link without an address.';
COMMENT ON COLUMN stg_discovered_documents.link_text IS 'The link text (or its title attribute, the alt text of its image).';
COMMENT ON COLUMN stg_discovered_documents.article_title IS 'The article the link sits under: the listing entry that led to the page, else the page title; empty on a listing page.';
COMMENT ON COLUMN stg_discovered_documents.listed_date IS 'Publication date printed beside the link on the listing (YYYY-MM-DD), where printed.';
COMMENT ON COLUMN stg_discovered_documents.tag IS 'HTML element of the link: a, iframe, embed, object, frame, refresh (meta refresh) or script (a link inside a script''s data store).';
COMMENT ON COLUMN stg_discovered_documents.role IS 'page (an HTML page: followed or not) or document (a file: a candidate report).';
COMMENT ON COLUMN stg_discovered_documents.depth IS '0: on a listing page; 1: on an article page; 2: on a page an article embeds or links as 查看/全文/附件.';
COMMENT ON COLUMN stg_discovered_documents.position IS 'Order in which the walk found the link (earlier on a listing = newer); links of one article share its position.';
COMMENT ON COLUMN stg_discovered_documents.label_kind IS 'What the words around the link say: 决算, 预算, 预决算 (both) or NULL (neither).';
COMMENT ON COLUMN stg_discovered_documents.label_year IS 'Fiscal year the words name (the 决算''s year when they name both a 预算 and a 决算).';
COMMENT ON COLUMN stg_discovered_documents.label_scope IS '部门 (部门决算) or 单位 (单位决算, 本级) as the words say; NULL when they say neither.';
COMMENT ON COLUMN stg_discovered_documents.label_part IS '正文 or 公开表 as the link''s own words (text, file name) say; NULL when they say neither.';
COMMENT ON COLUMN stg_discovered_documents.label_revision IS 'The words say 更正 / 修订 / 修正 / 更新 / 重新公开: a corrected report.';
COMMENT ON COLUMN stg_discovered_documents.unit_id IS 'Registry unit the link was found for: the unit of a [[unit.source]], or on a platform the unit its words (or its content) name; NULL when none.';
COMMENT ON COLUMN stg_discovered_documents.year IS 'Fiscal year the document was taken for (its content''s, else its words''); NULL when none.';
COMMENT ON COLUMN stg_discovered_documents.final_url IS 'Address of the document after redirects.';
COMMENT ON COLUMN stg_discovered_documents.http_status IS 'HTTP status of the last download (NULL: not downloaded).';
COMMENT ON COLUMN stg_discovered_documents.sha256 IS 'SHA-256 of the downloaded bytes (documents.sha256 when the report was ingested).';
COMMENT ON COLUMN stg_discovered_documents.format IS 'Format the bytes were read as: pdf, docx, txt or md; NULL when unreadable.';
COMMENT ON COLUMN stg_discovered_documents.size IS 'Size of the downloaded bytes.';
COMMENT ON COLUMN stg_discovered_documents.content_type IS 'Content-Type the server declared.';
COMMENT ON COLUMN stg_discovered_documents.etag IS 'ETag the server sent (for the next conditional GET).';
COMMENT ON COLUMN stg_discovered_documents.last_modified IS 'Last-Modified the server sent (for the next conditional GET).';
COMMENT ON COLUMN stg_discovered_documents.content_kind IS 'What the document itself says it is, by its title (else its table titles): 决算, 预算 or NULL.';
COMMENT ON COLUMN stg_discovered_documents.content_year IS 'Fiscal year the document states (as the extractor reads it).';
COMMENT ON COLUMN stg_discovered_documents.content_unit IS 'Registry unit the document names most often (NULL: none of the source''s units).';
COMMENT ON COLUMN stg_discovered_documents.content_scope IS '部门 or 单位 as the document''s title says.';
COMMENT ON COLUMN stg_discovered_documents.content_part IS '完整 (standard tables and 情况说明), 公开表 (tables only) or 正文 (no standard table).';
COMMENT ON COLUMN stg_discovered_documents.content_evidence IS 'The words of the document that decided content_kind (its title, or how many table titles), or how it was read.';
COMMENT ON COLUMN stg_discovered_documents.decision IS 'selected (ingested as the unit-year''s 决算), followed (a page walked), rejected (see stage and reason) or failed (its download failed).';
COMMENT ON COLUMN stg_discovered_documents.stage IS 'What decided: link (its words), download, content (its bytes: unreadable), identity (its content: 预算, another year or unit), selection (another document of the same unit-year was taken).';
COMMENT ON COLUMN stg_discovered_documents.reason IS 'Why, in words; for a rejected document it names the rule, and at the selection stage the document taken instead.';
COMMENT ON COLUMN stg_discovered_documents.current IS 'Found by the latest walk; false: kept from an earlier night (the page no longer holds the link, or was not reached).';
COMMENT ON COLUMN stg_discovered_documents.first_seen IS 'When the link was first found (UTC).';
COMMENT ON COLUMN stg_discovered_documents.changed_at IS 'When this row last changed (UTC): its decision, its download or its reading.';
