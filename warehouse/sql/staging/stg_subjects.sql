-- stg_subjects: the catalogue with join-friendly names; one row per code and edition.
CREATE VIEW stg_subjects AS
WITH source AS (
    SELECT * FROM raw_subjects
),

renamed AS (
    SELECT
        CAST(code AS VARCHAR) AS subject_code,
        CAST(name AS VARCHAR) AS subject_name,
        CAST(level AS VARCHAR) AS subject_level,
        CAST(parent_code AS VARCHAR) AS parent_code,
        CAST(classification AS VARCHAR) AS classification,
        CAST(valid_from_year AS SMALLINT) AS valid_from_year,
        CAST(valid_to_year AS SMALLINT) AS valid_to_year
    FROM source
)

SELECT * FROM renamed;

COMMENT ON VIEW stg_subjects IS 'Staging: the classification catalogue, renamed for joins (one row per code and edition).';
COMMENT ON COLUMN stg_subjects.subject_code IS 'Subject code (科目代码): functional 3/5/7 digits, economic 3/5 digits.';
COMMENT ON COLUMN stg_subjects.subject_name IS 'Catalogue name of the subject.';
COMMENT ON COLUMN stg_subjects.subject_level IS '类 / 款 / 项.';
COMMENT ON COLUMN stg_subjects.parent_code IS 'Code of the parent subject; NULL for a 类.';
COMMENT ON COLUMN stg_subjects.classification IS 'functional (支出功能分类) or economic (部门预算支出经济分类).';
COMMENT ON COLUMN stg_subjects.valid_from_year IS 'First fiscal year this edition applies to.';
COMMENT ON COLUMN stg_subjects.valid_to_year IS 'Last fiscal year this edition applies to; NULL while current.';
