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
),

-- The place a unit is known by: its county, else its city, without the administrative suffix
-- (大竹县 → 大竹, 大同市 → 大同); the whole name where no place is registered.
placed AS (
    SELECT
        *,
        coalesce(
            nullif(
                regexp_replace(
                    coalesce(nullif(trim(county), ''), trim(city), ''),
                    '(特别行政区|自治州|自治县|自治旗|地区|林区|新区|市|县|区|旗|盟|州)$',
                    ''
                ),
                ''
            ),
            unit_name
        ) AS place
    FROM renamed
)

SELECT
    unit_id,
    unit_name,
    province,
    city,
    county,
    admin_level,
    unit_kind,
    stewards,
    registry_order,
    -- Two units of one place are told apart by their names.
    CASE WHEN count(*) OVER (PARTITION BY place) = 1 THEN place ELSE unit_name END AS short_name
FROM placed;

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
COMMENT ON COLUMN stg_units.short_name IS 'Short label for tables and charts: the county, else the city, without its suffix (大同, 大竹); the unit name when two units share the place.';
