-- stg_units: the registry units with join-friendly names.
CREATE VIEW stg_units AS
WITH source AS (
    SELECT * FROM raw_units
),

renamed AS (
    SELECT
        CAST(unit_id AS VARCHAR) AS unit_id,
        CAST(name AS VARCHAR) AS unit_name,
        CAST(province AS VARCHAR) AS province,
        CAST(city AS VARCHAR) AS city,
        coalesce(CAST(county AS VARCHAR), '') AS county,
        CAST(level AS VARCHAR) AS admin_level,
        CAST(kind AS VARCHAR) AS unit_kind,
        CAST(stewards AS VARCHAR) AS stewards,
        CAST(registry_order AS BIGINT) AS registry_order
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_units IS 'Staging: one row per registry unit, renamed for joins.';
COMMENT ON COLUMN stg_units.unit_id IS 'Stable ASCII unit id.';
COMMENT ON COLUMN stg_units.unit_name IS 'Unit name as registered (单位名称).';
COMMENT ON COLUMN stg_units.province IS 'Province (省).';
COMMENT ON COLUMN stg_units.city IS 'City (市).';
COMMENT ON COLUMN stg_units.county IS 'County (县); empty for city-level units.';
COMMENT ON COLUMN stg_units.admin_level IS 'Administrative level: 省级 / 市级 / 县级.';
COMMENT ON COLUMN stg_units.unit_kind IS 'Kind of unit: 行政单位 / 参公事业单位 / 事业单位 ….';
COMMENT ON COLUMN stg_units.stewards IS 'Data stewards'' e-mail addresses, comma-separated.';
COMMENT ON COLUMN stg_units.registry_order IS 'Position of the unit in the registry file (1-based).';
