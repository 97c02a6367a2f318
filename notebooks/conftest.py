"""nbval runs the notebooks in quick mode (fewer samples, no optional training): a few minutes in all."""

import os

import pytest

os.environ["DISENTANGLE_QUICK"] = "1"  # read by each notebook's setup cell; the kernel inherits it
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
