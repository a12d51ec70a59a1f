-- budget_final_pairs: which 预算 table and column holds the budget of which 决算 table and column (a seed).
-- A row with NULL lines pairs every row (subject code or line item) of the two by its key; a row with
-- lines pairs one 决算 line with one 预算 line where the two reports lay the figure out differently
-- (the 决算's 人员经费合计 line is the 预算's 合计 row in its 人员经费 column). Several rows with the
-- same 决算 table, column and line are alternatives: row by row, the first the 预算 report states is
-- used. To pair another table, add a row here: budget_vs_final follows.
CREATE VIEW budget_final_pairs AS
WITH seed (
    pair_order, final_table, final_column, final_line, budget_table, budget_column, budget_line, stated_budget_column
) AS (
    VALUES
        (1, '收入支出决算总表', '金额', NULL, '收支预算总表', '预算数', NULL, NULL),
        (2, '收入决算表', '本年收入合计', NULL, '收入预算表', '合计', NULL, NULL),
        (3, '收入决算表', '财政拨款收入', NULL, '收入预算表', '财政拨款收入', NULL, NULL),
        (4, '收入决算表', '上级补助收入', NULL, '收入预算表', '上级补助收入', NULL, NULL),
        (5, '收入决算表', '事业收入', NULL, '收入预算表', '事业收入', NULL, NULL),
        (6, '收入决算表', '经营收入', NULL, '收入预算表', '事业单位经营收入', NULL, NULL),
        (7, '收入决算表', '附属单位上缴收入', NULL, '收入预算表', '附属单位上缴收入', NULL, NULL),
        (8, '收入决算表', '其他收入', NULL, '收入预算表', '其他收入', NULL, NULL),
        (9, '支出决算表', '本年支出合计', NULL, '支出预算表', '合计', NULL, NULL),
        (10, '支出决算表', '基本支出', NULL, '支出预算表', '基本支出', NULL, NULL),
        (11, '支出决算表', '项目支出', NULL, '支出预算表', '项目支出', NULL, NULL),
        (12, '财政拨款收入支出决算总表', '金额', NULL, '财政拨款收支预算总表', '预算数', NULL, NULL),
        (13, '财政拨款收入支出决算总表', '合计', NULL, '财政拨款收支预算总表', '合计', NULL, NULL),
        (14, '财政拨款收入支出决算总表', '一般公共预算财政拨款', NULL, '财政拨款收支预算总表', '一般公共预算', NULL, NULL),
        (15, '财政拨款收入支出决算总表', '政府性基金预算财政拨款', NULL, '财政拨款收支预算总表', '政府性基金预算', NULL, NULL),
        (
            16, '财政拨款收入支出决算总表', '国有资本经营预算财政拨款', NULL, '财政拨款收支预算总表', '国有资本经营预算',
            NULL, NULL
        ),
        (17, '一般公共预算财政拨款支出决算表', '小计', NULL, '一般公共预算支出预算表', '合计', NULL, '年初预算数'),
        (18, '一般公共预算财政拨款支出决算表', '基本支出', NULL, '一般公共预算支出预算表', '基本支出', NULL, NULL),
        (19, '一般公共预算财政拨款支出决算表', '项目支出', NULL, '一般公共预算支出预算表', '项目支出', NULL, NULL),
        (20, '一般公共预算财政拨款基本支出决算表', '决算数', NULL, '一般公共预算基本支出预算表', '合计', NULL, NULL),
        (
            21, '一般公共预算财政拨款基本支出决算表', '决算数', '人员经费合计', '一般公共预算基本支出预算表', '人员经费',
            '合计', NULL
        ),
        (
            22, '一般公共预算财政拨款基本支出决算表', '决算数', '公用经费合计', '一般公共预算基本支出预算表', '公用经费',
            '合计', NULL
        ),
        (23, '政府性基金预算财政拨款收入支出决算表', '小计', NULL, '政府性基金预算支出预算表', '合计', NULL, NULL),
        (24, '政府性基金预算财政拨款收入支出决算表', '基本支出', NULL, '政府性基金预算支出预算表', '基本支出', NULL, NULL),
        (25, '政府性基金预算财政拨款收入支出决算表', '项目支出', NULL, '政府性基金预算支出预算表', '项目支出', NULL, NULL),
        (26, '国有资本经营预算财政拨款支出决算表', '合计', NULL, '国有资本经营预算支出预算表', '合计', NULL, NULL),
        (27, '国有资本经营预算财政拨款支出决算表', '基本支出', NULL, '国有资本经营预算支出预算表', '基本支出', NULL, NULL),
        (28, '国有资本经营预算财政拨款支出决算表', '项目支出', NULL, '国有资本经营预算支出预算表', '项目支出', NULL, NULL),
        (29, '财政拨款“三公”经费支出决算表', '决算数', NULL, '“三公”经费支出预算表', '预算数', NULL, '预算数'),
        -- A budget table printing 会议费 and 培训费 beside the 三公 items has a “三公”经费 subtotal, and
        -- its 合计 includes them: the 决算's 三公 合计 is that subtotal where printed, else the 合计.
        (
            30, '财政拨款“三公”经费支出决算表', '决算数', '合计', '“三公”经费支出预算表', '预算数', '“三公”经费',
            '预算数'
        ),
        (31, '财政拨款“三公”经费支出决算表', '决算数', '合计', '“三公”经费支出预算表', '预算数', '合计', '预算数'),
        -- 机关运行经费: its own budget table's 合计, else the line some 三公 budget tables print.
        (32, '部门决算公开相关信息统计表', '统计数', '机关运行经费', '机关运行经费支出预算表', '预算数', '合计', NULL),
        (
            33, '部门决算公开相关信息统计表', '统计数', '机关运行经费', '“三公”经费支出预算表', '预算数', '机关运行经费',
            NULL
        ),
        -- The summary tables' fund lines: the 预算 names them as the 决算 does, or as 一般公共预算资金 ….
        (34, '收入支出决算总表', '金额', '一般公共预算财政拨款收入', '收支预算总表', '预算数', '一般公共预算财政拨款收入', NULL),
        (35, '收入支出决算总表', '金额', '一般公共预算财政拨款收入', '收支预算总表', '预算数', '一般公共预算资金', NULL),
        (36, '收入支出决算总表', '金额', '政府性基金预算财政拨款收入', '收支预算总表', '预算数', '政府性基金预算财政拨款收入', NULL),
        (37, '收入支出决算总表', '金额', '政府性基金预算财政拨款收入', '收支预算总表', '预算数', '政府性基金预算资金', NULL),
        (38, '收入支出决算总表', '金额', '国有资本经营预算财政拨款收入', '收支预算总表', '预算数', '国有资本经营预算财政拨款收入', NULL),
        (39, '收入支出决算总表', '金额', '国有资本经营预算财政拨款收入', '收支预算总表', '预算数', '国有资本经营预算资金', NULL),
        (40, '财政拨款收入支出决算总表', '金额', '一般公共预算财政拨款收入', '财政拨款收支预算总表', '预算数', '一般公共预算财政拨款收入', NULL),
        (41, '财政拨款收入支出决算总表', '金额', '一般公共预算财政拨款收入', '财政拨款收支预算总表', '预算数', '一般公共预算资金', NULL),
        (42, '财政拨款收入支出决算总表', '金额', '政府性基金预算财政拨款收入', '财政拨款收支预算总表', '预算数', '政府性基金预算财政拨款收入', NULL),
        (43, '财政拨款收入支出决算总表', '金额', '政府性基金预算财政拨款收入', '财政拨款收支预算总表', '预算数', '政府性基金预算资金', NULL),
        (44, '财政拨款收入支出决算总表', '金额', '国有资本经营预算财政拨款收入', '财政拨款收支预算总表', '预算数', '国有资本经营预算财政拨款收入', NULL),
        (45, '财政拨款收入支出决算总表', '金额', '国有资本经营预算财政拨款收入', '财政拨款收支预算总表', '预算数', '国有资本经营预算资金', NULL),
        -- Units whose 预算 has the 财政拨款 tables rather than (or besides) the 一般公共预算 ones: their
        -- figures where the first pair's table does not state the row.
        (46, '财政拨款收入支出决算总表', '合计', NULL, '财政拨款支出预算表', '合计', NULL, NULL),
        (47, '一般公共预算财政拨款基本支出决算表', '决算数', NULL, '财政拨款基本支出预算表', '合计', NULL, NULL),
        (
            48, '一般公共预算财政拨款基本支出决算表', '决算数', '人员经费合计', '财政拨款基本支出预算表', '人员经费', '合计',
            NULL
        ),
        (
            49, '一般公共预算财政拨款基本支出决算表', '决算数', '公用经费合计', '财政拨款基本支出预算表', '公用经费', '合计',
            NULL
        )
)

SELECT
    CAST(pair_order AS INTEGER) AS pair_order,
    CAST(final_table AS VARCHAR) AS final_table,
    CAST(final_column AS VARCHAR) AS final_column,
    CAST(final_line AS VARCHAR) AS final_line,
    CAST(budget_table AS VARCHAR) AS budget_table,
    CAST(budget_column AS VARCHAR) AS budget_column,
    CAST(budget_line AS VARCHAR) AS budget_line,
    CAST(stated_budget_column AS VARCHAR) AS stated_budget_column
FROM seed
ORDER BY pair_order;

COMMENT ON VIEW budget_final_pairs IS 'Seed: the 预算 table and column holding the budget of each 决算 table and column (budget_vs_final pairs the figures by these rows).';
COMMENT ON COLUMN budget_final_pairs.pair_order IS 'Order of the pair (the 决算''s table order).';
COMMENT ON COLUMN budget_final_pairs.final_table IS 'Canonical 决算 table.';
COMMENT ON COLUMN budget_final_pairs.final_column IS 'Column of the 决算 table holding the outturn (决算数).';
COMMENT ON COLUMN budget_final_pairs.final_line IS 'NULL: every row of the table, paired with the 预算 row of the same subject code or line item; else the one 决算 line paired with budget_line (several rows with the same final_table, final_column and final_line are alternatives: row by row, the first one the 预算 states is used).';
COMMENT ON COLUMN budget_final_pairs.budget_table IS 'Canonical 预算 table.';
COMMENT ON COLUMN budget_final_pairs.budget_column IS 'Column of the 预算 table holding the budget (预算数).';
COMMENT ON COLUMN budget_final_pairs.budget_line IS 'NULL: the row of the same key as the 决算''s; else the 预算 line paired with final_line.';
COMMENT ON COLUMN budget_final_pairs.stated_budget_column IS 'Column in which the 决算 itself states the budget of the same row (年初预算数, or the “三公” table''s 预算数); NULL when it states none.';
