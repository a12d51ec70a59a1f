-- unit_year_structure: how each unit-year's money splits, in one long table with shares.
-- Four breakdowns (dimension): where the income came from (收入来源), what kind of spending it was
-- (支出类型: 基本/项目/…), what basic spending went on (基本支出经费: 人员经费/公用经费), and the
-- functional classes (支出功能分类, from function_class_spending). Each component is taken from the
-- first candidate the report states, table facts before narrative facts, then in candidate order.
CREATE VIEW unit_year_structure AS
WITH candidates (dimension, component, component_order, priority, table_name, line_item, column_name) AS (
    VALUES
        ('收入来源', '财政拨款收入', 1, 1, '收入决算表', '合计', '财政拨款收入'),
        ('收入来源', '财政拨款收入', 1, 2, '财政拨款收入支出决算总表', '本年收入合计', '金额'),
        ('收入来源', '财政拨款收入', 1, 3, '收入支出决算总表', '财政拨款收入（三项之和）', '金额'),
        ('收入来源', '上级补助收入', 2, 1, '收入决算表', '合计', '上级补助收入'),
        ('收入来源', '上级补助收入', 2, 2, '收入支出决算总表', '上级补助收入', '金额'),
        ('收入来源', '事业收入', 3, 1, '收入决算表', '合计', '事业收入'),
        ('收入来源', '事业收入', 3, 2, '收入支出决算总表', '事业收入', '金额'),
        ('收入来源', '经营收入', 4, 1, '收入决算表', '合计', '经营收入'),
        ('收入来源', '经营收入', 4, 2, '收入支出决算总表', '经营收入', '金额'),
        ('收入来源', '附属单位上缴收入', 5, 1, '收入决算表', '合计', '附属单位上缴收入'),
        ('收入来源', '附属单位上缴收入', 5, 2, '收入支出决算总表', '附属单位上缴收入', '金额'),
        ('收入来源', '其他收入', 6, 1, '收入决算表', '合计', '其他收入'),
        ('收入来源', '其他收入', 6, 2, '收入支出决算总表', '其他收入', '金额'),
        ('支出类型', '基本支出', 1, 1, '支出决算表', '合计', '基本支出'),
        ('支出类型', '基本支出', 1, 2, '一般公共预算财政拨款支出决算表', '合计', '基本支出'),
        ('支出类型', '项目支出', 2, 1, '支出决算表', '合计', '项目支出'),
        ('支出类型', '项目支出', 2, 2, '一般公共预算财政拨款支出决算表', '合计', '项目支出'),
        ('支出类型', '上缴上级支出', 3, 1, '支出决算表', '合计', '上缴上级支出'),
        ('支出类型', '经营支出', 4, 1, '支出决算表', '合计', '经营支出'),
        ('支出类型', '对附属单位补助支出', 5, 1, '支出决算表', '合计', '对附属单位补助支出'),
        ('基本支出经费', '人员经费', 1, 1, '一般公共预算财政拨款基本支出决算表', '人员经费合计', '决算数'),
        ('基本支出经费', '人员经费', 1, 2, '一般公共预算财政拨款基本支出决算表', '人员经费（经济分类之和）', '决算数'),
        ('基本支出经费', '公用经费', 2, 1, '一般公共预算财政拨款基本支出决算表', '公用经费合计', '决算数'),
        ('基本支出经费', '公用经费', 2, 2, '一般公共预算财政拨款基本支出决算表', '公用经费（经济分类之和）', '决算数')
),

staged AS (
    SELECT unit_id, year, table_name, line_item, column_name, value, source_kind
    FROM stg_facts
    WHERE subject_code IS NULL AND report_kind = '决算'
),

-- 收入支出决算总表 splits 财政拨款收入 into three budget lines; their sum stands in for the total.
fiscal_income_lines AS (
    SELECT
        unit_id,
        year,
        '收入支出决算总表' AS table_name,
        '财政拨款收入（三项之和）' AS line_item,
        '金额' AS column_name,
        sum(value) AS value,
        source_kind
    FROM staged
    WHERE table_name = '收入支出决算总表'
        AND line_item IN ('一般公共预算财政拨款收入', '政府性基金预算财政拨款收入', '国有资本经营预算财政拨款收入')
    GROUP BY unit_id, year, source_kind
),

-- Without the 人员经费合计 / 公用经费合计 lines, the economic classes add up to them (301 + 303 are 人员经费).
basic_group_sums AS (
    SELECT
        unit_id,
        year,
        '一般公共预算财政拨款基本支出决算表' AS table_name,
        expense_group || '（经济分类之和）' AS line_item,
        '决算数' AS column_name,
        sum(amount) AS value,
        CASE WHEN bool_and(source_kind = 'table') THEN 'table' ELSE 'narrative' END AS source_kind
    FROM basic_expenditure
    GROUP BY unit_id, year, expense_group
),

stated AS (
    SELECT * FROM staged
    UNION ALL
    SELECT * FROM fiscal_income_lines
    UNION ALL
    SELECT * FROM basic_group_sums
),

chosen AS (
    SELECT
        candidates.dimension,
        candidates.component,
        candidates.component_order,
        stated.unit_id,
        stated.year,
        stated.value AS amount,
        stated.source_kind,
        stated.table_name || '/' || stated.line_item || '/' || stated.column_name AS basis
    FROM stated
    JOIN candidates
        ON stated.table_name = candidates.table_name
        AND stated.line_item = candidates.line_item
        AND stated.column_name = candidates.column_name
    QUALIFY row_number() OVER (
        PARTITION BY stated.unit_id, stated.year, candidates.dimension, candidates.component
        ORDER BY (stated.source_kind = 'table') DESC, candidates.priority
    ) = 1
),

totals AS (
    SELECT unit_id, year, "本年收入合计" AS income_total, "本年支出合计" AS spending_total
    FROM unit_year_totals
),

components AS (
    SELECT
        chosen.*,
        CASE chosen.dimension
            WHEN '收入来源' THEN totals.income_total
            WHEN '支出类型' THEN totals.spending_total
            ELSE sum(chosen.amount) OVER (PARTITION BY chosen.unit_id, chosen.year, chosen.dimension)
        END AS total,
        CASE chosen.dimension
            WHEN '收入来源' THEN '本年收入合计'
            WHEN '支出类型' THEN '本年支出合计'
            ELSE '人员经费 + 公用经费'
        END AS total_name,
        NULL::VARCHAR AS component_code
    FROM chosen
    LEFT JOIN totals ON totals.unit_id = chosen.unit_id AND totals.year = chosen.year
),

classes AS (
    SELECT
        '支出功能分类' AS dimension,
        class_name AS component,
        CAST(class_code AS INTEGER) AS component_order,
        unit_id,
        year,
        spending AS amount,
        source_kind,
        basis,
        sum(spending) OVER (PARTITION BY unit_id, year) AS total,
        '各类之和' AS total_name,
        class_code AS component_code
    FROM function_class_spending
),

unioned AS (
    SELECT
        dimension, component_code, component, component_order, unit_id, year, amount, total, total_name,
        source_kind, basis
    FROM components
    UNION ALL
    SELECT
        dimension, component_code, component, component_order, unit_id, year, amount, total, total_name,
        source_kind, basis
    FROM classes
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    unioned.unit_id,
    units.unit_name,
    unioned.year,
    unioned.dimension,
    unioned.component_code,
    unioned.component,
    unioned.amount,
    unioned.total,
    unioned.total_name,
    CAST(round(unioned.amount / nullif(unioned.total, 0), 6) AS DOUBLE) AS share,
    unioned.source_kind,
    unioned.basis
FROM unioned
LEFT JOIN units ON units.unit_id = unioned.unit_id
ORDER BY
    units.registry_order NULLS LAST,
    unioned.unit_id,
    unioned.year,
    CASE unioned.dimension WHEN '收入来源' THEN 1 WHEN '支出类型' THEN 2 WHEN '基本支出经费' THEN 3 ELSE 4 END,
    unioned.component_order;

COMMENT ON VIEW unit_year_structure IS 'How each unit-year''s money splits, long format with shares: 收入来源 (income sources, share of 本年收入合计), 支出类型 (基本/项目/… share of 本年支出合计), 基本支出经费 (人员经费/公用经费, share of their sum) and 支出功能分类 (functional 类, share of the class total). Amounts in 万元; table facts preferred, narrative filling gaps.';
COMMENT ON COLUMN unit_year_structure.unit_id IS 'Unit id.';
COMMENT ON COLUMN unit_year_structure.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN unit_year_structure.year IS 'Fiscal year.';
COMMENT ON COLUMN unit_year_structure.dimension IS 'The breakdown: 收入来源, 支出类型, 基本支出经费 or 支出功能分类.';
COMMENT ON COLUMN unit_year_structure.component_code IS 'Functional 类 code (3 digits) for 支出功能分类; NULL for the other breakdowns.';
COMMENT ON COLUMN unit_year_structure.component IS 'Part of the breakdown: 财政拨款收入, 其他收入 …; 基本支出, 项目支出 …; 人员经费, 公用经费; or the 类 name (社会保障和就业支出 …).';
COMMENT ON COLUMN unit_year_structure.amount IS 'Amount of the component, 万元.';
COMMENT ON COLUMN unit_year_structure.total IS 'What the share is of (see total_name), 万元; NULL when the report states no such total.';
COMMENT ON COLUMN unit_year_structure.total_name IS 'The total the share is taken of: 本年收入合计, 本年支出合计 (both from unit_year_totals), 人员经费 + 公用经费, or 各类之和 (sum of the unit-year''s functional classes).';
COMMENT ON COLUMN unit_year_structure.share IS 'amount / total (fraction 0–1, 6 decimals); NULL when the total is unknown or zero.';
COMMENT ON COLUMN unit_year_structure.source_kind IS 'table, or narrative when the report states the component only in its prose.';
COMMENT ON COLUMN unit_year_structure.basis IS 'table_name/line_item/column_name the amount came from; 财政拨款收入（三项之和） and 人员经费/公用经费（经济分类之和） are sums the mart computes when the report states no total line.';
