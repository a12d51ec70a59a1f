-- units: the registry units (data contract dimension table).
CREATE VIEW units AS
WITH staged AS (
    SELECT * FROM stg_units
)

SELECT
    unit_id,
    unit_name AS name,
    province,
    city,
    county,
    admin_level AS level,
    unit_kind AS kind,
    stewards,
    registry_order,
    short_name
FROM staged
ORDER BY registry_order;

COMMENT ON VIEW units IS 'One row per unit in the source registry, in registry order.';
COMMENT ON COLUMN units.unit_id IS 'Stable ASCII unit id, e.g. datong-sic.';
COMMENT ON COLUMN units.name IS 'Unit name (单位名称).';
COMMENT ON COLUMN units.province IS 'Province (省).';
COMMENT ON COLUMN units.city IS 'City (市).';
COMMENT ON COLUMN units.county IS 'County (县); empty for city-level units.';
COMMENT ON COLUMN units.level IS 'Administrative level: 省级 / 市级 / 县级.';
COMMENT ON COLUMN units.kind IS 'Kind of unit: 行政单位 / 参公事业单位 / 事业单位 ….';
COMMENT ON COLUMN units.stewards IS 'Data stewards'' e-mail addresses, comma-separated.';
COMMENT ON COLUMN units.registry_order IS 'Position of the unit in the registry file (1-based).';
COMMENT ON COLUMN units.short_name IS 'Short label for tables and charts: the county, else the city, without its suffix (大同, 大竹); the unit name when two units of the registry share the place.';
