-- headline_figures: the headline figures of each report in long form, each with the key of the fact it
-- comes from (so a viewer can trace it to its page). Each figure is taken from the first candidate the
-- report states, table facts before narrative facts, then in the candidate order below.
-- unit_year_totals pivots this view.
CREATE VIEW headline_figures AS
WITH candidates (measure, measure_order, priority, table_name, line_item, column_name) AS (
    VALUES
        ('收入总计', 1, 1, '收入支出决算总表', '收入总计', '金额'),
        ('本年收入合计', 2, 1, '收入支出决算总表', '本年收入合计', '金额'),
        ('本年收入合计', 2, 2, '收入决算表', '合计', '本年收入合计'),
        ('本年支出合计', 3, 1, '收入支出决算总表', '本年支出合计', '金额'),
        ('本年支出合计', 3, 2, '支出决算表', '合计', '本年支出合计'),
        ('基本支出', 4, 1, '支出决算表', '合计', '基本支出'),
        ('基本支出', 4, 2, '一般公共预算财政拨款支出决算表', '合计', '基本支出'),
        ('项目支出', 5, 1, '支出决算表', '合计', '项目支出'),
        ('项目支出', 5, 2, '一般公共预算财政拨款支出决算表', '合计', '项目支出'),
        ('财政拨款收入', 6, 1, '收入决算表', '合计', '财政拨款收入'),
        ('财政拨款收入', 6, 2, '财政拨款收入支出决算总表', '本年收入合计', '金额'),
        ('财政拨款收入', 6, 3, '收入支出决算总表', '一般公共预算财政拨款收入', '金额')
),

staged AS (
    -- 决算 figures only: the budget's own marts are budget_vs_final.
    SELECT * FROM stg_facts WHERE report_kind = '决算'
),

matches AS (
    SELECT
        candidates.measure,
        candidates.measure_order,
        candidates.priority,
        staged.unit_id,
        staged.year,
        staged.table_name,
        staged.subject_key,
        staged.column_name,
        staged.value,
        staged.source_kind
    FROM staged
    JOIN candidates
        ON staged.table_name = candidates.table_name
        AND staged.subject_code IS NULL
        AND staged.line_item = candidates.line_item
        AND staged.column_name = candidates.column_name
),

chosen AS (
    SELECT *
    FROM matches
    QUALIFY row_number() OVER (
        PARTITION BY unit_id, year, measure
        ORDER BY (source_kind = 'table') DESC, priority
    ) = 1
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    chosen.unit_id,
    units.unit_name,
    chosen.year,
    chosen.measure,
    chosen.measure_order,
    chosen.value,
    chosen.source_kind,
    chosen.table_name,
    chosen.subject_key,
    chosen.column_name
FROM chosen
LEFT JOIN units ON units.unit_id = chosen.unit_id
ORDER BY units.registry_order NULLS LAST, chosen.unit_id, chosen.year, chosen.measure_order;

COMMENT ON VIEW headline_figures IS 'Headline figures per unit and year in long form (收入总计, 本年收入合计, 本年支出合计, 基本支出, 项目支出, 财政拨款收入), each with the key of the fact it was taken from; unit_year_totals is its pivot. A figure the report states nowhere has no row.';
COMMENT ON COLUMN headline_figures.unit_id IS 'Unit id.';
COMMENT ON COLUMN headline_figures.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN headline_figures.year IS 'Fiscal year.';
COMMENT ON COLUMN headline_figures.measure IS 'Which headline figure: 收入总计, 本年收入合计, 本年支出合计, 基本支出, 项目支出 or 财政拨款收入 (see unit_year_totals for the candidates of each).';
COMMENT ON COLUMN headline_figures.measure_order IS 'Display order of the measure (1 = 收入总计 … 6 = 财政拨款收入).';
COMMENT ON COLUMN headline_figures.value IS 'The figure, 万元 (a count such as 车辆数 in 辆 never is a headline figure).';
COMMENT ON COLUMN headline_figures.source_kind IS 'table or narrative: the fact it came from.';
COMMENT ON COLUMN headline_figures.table_name IS 'Canonical table of the fact it came from.';
COMMENT ON COLUMN headline_figures.subject_key IS 'Row key of the fact it came from (its line item, e.g. 合计 or 收入总计).';
COMMENT ON COLUMN headline_figures.column_name IS 'Column of the fact it came from.';
