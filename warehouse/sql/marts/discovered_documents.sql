-- discovered_documents: every link the discovery step found, how it was read and why it was taken or not.
CREATE VIEW discovered_documents AS
WITH found AS (
    SELECT * FROM stg_discovered_documents
),

units AS (
    SELECT unit_id, unit_name FROM stg_units
),

ingested AS (
    SELECT document_sha256, unit_id, year, document_status, error
    FROM stg_documents
    WHERE document_sha256 IS NOT NULL
),

loaded AS (
    SELECT DISTINCT unit_id, year, document_sha256 FROM stg_facts WHERE report_kind = '决算'
)

SELECT
    found.unit_id,
    units.unit_name,
    found.year,
    found.decision,
    found.stage,
    found.reason,
    found.url AS link_url,
    found.link_text,
    found.article_title,
    found.listed_date,
    found.found_on,
    found.source,
    found.role,
    found.tag,
    found.depth,
    found.label_kind,
    found.label_year,
    found.label_scope,
    found.label_part,
    found.label_revision,
    found.content_kind,
    found.content_year,
    found.content_unit,
    found.content_scope,
    found.content_part,
    found.content_evidence,
    found.final_url,
    found.http_status,
    found.sha256,
    found.format,
    found.size,
    ingested.document_status,
    ingested.error AS document_error,
    loaded.document_sha256 IS NOT NULL AS in_warehouse,
    found.current,
    found.first_seen,
    found.changed_at
FROM found
LEFT JOIN units ON units.unit_id = found.unit_id
LEFT JOIN ingested
    ON ingested.document_sha256 = found.sha256 AND ingested.unit_id = found.unit_id AND ingested.year = found.year
LEFT JOIN loaded
    ON loaded.document_sha256 = found.sha256 AND loaded.unit_id = found.unit_id AND loaded.year = found.year
ORDER BY found.source, found.position, found.found_on, found.url, found.link_text;

COMMENT ON VIEW discovered_documents IS 'Every link the discovery step found on the units'' disclosure pages: its words, the document''s own reading, the decision (selected / followed / rejected / failed), the stage and the reason; for a steward looking for a missing report.';
COMMENT ON COLUMN discovered_documents.unit_id IS 'Registry unit the link was found for: the unit of a [[unit.source]], or on a platform the unit its words (or its content) name; NULL when none.';
COMMENT ON COLUMN discovered_documents.unit_name IS 'Name of the unit (registry).';
COMMENT ON COLUMN discovered_documents.year IS 'Fiscal year the document was taken for (its content''s, else its words''); NULL when none.';
COMMENT ON COLUMN discovered_documents.decision IS 'selected (ingested as the unit-year''s 决算), followed (a page walked), rejected (see stage and reason) or failed (its download failed).';
COMMENT ON COLUMN discovered_documents.stage IS 'What decided: link (its words), download, content (its bytes: unreadable), identity (its content: 预算, another year or unit), selection (another document of the same unit-year was taken).';
COMMENT ON COLUMN discovered_documents.reason IS 'Why, in words; for a rejected document it names the rule, and at the selection stage the document taken instead.';
COMMENT ON COLUMN discovered_documents.link_url IS 'Where the link points (absolute); empty for a javascript: link without an address.';
COMMENT ON COLUMN discovered_documents.link_text IS 'The link text (or its title attribute, the alt text of its image).';
COMMENT ON COLUMN discovered_documents.article_title IS 'The article the link sits under: the listing entry that led to the page, else the page title; empty on a listing page.';
COMMENT ON COLUMN discovered_documents.listed_date IS 'Publication date printed beside the link on the listing (YYYY-MM-DD), where printed.';
COMMENT ON COLUMN discovered_documents.found_on IS 'The page the link is on (a listing page, an article page, a page an article embeds).';
COMMENT ON COLUMN discovered_documents.source IS 'The source the link was found under: its listing page URL, as the registry gives it ([[unit.source]] / [[source]] url).';
COMMENT ON COLUMN discovered_documents.role IS 'page (an HTML page: followed or not) or document (a file: a candidate report).';
COMMENT ON COLUMN discovered_documents.tag IS 'HTML element of the link: a, iframe, embed, object, frame, refresh (meta refresh) or script (a link inside a script''s data store).';
COMMENT ON COLUMN discovered_documents.depth IS '0: on a listing page; 1: on an article page; 2: on a page an article embeds or links as 查看/全文/附件.';
COMMENT ON COLUMN discovered_documents.label_kind IS 'What the words around the link say: 决算, 预算, 预决算 (both) or NULL (neither).';
COMMENT ON COLUMN discovered_documents.label_year IS 'Fiscal year the words name (the 决算''s year when they name both a 预算 and a 决算).';
COMMENT ON COLUMN discovered_documents.label_scope IS '部门 (部门决算) or 单位 (单位决算, 本级) as the words say; NULL when they say neither.';
COMMENT ON COLUMN discovered_documents.label_part IS '正文 or 公开表 as the link''s own words (text, file name) say; NULL when they say neither.';
COMMENT ON COLUMN discovered_documents.label_revision IS 'The words say 更正 / 修订 / 修正 / 更新 / 重新公开: a corrected report.';
COMMENT ON COLUMN discovered_documents.content_kind IS 'What the document itself says it is, by its title (else its table titles): 决算, 预算 or NULL.';
COMMENT ON COLUMN discovered_documents.content_year IS 'Fiscal year the document states (as the extractor reads it).';
COMMENT ON COLUMN discovered_documents.content_unit IS 'Registry unit the document names most often (NULL: none of the source''s units).';
COMMENT ON COLUMN discovered_documents.content_scope IS '部门 or 单位 as the document''s title says.';
COMMENT ON COLUMN discovered_documents.content_part IS '完整 (standard tables and 情况说明), 公开表 (tables only) or 正文 (no standard table).';
COMMENT ON COLUMN discovered_documents.content_evidence IS 'The words of the document that decided content_kind (its title, or how many table titles), or how it was read.';
COMMENT ON COLUMN discovered_documents.final_url IS 'Address of the document after redirects.';
COMMENT ON COLUMN discovered_documents.http_status IS 'HTTP status of the last download (NULL: not downloaded).';
COMMENT ON COLUMN discovered_documents.sha256 IS 'SHA-256 of the downloaded bytes (documents.sha256 when the report was ingested).';
COMMENT ON COLUMN discovered_documents.format IS 'Format the bytes were read as: pdf, docx, txt or md; NULL when unreadable.';
COMMENT ON COLUMN discovered_documents.size IS 'Size of the downloaded bytes.';
COMMENT ON COLUMN discovered_documents.document_status IS 'What ingestion made of the document (documents.status): loaded, quarantined, withdrawn, failed; NULL when it was not ingested.';
COMMENT ON COLUMN discovered_documents.document_error IS 'Why ingestion quarantined or failed it (documents.error).';
COMMENT ON COLUMN discovered_documents.in_warehouse IS 'The unit-year''s facts in the warehouse come from this document.';
COMMENT ON COLUMN discovered_documents.current IS 'Found by the latest walk; false: kept from an earlier night (the page no longer holds the link, or was not reached).';
COMMENT ON COLUMN discovered_documents.first_seen IS 'When the link was first found (UTC).';
COMMENT ON COLUMN discovered_documents.changed_at IS 'When this row last changed (UTC): its decision, its download or its reading.';
