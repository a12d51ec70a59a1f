"""The analyst notebooks run top to bottom against the corpus warehouse, so they can never rot.

Each notebook is its jupytext ``.py`` (the reviewed source) executed by nbclient in a real kernel
(``juesuan notebook`` does the same); its paired ``.ipynb`` must hold the same cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest
from analyst_fixtures import PROJECT_ROOT, sample_warehouse
from nbclient.exceptions import CellExecutionError
from typer.testing import CliRunner

from juesuan.cli import app
from juesuan.errors import WarehouseError
from juesuan.report.notebook import execute_notebook, warehouse_path

NOTEBOOKS = PROJECT_ROOT / "notebooks"
PAIRS = ("compare_social_insurance_centres", "explore_one_unit")
UNIT_NAMES = (
    "大同市社会保险中心",
    "大竹县社会保险事业管理局",
    "辽宁省朝阳市社会保险事业服务中心",
    "晋城市人力资源和社会保障综合服务中心",
    "乌海市社会保险事业服务中心",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: type) -> Path:
    # The run stores last year's figures restated by the reports, so the year-on-year cells have pairs.
    return sample_warehouse(tmp_path_factory.getbasetemp() / "analyst", corpus).warehouse


def outputs(notebook: Any) -> tuple[str, int]:
    """All text outputs joined, and the number of PNG images."""
    texts, images = [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            images += "image/png" in data
            texts.append(data.get("text/plain", "") + output.get("text", ""))
    return "\n".join(texts), images


@pytest.mark.parametrize("name", PAIRS)
def test_paired_notebooks_hold_the_same_cells(name: str) -> None:
    script = jupytext.read(NOTEBOOKS / f"{name}.py")
    paired = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in script.cells] == [(c.cell_type, c.source) for c in paired.cells]
    assert paired.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert all(not c.get("outputs") for c in paired.cells if c.cell_type == "code")  # committed without outputs


@pytest.mark.corpus
def test_compare_the_social_insurance_centres(warehouse: Path, tmp_path: Path) -> None:
    executed = execute_notebook(NOTEBOOKS / f"{PAIRS[0]}.py", tmp_path / "compare.ipynb", warehouse=warehouse)
    text, images = outputs(executed)
    assert images == 5  # pandas plot of juesuan.read floats; 基本/项目, 人员/公用, class structure, 2080109
    for name in UNIT_NAMES:
        assert name in text
    assert "1734.75" in text and "not reported" in text  # 2080109: 大同 …, 晋城 books it elsewhere
    assert "3060.90" in text  # 大同 2022 收入总计, restated by its 2023 report (year on year)
    assert "R02" in text  # identity findings by rule
    assert (tmp_path / "compare.ipynb").is_file()


@pytest.mark.corpus
def test_explore_one_narrative_only_unit(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUESUAN_NOTEBOOK_UNIT", "wuhai-sic")
    executed = execute_notebook(NOTEBOOKS / f"{PAIRS[1]}.py", warehouse=warehouse)
    text, images = outputs(executed)
    assert images == 1
    assert "乌海市社会保险事业服务中心" in text and "大同市社会保险中心" not in text
    assert "1888.42" in text  # 208 from the narrative
    assert "687.99" in text  # 2023 收入总计 = 1958.13 − 1270.14 (与上年决算相比)


@pytest.mark.corpus
def test_a_failing_cell_names_the_problem(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUESUAN_NOTEBOOK_UNIT", "taiyuan-sic")
    with pytest.raises(CellExecutionError, match="'taiyuan-sic' is not registered; choose one of datong-sic"):
        execute_notebook(NOTEBOOKS / f"{PAIRS[1]}.py", warehouse=warehouse)
    result = CliRunner().invoke(app, ["notebook", str(NOTEBOOKS / f"{PAIRS[1]}.py"), "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert "a cell failed: ValueError: unit 'taiyuan-sic' is not registered" in " ".join(result.output.split())
    assert not (NOTEBOOKS / f"{PAIRS[1]}.executed.ipynb").exists()


def test_warehouse_path_looks_above_the_notebook_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JUESUAN_WAREHOUSE", "JUESUAN_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "juesuan.duckdb").write_bytes(b"")
    (tmp_path / "notebooks").mkdir()
    assert warehouse_path(tmp_path / "notebooks") == tmp_path / "data" / "juesuan.duckdb"
    monkeypatch.setenv("JUESUAN_WAREHOUSE", str(tmp_path / "elsewhere.duckdb"))
    with pytest.raises(WarehouseError, match=r"elsewhere\.duckdb not found"):
        warehouse_path(tmp_path / "notebooks")
