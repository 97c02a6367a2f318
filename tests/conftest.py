import os
import sys
from pathlib import Path

# One thread per process: the tests are tiny, and servers or browsers started beside them would
# otherwise oversubscribe the cores, where OpenMP's spinning threads slow torch down many times over.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests run against the checkout, installed or not
SHARED_DATA = ROOT.parent / "shared" / "data"

torch.set_num_threads(1)


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
