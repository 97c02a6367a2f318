"""nbval runs the notebooks in quick mode (fewer samples, no optional training): a few minutes in all."""

import os
from pathlib import Path

import pytest

os.environ["DISENTANGLE_QUICK"] = "1"  # read by each notebook's setup cell; the kernel inherits it
os.environ.setdefault("OMP_NUM_THREADS", "1")
# CelebA beside the project (development machines and CI), for the cells that show CelebA faces; never stored
SHARED_CELEBA = Path(__file__).resolve().parents[2] / "shared" / "data" / "celeba"
if SHARED_CELEBA.is_dir():
    os.environ.setdefault("CELEBA_DIR", str(SHARED_CELEBA))


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
