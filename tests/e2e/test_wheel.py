"""The wheel that ``pip install git+<repository>`` builds: every module and shipped asset is in it, and a
shipped model loads from it with the checkout out of sight.

pyproject.toml and setup.py map the checkout's top-level ``assets/`` to the package data
``disentangle_core/assets/``; ``checkpoints.ASSETS_DIR`` finds the installed folder first, the checkout's otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from disentangle_core.checkpoints import load_card

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "disentangle_core"
ASSET_PATTERNS = ("*.safetensors", "*.json", "*.npz", "*.md", "*.png")  # as [tool.setuptools.package-data] says
ASSET = "vae_dsprites"

LOAD = """
import json, sys
sys.path.insert(0, SITE)
import disentangle_core
from disentangle_core.checkpoints import ASSETS_DIR, load_pretrained
from disentangle_core.data.digits import heldout_sample

model, card = load_pretrained(ASSET)
print(json.dumps({"package": disentangle_core.__file__, "assets": str(ASSETS_DIR), "path": sys.path,
                  "card": card, "digits": len(heldout_sample()["labels"])}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of what the build reads (the checkout itself stays untouched)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / PACKAGE, source / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assets", source / "assets")
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        check=True,
        cwd=dist,
        timeout=300,
    )
    (built,) = dist.glob("*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / PACKAGE).rglob("*.py")}
    assets = {f"{PACKAGE}/assets/{path.name}" for pattern in ASSET_PATTERNS for path in (ROOT / "assets").glob(pattern)}
    assert modules == {name for name in names if name.endswith(".py")}
    assert assets == {name for name in names if name.startswith(f"{PACKAGE}/assets/")}


@pytest.mark.slow
def test_a_shipped_model_loads_from_the_installed_wheel(wheel, tmp_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)  # what pip install puts into site-packages
    code = f"SITE, ASSET = {str(site)!r}, {ASSET!r}\n{LOAD}"
    # -I: no PYTHONPATH, no user site, not the working folder; the checkout is nowhere on sys.path
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(seen["package"]).is_relative_to(site)
    assert Path(seen["assets"]) == site / PACKAGE / "assets"
    assert not any(Path(entry).resolve() == ROOT for entry in seen["path"] if entry)
    assert seen["card"] == load_card(ASSET)  # the same file as the checkout's
    assert seen["digits"] == 100  # the held-out digit sample is package data too
