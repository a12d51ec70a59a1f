-- stg_parsed_tables: the parsing report of every table found in a report.
CREATE VIEW stg_parsed_tables AS
WITH source AS (
    SELECT * FROM raw_parsed_tables
),

renamed AS (
    SELECT
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(year AS SMALLINT) AS year,
        coalesce(CAST(report_kind AS VARCHAR), '决算') AS report_kind,
        CAST(document_sha256 AS VARCHAR) AS document_sha256,
        CAST(title AS VARCHAR) AS title,
        CAST(table_name AS VARCHAR) AS table_name,
        CAST(status AS VARCHAR) AS parse_status,
        CAST(extractor AS VARCHAR) AS extractor,
        CAST(page AS INTEGER) AS page,
        CAST(line AS INTEGER) AS line,
        CAST(rows AS INTEGER) AS row_count,
        CAST(facts AS INTEGER) AS fact_count,
        CAST(notes AS VARCHAR) AS notes,
        -- Lake files written before the reader recorded its trust lack the next columns: read them as
        -- a reliable table printed on its one page (juesuan.lake.Lake.read_parsed_tables does the same).
        coalesce(CAST(reading AS VARCHAR), '') AS reading,
        coalesce(CAST(reconciled AS VARCHAR), 'unchecked') AS reconciled,
        coalesce(CAST(reliable AS BOOLEAN), true) AS reliable,
        coalesce(CAST(unreliable_reason AS VARCHAR), '') AS unreliable_reason,
        coalesce(
            CAST(pages AS INTEGER[]), CASE WHEN page IS NULL THEN CAST([] AS INTEGER[]) ELSE [CAST(page AS INTEGER)] END
        ) AS pages
    FROM source
),

judged AS (
    -- As transform/reliability.py judges a table for the identity suites.
    SELECT
        *,
        CASE
            WHEN table_name IS NULL THEN NULL
            ELSE reliable AND parse_status NOT IN ('unrecognised', 'error')
        END AS read_reliably
    FROM renamed
)

SELECT * FROM judged;

COMMENT ON VIEW stg_parsed_tables IS 'Staging: one row per table found in a report, with what it was taken for.';
COMMENT ON COLUMN stg_parsed_tables.unit_id IS 'Unit id.';
COMMENT ON COLUMN stg_parsed_tables.year IS 'Fiscal year.';
COMMENT ON COLUMN stg_parsed_tables.document_sha256 IS 'SHA-256 of the document; NULL when the report produced no facts.';
COMMENT ON COLUMN stg_parsed_tables.title IS 'Table title as printed.';
COMMENT ON COLUMN stg_parsed_tables.table_name IS 'Canonical table the title was taken for; NULL when unrecognised.';
COMMENT ON COLUMN stg_parsed_tables.parse_status IS 'ok / empty / unrecognised / error.';
COMMENT ON COLUMN stg_parsed_tables.extractor IS 'Extraction strategy that read the table.';
COMMENT ON COLUMN stg_parsed_tables.page IS '1-based page, where known.';
COMMENT ON COLUMN stg_parsed_tables.line IS '1-based line in a text export, where known.';
COMMENT ON COLUMN stg_parsed_tables.row_count IS 'Number of grid rows read.';
COMMENT ON COLUMN stg_parsed_tables.fact_count IS 'Number of facts the table yielded.';
COMMENT ON COLUMN stg_parsed_tables.notes IS 'Parser notes, separated by semicolons.';
COMMENT ON COLUMN stg_parsed_tables.reading IS 'Which reading of the grid was kept (a reader and, when several were tried, the winning one); empty when not recorded.';
COMMENT ON COLUMN stg_parsed_tables.reconciled IS 'How the table''s own identities came out on the kept reading: exact, rounding (within 0.01 万元 per addend), unreconciled (off by more) or unchecked (nothing to test, or not recorded).';
COMMENT ON COLUMN stg_parsed_tables.reliable IS 'false when the reader does not trust the figures to stand for the table (true in lake files written before it was recorded).';
COMMENT ON COLUMN stg_parsed_tables.unreliable_reason IS 'Why the reader does not trust the table; empty when reliable.';
COMMENT ON COLUMN stg_parsed_tables.pages IS 'Every 1-based page the table is printed on, in order; [page] for older lake files; empty for text exports.';
COMMENT ON COLUMN stg_parsed_tables.read_reliably IS 'Whether the identity suites trust the canonical table: false when reliable is false, or its title was recognised but not its layout (unrecognised), or reading it failed (error) — its checks are then not_checkable; NULL when the table was not taken for a canonical one.';
COMMENT ON COLUMN stg_parsed_tables.report_kind IS 'Report kind: 决算 or 预算 (NULL in the lake reads as 决算).';
