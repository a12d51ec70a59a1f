from __future__ import annotations

from pathlib import Path

import pytest

from juesuan.errors import RegistryError
from juesuan.registry import load_registry
from juesuan.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent

UNIT = """
[[unit]]
id = "{id}"
name = "某市社会保险中心"
province = "山西省"
city = "某市"
county = ""
level = "{level}"
kind = "事业单位"
stewards = ["a@example.org"]
{extra}
[[unit.report]]
year = 2023
url = "reports/2023.txt"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_registry_lists_the_five_corpus_reports() -> None:
    registry = load_registry(PROJECT / "registry" / "units.toml")
    assert [u.id for u in registry.units] == [
        "datong-sic",
        "dazhu-sic",
        "chaoyang-sic",
        "jincheng-hrss",
        "wuhai-sic",
    ]
    assert [(r.unit_id, r.year) for r in registry.reports()] == [
        ("datong-sic", 2023),
        ("dazhu-sic", 2023),
        ("chaoyang-sic", 2024),
        ("jincheng-hrss", 2023),
        ("wuhai-sic", 2024),
    ]
    assert all(r.local_path().name.endswith(".txt") for r in registry.reports())


def test_relative_paths_resolve_against_the_registry_file(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, UNIT.format(id="mou-sic", level="市级", extra="")))
    assert registry.reports()[0].local_path() == (tmp_path / "reports" / "2023.txt").resolve()


def test_unknown_keys_are_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_registry(write(tmp_path, UNIT.format(id="mou-sic", level="市级", extra='homepage = "x"')))
    assert "ignoring unknown key(s) homepage" in caplog.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (UNIT.format(id="Mou SIC", level="市级", extra=""), "lower-case ASCII"),
        (UNIT.format(id="mou-sic", level="镇级", extra=""), "level '镇级' not one of 省级, 市级, 县级"),
        (UNIT.format(id="mou-sic", level="市级", extra="") * 2, "duplicate unit id"),
        ("[[unit]]\nid = 1", "missing or empty key 'id'"),
        ("not toml = = =", "not valid TOML"),
        ("", "no [[unit]] entries"),
    ],
)
def test_registry_errors_name_file_entry_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RegistryError) as raised:
        load_registry(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_missing_registry(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="registry file not found"):
        load_registry(tmp_path / "none.toml")


def test_settings_from_environment() -> None:
    settings = Settings.from_env({"JUESUAN_DATA_DIR": "/srv/js", "JUESUAN_WAREHOUSE": "/srv/w.duckdb"})
    assert settings.lake == Path("/srv/js/lake")
    assert settings.warehouse == Path("/srv/w.duckdb")
    assert settings.with_overrides(lake=Path("elsewhere"), warehouse=None).lake == Path("elsewhere")
    assert Settings.from_env({}).registry == Path("samples/registry.toml")  # the bundled samples
