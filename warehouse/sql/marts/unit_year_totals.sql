-- unit_year_totals: the headline figures of each report, one row per unit and year.
-- Each figure is taken from the first candidate that the report states, table facts before
-- narrative facts (headline_figures holds the candidates and the chosen facts' keys).
CREATE VIEW unit_year_totals AS
WITH unit_years AS (
    SELECT DISTINCT unit_id, year FROM stg_facts WHERE report_kind = '决算'
),

chosen AS (
    SELECT * FROM headline_figures
),

pivoted AS (
    SELECT
        unit_id,
        year,
        max(value) FILTER (WHERE measure = '收入总计') AS "收入总计",
        max(value) FILTER (WHERE measure = '本年收入合计') AS "本年收入合计",
        max(value) FILTER (WHERE measure = '本年支出合计') AS "本年支出合计",
        max(value) FILTER (WHERE measure = '基本支出') AS "基本支出",
        max(value) FILTER (WHERE measure = '项目支出') AS "项目支出",
        max(value) FILTER (WHERE measure = '财政拨款收入') AS "财政拨款收入",
        bool_and(source_kind = 'table') AS all_table,
        bool_and(source_kind = 'narrative') AS all_narrative
    FROM chosen
    GROUP BY unit_id, year
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    unit_years.unit_id,
    units.unit_name,
    unit_years.year,
    pivoted."收入总计",
    pivoted."本年收入合计",
    pivoted."本年支出合计",
    pivoted."基本支出",
    pivoted."项目支出",
    pivoted."财政拨款收入",
    CASE
        WHEN pivoted.all_table THEN 'table'
        WHEN pivoted.all_narrative THEN 'narrative'
        WHEN pivoted.unit_id IS NOT NULL THEN 'mixed'
    END AS source
FROM unit_years
LEFT JOIN pivoted ON pivoted.unit_id = unit_years.unit_id AND pivoted.year = unit_years.year
LEFT JOIN units ON units.unit_id = unit_years.unit_id
ORDER BY units.registry_order NULLS LAST, unit_years.unit_id, unit_years.year;

COMMENT ON VIEW unit_year_totals IS 'Headline figures per unit and year (万元). Table facts win; narrative facts fill gaps. NULL = the report states the figure nowhere.';
COMMENT ON COLUMN unit_year_totals.unit_id IS 'Unit id.';
COMMENT ON COLUMN unit_year_totals.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN unit_year_totals.year IS 'Fiscal year.';
COMMENT ON COLUMN unit_year_totals."收入总计" IS 'Total income incl. carry-over, 万元: 收入支出决算总表 line 收入总计, column 金额.';
COMMENT ON COLUMN unit_year_totals."本年收入合计" IS 'Income of the year, 万元: 收入支出决算总表 本年收入合计/金额, else 收入决算表 合计/本年收入合计.';
COMMENT ON COLUMN unit_year_totals."本年支出合计" IS 'Spending of the year, 万元: 收入支出决算总表 本年支出合计/金额, else 支出决算表 合计/本年支出合计.';
COMMENT ON COLUMN unit_year_totals."基本支出" IS 'Basic spending, 万元: 支出决算表 合计/基本支出, else 一般公共预算财政拨款支出决算表 合计/基本支出.';
COMMENT ON COLUMN unit_year_totals."项目支出" IS 'Project spending, 万元: 支出决算表 合计/项目支出, else 一般公共预算财政拨款支出决算表 合计/项目支出.';
COMMENT ON COLUMN unit_year_totals."财政拨款收入" IS 'Fiscal appropriation income, 万元: 收入决算表 合计/财政拨款收入, else 财政拨款收入支出决算总表 本年收入合计/金额, else 收入支出决算总表 一般公共预算财政拨款收入/金额.';
COMMENT ON COLUMN unit_year_totals.source IS 'Where the figures came from: table, narrative, or mixed; NULL when none of them is stated.';
