-- unit_ratios: the ratios analysts compare units by, one row per unit and year.
-- Built on unit_year_totals (headline figures), unit_year_structure (人员经费 / 公用经费) and the
-- 三公 table (preferred_facts); every input column is shown beside the ratios it feeds, and the
-- unit-year's data_quality verdict beside them all.
CREATE VIEW unit_ratios AS
WITH totals AS (
    SELECT * FROM unit_year_totals
),

basic_groups AS (
    SELECT
        unit_id,
        year,
        max(amount) FILTER (WHERE component = '人员经费') AS personnel,
        max(amount) FILTER (WHERE component = '公用经费') AS public_use
    FROM unit_year_structure
    WHERE dimension = '基本支出经费'
    GROUP BY unit_id, year
),

three_public AS (
    SELECT
        unit_id,
        year,
        max(value) FILTER (WHERE column_name = '决算数') AS actual,
        max(value) FILTER (WHERE column_name = '预算数') AS budget
    FROM preferred_facts
    WHERE table_name = '财政拨款“三公”经费支出决算表' AND subject_key = '合计'
    GROUP BY unit_id, year
),

quality AS (
    SELECT unit_id, year, quality, reconciles FROM data_quality
),

units AS (
    SELECT unit_id, registry_order FROM stg_units
)

SELECT
    totals.unit_id,
    totals.unit_name,
    totals.year,
    totals."本年支出合计",
    totals."基本支出",
    totals."项目支出",
    CAST(round(totals."基本支出" / nullif(totals."本年支出合计", 0), 6) AS DOUBLE) AS basic_share,
    CAST(round(totals."项目支出" / nullif(totals."本年支出合计", 0), 6) AS DOUBLE) AS project_share,
    totals."本年收入合计",
    totals."财政拨款收入",
    CAST(round(totals."财政拨款收入" / nullif(totals."本年收入合计", 0), 6) AS DOUBLE) AS appropriation_share,
    basic_groups.personnel AS "人员经费",
    basic_groups.public_use AS "公用经费",
    CAST(
        round(basic_groups.personnel / nullif(basic_groups.personnel + basic_groups.public_use, 0), 6) AS DOUBLE
    ) AS personnel_share_of_basic,
    three_public.actual AS "三公经费",
    three_public.budget AS "三公经费预算数",
    CAST(round(three_public.actual * 10000 / nullif(basic_groups.public_use, 0), 2) AS DOUBLE)
        AS three_public_yuan_per_10k_public_use,
    CAST(round(three_public.actual / nullif(three_public.budget, 0), 6) AS DOUBLE) AS three_public_execution,
    quality.quality,
    quality.reconciles
FROM totals
LEFT JOIN basic_groups ON basic_groups.unit_id = totals.unit_id AND basic_groups.year = totals.year
LEFT JOIN three_public ON three_public.unit_id = totals.unit_id AND three_public.year = totals.year
LEFT JOIN quality ON quality.unit_id = totals.unit_id AND quality.year = totals.year
LEFT JOIN units ON units.unit_id = totals.unit_id
ORDER BY units.registry_order NULLS LAST, totals.unit_id, totals.year;

COMMENT ON VIEW unit_ratios IS 'The ratios analysts compare units by, per unit and year: 基本支出 and 项目支出 shares of spending, 财政拨款收入 share of income, 人员经费 share of 基本支出, 三公经费 per 万元 of 公用经费, and 三公 budget execution. Inputs shown beside the ratios; a ratio is NULL when an input is not stated or its base is zero.';
COMMENT ON COLUMN unit_ratios.unit_id IS 'Unit id.';
COMMENT ON COLUMN unit_ratios.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN unit_ratios.year IS 'Fiscal year.';
COMMENT ON COLUMN unit_ratios."本年支出合计" IS 'Spending of the year, 万元 (unit_year_totals).';
COMMENT ON COLUMN unit_ratios."基本支出" IS 'Basic spending, 万元 (unit_year_totals).';
COMMENT ON COLUMN unit_ratios."项目支出" IS 'Project spending, 万元 (unit_year_totals).';
COMMENT ON COLUMN unit_ratios.basic_share IS '基本支出 / 本年支出合计 (fraction 0–1): how much of the spending keeps the unit running.';
COMMENT ON COLUMN unit_ratios.project_share IS '项目支出 / 本年支出合计 (fraction 0–1).';
COMMENT ON COLUMN unit_ratios."本年收入合计" IS 'Income of the year, 万元 (unit_year_totals).';
COMMENT ON COLUMN unit_ratios."财政拨款收入" IS 'Fiscal appropriation income, 万元 (unit_year_totals).';
COMMENT ON COLUMN unit_ratios.appropriation_share IS '财政拨款收入 / 本年收入合计 (fraction 0–1): dependence on appropriations.';
COMMENT ON COLUMN unit_ratios."人员经费" IS 'Personnel part of general-budget basic spending (人员经费合计, else 301 + 303), 万元 (unit_year_structure).';
COMMENT ON COLUMN unit_ratios."公用经费" IS 'Public-use part of general-budget basic spending (公用经费合计, else the other economic classes), 万元 (unit_year_structure).';
COMMENT ON COLUMN unit_ratios.personnel_share_of_basic IS '人员经费 / (人员经费 + 公用经费) (fraction 0–1).';
COMMENT ON COLUMN unit_ratios."三公经费" IS '“三公” spending (财政拨款“三公”经费支出决算表, 合计, 决算数), 万元.';
COMMENT ON COLUMN unit_ratios."三公经费预算数" IS '“三公” budget (合计, 预算数), 万元; NULL when the report states none.';
COMMENT ON COLUMN unit_ratios.three_public_yuan_per_10k_public_use IS '三公经费 per 万元 of 公用经费, in 元 (三公经费 × 10000 / 公用经费, 2 decimals): 270.66 means 270.66 元 of 三公 per 万元 of 公用经费.';
COMMENT ON COLUMN unit_ratios.three_public_execution IS '三公经费 / 三公经费预算数 (fraction; 1 = budget spent exactly); NULL without a budget or with a zero one.';
COMMENT ON COLUMN unit_ratios.quality IS 'data_quality.quality of the unit-year: exact, rounding, warnings, errors, not checkable, not validated.';
COMMENT ON COLUMN unit_ratios.reconciles IS 'data_quality.reconciles: true when no accounting identity of the unit-year is an error; NULL when not validated.';
