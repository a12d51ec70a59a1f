-- subjects: the classification catalogue (data contract dimension table).
CREATE VIEW subjects AS
WITH staged AS (
    SELECT * FROM stg_subjects
)

SELECT
    subject_code AS code,
    subject_name AS name,
    subject_level AS level,
    parent_code,
    classification,
    valid_from_year,
    valid_to_year
FROM staged
ORDER BY classification DESC, code, valid_from_year;

COMMENT ON VIEW subjects IS 'The classification catalogue: 支出功能分类 (functional) and 部门预算支出经济分类 (economic), one row per code and edition.';
COMMENT ON COLUMN subjects.code IS 'Subject code (科目代码): functional 类 3 / 款 5 / 项 7 digits; economic 类 3 / 款 5 digits.';
COMMENT ON COLUMN subjects.name IS 'Catalogue name.';
COMMENT ON COLUMN subjects.level IS '类 / 款 / 项.';
COMMENT ON COLUMN subjects.parent_code IS 'Code of the parent subject; NULL for a 类.';
COMMENT ON COLUMN subjects.classification IS 'functional or economic.';
COMMENT ON COLUMN subjects.valid_from_year IS 'First fiscal year this edition applies to.';
COMMENT ON COLUMN subjects.valid_to_year IS 'Last fiscal year this edition applies to; NULL while current.';
