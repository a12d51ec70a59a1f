-- raw_discovered_documents: {lake}/discovered_documents.parquet, every link the discovery step found and what became of it.
CREATE TABLE raw_discovered_documents (
    source VARCHAR,
    found_on VARCHAR,
    url VARCHAR,
    link_text VARCHAR,
    article_title VARCHAR,
    listed_date VARCHAR,
    tag VARCHAR,
    role VARCHAR,
    depth SMALLINT,
    position INTEGER,
    label_kind VARCHAR,
    label_year SMALLINT,
    label_scope VARCHAR,
    label_part VARCHAR,
    label_revision BOOLEAN,
    unit_id VARCHAR,
    year SMALLINT,
    final_url VARCHAR,
    http_status SMALLINT,
    sha256 VARCHAR,
    format VARCHAR,
    size BIGINT,
    content_type VARCHAR,
    etag VARCHAR,
    last_modified VARCHAR,
    content_kind VARCHAR,
    content_year SMALLINT,
    content_unit VARCHAR,
    content_scope VARCHAR,
    content_part VARCHAR,
    content_evidence VARCHAR,
    decision VARCHAR,
    stage VARCHAR,
    reason VARCHAR,
    current BOOLEAN,
    first_seen TIMESTAMPTZ,
    changed_at TIMESTAMPTZ
);

COMMENT ON TABLE raw_discovered_documents IS 'Raw layer: the lake''s discovered_documents.parquet. Use the view discovered_documents instead.';
COMMENT ON COLUMN raw_discovered_documents.source IS 'The source the link was found under: its listing page URL, as the registry gives it ([[unit.source]] / [[source]] url).';
COMMENT ON COLUMN raw_discovered_documents.found_on IS 'The page the link is on (a listing page, an article page, a page an article embeds).';
COMMENT ON COLUMN raw_discovered_documents.url IS 'Where the link points (absolute); empty for a javascript: link without an address.';
COMMENT ON COLUMN raw_discovered_documents.link_text IS 'The link text (or its title attribute, the alt text of its image).';
COMMENT ON COLUMN raw_discovered_documents.article_title IS 'The article the link sits under: the listing entry that led to the page, else the page title; empty on a listing page.';
COMMENT ON COLUMN raw_discovered_documents.listed_date IS 'Publication date printed beside the link on the listing (YYYY-MM-DD), where printed.';
COMMENT ON COLUMN raw_discovered_documents.tag IS 'HTML element of the link: a, iframe, embed, object, frame, refresh (meta refresh) or script (a link inside a script''s data store).';
COMMENT ON COLUMN raw_discovered_documents.role IS 'page (an HTML page: followed or not) or document (a file: a candidate report).';
COMMENT ON COLUMN raw_discovered_documents.depth IS '0: on a listing page; 1: on an article page; 2: on a page an article embeds or links as 查看/全文/附件.';
COMMENT ON COLUMN raw_discovered_documents.position IS 'Order in which the walk found the link (earlier on a listing = newer); links of one article share its position.';
COMMENT ON COLUMN raw_discovered_documents.label_kind IS 'What the words around the link say: 决算, 预算, 预决算 (both) or NULL (neither).';
COMMENT ON COLUMN raw_discovered_documents.label_year IS 'Fiscal year the words name (the 决算''s year when they name both a 预算 and a 决算).';
COMMENT ON COLUMN raw_discovered_documents.label_scope IS '部门 (部门决算) or 单位 (单位决算, 本级) as the words say; NULL when they say neither.';
COMMENT ON COLUMN raw_discovered_documents.label_part IS '正文 or 公开表 as the link''s own words (text, file name) say; NULL when they say neither.';
COMMENT ON COLUMN raw_discovered_documents.label_revision IS 'The words say 更正 / 修订 / 修正 / 更新 / 重新公开: a corrected report.';
COMMENT ON COLUMN raw_discovered_documents.unit_id IS 'Registry unit the link was found for: the unit of a [[unit.source]], or on a platform the unit its words (or its content) name; NULL when none.';
COMMENT ON COLUMN raw_discovered_documents.year IS 'Fiscal year the document was taken for (its content''s, else its words''); NULL when none.';
COMMENT ON COLUMN raw_discovered_documents.final_url IS 'Address of the document after redirects.';
COMMENT ON COLUMN raw_discovered_documents.http_status IS 'HTTP status of the last download (NULL: not downloaded).';
COMMENT ON COLUMN raw_discovered_documents.sha256 IS 'SHA-256 of the downloaded bytes (documents.sha256 when the report was ingested).';
COMMENT ON COLUMN raw_discovered_documents.format IS 'Format the bytes were read as: pdf, docx, txt or md; NULL when unreadable.';
COMMENT ON COLUMN raw_discovered_documents.size IS 'Size of the downloaded bytes.';
COMMENT ON COLUMN raw_discovered_documents.content_type IS 'Content-Type the server declared.';
COMMENT ON COLUMN raw_discovered_documents.etag IS 'ETag the server sent (for the next conditional GET).';
COMMENT ON COLUMN raw_discovered_documents.last_modified IS 'Last-Modified the server sent (for the next conditional GET).';
COMMENT ON COLUMN raw_discovered_documents.content_kind IS 'What the document itself says it is, by its title (else its table titles): 决算, 预算 or NULL.';
COMMENT ON COLUMN raw_discovered_documents.content_year IS 'Fiscal year the document states (as the extractor reads it).';
COMMENT ON COLUMN raw_discovered_documents.content_unit IS 'Registry unit the document names most often (NULL: none of the source''s units).';
COMMENT ON COLUMN raw_discovered_documents.content_scope IS '部门 or 单位 as the document''s title says.';
COMMENT ON COLUMN raw_discovered_documents.content_part IS '完整 (standard tables and 情况说明), 公开表 (tables only) or 正文 (no standard table).';
COMMENT ON COLUMN raw_discovered_documents.content_evidence IS 'The words of the document that decided content_kind (its title, or how many table titles), or how it was read.';
COMMENT ON COLUMN raw_discovered_documents.decision IS 'selected (ingested as the unit-year''s 决算), followed (a page walked), rejected (see stage and reason) or failed (its download failed).';
COMMENT ON COLUMN raw_discovered_documents.stage IS 'What decided: link (its words), download, content (its bytes: unreadable), identity (its content: 预算, another year or unit), selection (another document of the same unit-year was taken).';
COMMENT ON COLUMN raw_discovered_documents.reason IS 'Why, in words; for a rejected document it names the rule, and at the selection stage the document taken instead.';
COMMENT ON COLUMN raw_discovered_documents.current IS 'Found by the latest walk; false: kept from an earlier night (the page no longer holds the link, or was not reached).';
COMMENT ON COLUMN raw_discovered_documents.first_seen IS 'When the link was first found (UTC).';
COMMENT ON COLUMN raw_discovered_documents.changed_at IS 'When this row last changed (UTC): its decision, its download or its reading.';
