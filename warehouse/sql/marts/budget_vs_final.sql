-- budget_vs_final: what each unit budgeted (its 预算 report) against what it spent or received (its 决算),
-- per unit, year, subject and column, paired by budget_final_pairs. Each side is its report's
-- preferred figure (table fact, else the prose). A side the unit did not publish (no 预算 report, or
-- a subject only one report states) is NULL, never 0: a missing budget is not a zero budget.
CREATE VIEW budget_vs_final AS
WITH pairs AS (
    -- Pairs of the same 决算 table, column and line (or all its rows) are alternatives for its budget,
    -- row by row the first the 预算 states wins: they share a slot (the first one's pair_order), and the
    -- 决算 side is read once, by that first pair.
    SELECT
        *,
        min(pair_order) OVER (PARTITION BY final_table, final_column, final_line) AS slot
    FROM budget_final_pairs
),

-- Lines a pair names explicitly are paired by it alone, not also by the generic pair of their table.
claimed AS (
    SELECT final_table, final_column, final_line, budget_table, budget_column, budget_line
    FROM pairs
    WHERE final_line IS NOT NULL
),

final_facts AS (
    SELECT * FROM preferred_facts
),

-- The 预算 reports' figures, one per key: the table fact, else the prose (as preferred_facts for 决算).
budget_facts AS (
    SELECT *
    FROM stg_facts
    WHERE report_kind = '预算'
    QUALIFY row_number() OVER (
        PARTITION BY unit_id, year, table_name, subject_key, column_name
        ORDER BY CASE source_kind WHEN 'table' THEN 1 WHEN 'narrative' THEN 2 ELSE 3 END
    ) = 1
),

final_side AS (
    SELECT
        pairs.slot,
        final_facts.unit_id,
        final_facts.year,
        final_facts.subject_key AS match_key,
        final_facts.subject_code,
        final_facts.subject_name,
        final_facts.subject_level,
        final_facts.line_item,
        final_facts.value,
        final_facts.source_kind,
        final_facts.document_sha256,
        final_facts.page
    FROM pairs
    JOIN final_facts
        ON final_facts.table_name = pairs.final_table
        AND final_facts.column_name = pairs.final_column
        AND (pairs.final_line IS NULL OR final_facts.subject_key = pairs.final_line)
    WHERE pairs.pair_order = pairs.slot
        AND (pairs.final_line IS NOT NULL OR NOT EXISTS (
            SELECT 1 FROM claimed
            WHERE claimed.final_table = pairs.final_table
                AND claimed.final_column = pairs.final_column
                AND claimed.final_line = final_facts.subject_key
        ))
),

budget_side AS (
    SELECT
        pairs.slot,
        pairs.pair_order AS budget_pair_order,
        budget_facts.unit_id,
        budget_facts.year,
        coalesce(pairs.final_line, budget_facts.subject_key) AS match_key,
        budget_facts.subject_key AS budget_subject_key,
        budget_facts.subject_code,
        budget_facts.subject_name,
        budget_facts.subject_level,
        budget_facts.line_item,
        budget_facts.value,
        budget_facts.source_kind,
        budget_facts.document_sha256,
        budget_facts.page
    FROM pairs
    JOIN budget_facts
        ON budget_facts.table_name = pairs.budget_table
        AND budget_facts.column_name = pairs.budget_column
        AND (pairs.budget_line IS NULL OR budget_facts.subject_key = pairs.budget_line)
    WHERE pairs.budget_line IS NOT NULL OR NOT EXISTS (
        SELECT 1 FROM claimed
        WHERE claimed.budget_table = pairs.budget_table
            AND claimed.budget_column = pairs.budget_column
            AND claimed.budget_line = budget_facts.subject_key
    )
    QUALIFY row_number() OVER (
        PARTITION BY pairs.slot, budget_facts.unit_id, budget_facts.year, match_key ORDER BY pairs.pair_order
    ) = 1
),

-- What the 决算 itself says was budgeted for the same row (年初预算数 in its prose, the “三公” 预算数).
stated AS (
    SELECT pairs.slot, final_facts.unit_id, final_facts.year, final_facts.subject_key AS match_key,
        final_facts.value
    FROM pairs
    JOIN final_facts
        ON final_facts.table_name = pairs.final_table
        AND final_facts.column_name = pairs.stated_budget_column
        AND (pairs.final_line IS NULL OR final_facts.subject_key = pairs.final_line)
    WHERE pairs.pair_order = pairs.slot
),

paired AS (
    SELECT
        coalesce(final_side.slot, budget_side.slot) AS slot,
        coalesce(budget_side.budget_pair_order, coalesce(final_side.slot, budget_side.slot)) AS budget_pair_order,
        coalesce(final_side.unit_id, budget_side.unit_id) AS unit_id,
        coalesce(final_side.year, budget_side.year) AS year,
        coalesce(final_side.match_key, budget_side.match_key) AS subject_key,
        budget_side.budget_subject_key,
        coalesce(final_side.subject_code, budget_side.subject_code) AS subject_code,
        coalesce(
            final_side.subject_name, budget_side.subject_name, final_side.line_item, budget_side.line_item
        ) AS subject_name,
        coalesce(final_side.subject_level, budget_side.subject_level) AS subject_level,
        budget_side.value AS budget_amount,
        final_side.value AS final_amount,
        budget_side.source_kind AS budget_source_kind,
        final_side.source_kind AS final_source_kind,
        budget_side.document_sha256 AS budget_document_sha256,
        budget_side.page AS budget_page,
        final_side.document_sha256 AS final_document_sha256,
        final_side.page AS final_page
    FROM final_side
    FULL OUTER JOIN budget_side
        ON budget_side.slot = final_side.slot
        AND budget_side.unit_id = final_side.unit_id
        AND budget_side.year = final_side.year
        AND budget_side.match_key = final_side.match_key
),

units AS (
    SELECT unit_id, unit_name, registry_order FROM stg_units
)

SELECT
    paired.unit_id,
    units.unit_name,
    paired.year,
    final_pair.final_table,
    final_pair.final_column,
    budget_pair.budget_table,
    budget_pair.budget_column,
    paired.subject_code,
    paired.subject_key,
    coalesce(paired.budget_subject_key, budget_pair.budget_line, paired.subject_key) AS budget_subject_key,
    paired.subject_name,
    paired.subject_level,
    paired.budget_amount,
    paired.final_amount,
    paired.final_amount - paired.budget_amount AS difference,
    CAST(round(paired.final_amount * 100 / nullif(paired.budget_amount, 0), 2) AS DECIMAL(12, 2)) AS execution_rate,
    stated.value AS stated_budget,
    paired.budget_source_kind,
    paired.final_source_kind,
    paired.budget_document_sha256,
    paired.budget_page,
    paired.final_document_sha256,
    paired.final_page
FROM paired
JOIN pairs AS final_pair ON final_pair.pair_order = paired.slot
JOIN pairs AS budget_pair ON budget_pair.pair_order = paired.budget_pair_order
LEFT JOIN stated
    ON stated.slot = paired.slot
    AND stated.unit_id = paired.unit_id
    AND stated.year = paired.year
    AND stated.match_key = paired.subject_key
LEFT JOIN units ON units.unit_id = paired.unit_id
ORDER BY
    units.registry_order NULLS LAST, paired.unit_id, paired.year, paired.slot, paired.subject_key;

COMMENT ON VIEW budget_vs_final IS 'Budget against outturn (预算执行): per unit, year, subject and column, the 预算数 of the unit''s 预算 report beside the 决算数 of its 决算, paired by budget_final_pairs; 执行率 = 决算数 / 预算数. NULL = the report is not in the warehouse or does not state the row (never 0). Amounts in 万元.';
COMMENT ON COLUMN budget_vs_final.unit_id IS 'Unit id.';
COMMENT ON COLUMN budget_vs_final.unit_name IS 'Unit name from the registry; NULL for a unit no longer registered.';
COMMENT ON COLUMN budget_vs_final.year IS 'Fiscal year of both reports (the 预算 published for it, the 决算 of it).';
COMMENT ON COLUMN budget_vs_final.final_table IS 'Canonical 决算 table of final_amount (一般公共预算财政拨款支出决算表 …).';
COMMENT ON COLUMN budget_vs_final.final_column IS 'Column of final_table holding the outturn (小计, 本年支出合计, 决算数 …).';
COMMENT ON COLUMN budget_vs_final.budget_table IS 'Canonical 预算 table of budget_amount (一般公共预算支出预算表 …).';
COMMENT ON COLUMN budget_vs_final.budget_column IS 'Column of budget_table holding the budget (合计, 基本支出, 预算数 …).';
COMMENT ON COLUMN budget_vs_final.subject_code IS '科目代码 (functional 类/款/项, or economic for 基本支出); NULL for a line item such as 合计 or 收入总计.';
COMMENT ON COLUMN budget_vs_final.subject_key IS 'coalesce(subject_code, line_item) of the 决算 row (for the pairs of budget_final_pairs with lines, the 决算 line).';
COMMENT ON COLUMN budget_vs_final.budget_subject_key IS 'coalesce(subject_code, line_item) of the 预算 row: the same as subject_key, except for the pairs of lines (人员经费合计 is the 预算''s 合计 row of its 人员经费 column).';
COMMENT ON COLUMN budget_vs_final.subject_name IS 'Catalogue name of the subject, or the line item.';
COMMENT ON COLUMN budget_vs_final.subject_level IS '类 / 款 / 项; NULL for line items.';
COMMENT ON COLUMN budget_vs_final.budget_amount IS '预算数, 万元: from the 预算 report; NULL when there is none or it does not state the row.';
COMMENT ON COLUMN budget_vs_final.final_amount IS '决算数, 万元: from the 决算; NULL when there is none or it does not state the row.';
COMMENT ON COLUMN budget_vs_final.difference IS '决算数 - 预算数, 万元 (negative: less than budgeted); NULL when either is missing.';
COMMENT ON COLUMN budget_vs_final.execution_rate IS '执行率 in % (not 万元): 决算数 / 预算数 × 100 of the two 万元 amounts, two decimals (100.00 = as budgeted); NULL for a zero or missing budget or a missing outturn.';
COMMENT ON COLUMN budget_vs_final.stated_budget IS 'The budget the 决算 itself states for the row, 万元: 年初预算数 (its prose, 一般公共预算财政拨款支出决算表) or the “三公” table''s 预算数; NULL where it states none. Differs from budget_amount when the budget was adjusted or a report misstates it.';
COMMENT ON COLUMN budget_vs_final.budget_source_kind IS 'Where budget_amount was read: table, or narrative (the 预算 report''s prose) when no table states it.';
COMMENT ON COLUMN budget_vs_final.final_source_kind IS 'Where final_amount was read: table, or narrative.';
COMMENT ON COLUMN budget_vs_final.budget_document_sha256 IS 'SHA-256 of the 预算 document budget_amount came from (documents.sha256).';
COMMENT ON COLUMN budget_vs_final.budget_page IS '1-based page of budget_amount in that document, NULL where unknown.';
COMMENT ON COLUMN budget_vs_final.final_document_sha256 IS 'SHA-256 of the 决算 document final_amount came from (documents.sha256).';
COMMENT ON COLUMN budget_vs_final.final_page IS '1-based page of final_amount in that document, NULL where unknown.';
