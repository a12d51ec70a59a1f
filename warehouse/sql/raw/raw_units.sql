-- raw_units: {lake}/units.parquet, one row per registry unit, in registry order.
CREATE TABLE raw_units (
    unit_id VARCHAR,
    name VARCHAR,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    level VARCHAR,
    kind VARCHAR,
    stewards VARCHAR,
    registry_order BIGINT
);

COMMENT ON TABLE raw_units IS 'Raw layer: the lake''s units.parquet (the source registry). Use the view units instead.';
COMMENT ON COLUMN raw_units.unit_id IS 'Stable ASCII unit id (registry key id).';
COMMENT ON COLUMN raw_units.name IS 'Unit name as registered (单位名称).';
COMMENT ON COLUMN raw_units.province IS 'Province (省).';
COMMENT ON COLUMN raw_units.city IS 'City (市).';
COMMENT ON COLUMN raw_units.county IS 'County (县); empty for city-level units.';
COMMENT ON COLUMN raw_units.level IS 'Administrative level: 省级 / 市级 / 县级.';
COMMENT ON COLUMN raw_units.kind IS 'Kind of unit: 行政单位 / 参公事业单位 / 事业单位 ….';
COMMENT ON COLUMN raw_units.stewards IS 'Data stewards'' e-mail addresses, comma-separated.';
COMMENT ON COLUMN raw_units.registry_order IS 'Position of the unit in the registry file (1-based).';
