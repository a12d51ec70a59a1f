-- raw_subjects: {lake}/subjects.parquet, the classification catalogue (one row per code and edition).
CREATE TABLE raw_subjects (
    code VARCHAR,
    name VARCHAR,
    level VARCHAR,
    parent_code VARCHAR,
    classification VARCHAR,
    valid_from_year SMALLINT,
    valid_to_year SMALLINT
);

COMMENT ON TABLE raw_subjects IS 'Raw layer: the lake''s subjects.parquet (支出功能分类 and 部门预算支出经济分类 catalogue). Use the view subjects instead.';
COMMENT ON COLUMN raw_subjects.code IS 'Subject code (科目代码): functional 3/5/7 digits, economic 3/5 digits.';
COMMENT ON COLUMN raw_subjects.name IS 'Catalogue name of the subject.';
COMMENT ON COLUMN raw_subjects.level IS '类 / 款 / 项.';
COMMENT ON COLUMN raw_subjects.parent_code IS 'Code of the parent subject; NULL for a 类.';
COMMENT ON COLUMN raw_subjects.classification IS 'functional (支出功能分类) or economic (部门预算支出经济分类).';
COMMENT ON COLUMN raw_subjects.valid_from_year IS 'First fiscal year this edition of the subject applies to.';
COMMENT ON COLUMN raw_subjects.valid_to_year IS 'Last fiscal year this edition applies to; NULL while current.';
