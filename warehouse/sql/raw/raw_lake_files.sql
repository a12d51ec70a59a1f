-- raw_lake_files: every lake file the raw tables were loaded from, with what identified its content then.
-- refresh_warehouse compares it with the lake to load only the partitions that changed.
CREATE TABLE raw_lake_files (
    raw_table VARCHAR,
    path VARCHAR,
    year SMALLINT,
    unit_id VARCHAR,
    signature VARCHAR
);

COMMENT ON TABLE raw_lake_files IS 'Raw layer: the lake files each raw table holds, with their size and modification stamp when loaded; lets a refresh load only changed partitions. Not for analysis.';
COMMENT ON COLUMN raw_lake_files.raw_table IS 'Raw table the file was loaded into (raw_facts, raw_documents …).';
COMMENT ON COLUMN raw_lake_files.path IS 'Path of the file relative to the lake.';
COMMENT ON COLUMN raw_lake_files.year IS 'Fiscal year of the partition (hive partition year=…); NULL for unpartitioned files.';
COMMENT ON COLUMN raw_lake_files.unit_id IS 'Unit of the partition (hive partition unit_id=…); NULL for unpartitioned files.';
COMMENT ON COLUMN raw_lake_files.signature IS 'Size and modification stamp (or ETag) of the file when it was loaded: a different one means the partition changed.';
