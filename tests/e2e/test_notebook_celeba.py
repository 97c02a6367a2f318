"""Notebooks and CelebA's licence: a cell that reads CelebA is stored without outputs, and without the data it
says so in one sentence instead of failing.

CelebA's images may not be redistributed, and a notebook's stored outputs are redistributed with it; so any
code cell that reads CelebA (it names ``CELEBA_DIR`` or builds ``CelebAFaces``) must be committed with no
outputs, whatever they would show. Notebook 04's real-faces section is where such cells live.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
READS_CELEBA = ("CELEBA_DIR", "CelebAFaces(")


def celeba_cells(notebook: Path) -> list[tuple[int, dict]]:
    cells = json.loads(notebook.read_text())["cells"]
    return [
        (i, cell)
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "code" and any(word in "".join(cell["source"]) for word in READS_CELEBA)
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_cells_that_read_celeba_are_stored_without_outputs(notebook):
    for i, cell in celeba_cells(notebook):
        assert cell["outputs"] == [], f"{notebook.name} cell {i} reads CelebA and must be stored without outputs"
        assert cell["execution_count"] is None, f"{notebook.name} cell {i}: clear its execution count too"


def test_notebook_04_shows_celeba_faces_only_where_the_data_is():
    notebook = ROOT / "notebooks" / "04_content_addition.ipynb"
    cells = celeba_cells(notebook)
    assert cells, "notebook 04's real-faces section has cells that show CelebA test faces"
    reading = [cell for _, cell in cells if "CelebAFaces(" in "".join(cell["source"])]
    for cell in reading:
        source = "".join(cell["source"])
        assert 'os.environ.get("CELEBA_DIR")' in source  # the folder comes from the environment, not a path
        assert "if not CELEBA_DIR:" in source and "print(" in source  # without it: one sentence, no error
        assert "/shared/data" not in source
