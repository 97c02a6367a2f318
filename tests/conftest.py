import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests run against the checkout, installed or not
SHARED_DATA = ROOT.parent / "shared" / "data"

torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture
def tiny_data():
    from disentangle_core.data import ProceduralDSprites

    return ProceduralDSprites()


@pytest.fixture
def shared_data():
    """The real third-party files beside the project (present on development machines and in CI)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA
