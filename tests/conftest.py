import os
import sys
from pathlib import Path

# One thread per process: the tests are tiny, and servers or browsers started beside them would
# otherwise oversubscribe the cores, where OpenMP's spinning threads slow torch down many times over.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read when gradio is imported: no requests out

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
def shared_data(monkeypatch):
    """The real third-party files beside the project (present on development machines and in CI).

    The package knows no path outside itself: this fixture is how tests find these files, and it points
    ``$DIGITS_DATA_DIR`` at their MNIST folder for code that reads the digits' default folder.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    if (SHARED_DATA / "mnist").is_dir():
        monkeypatch.setenv("DIGITS_DATA_DIR", str(SHARED_DATA / "mnist"))
    return SHARED_DATA
