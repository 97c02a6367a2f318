"""The notebooks' setup cell: one repository address everywhere, and a fresh Colab kernel that reaches
the first figure.

The address lives in ``[project.urls]`` of ``pyproject.toml``; the README's Colab badges and every
notebook's badge and ``REPO_URL`` must repeat it. The Colab test runs the setup cell in a fresh IPython
where the package is not importable, with ``REPO_URL`` pointing at a local bare clone of this
repository and pip kept offline (every requirement is already installed here, as torch is on Colab).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
URL_LINE = re.compile(r'^REPO_URL = "([^"]*)"', re.M)


def repository_url() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def colab_badge(notebook: Path) -> str:
    owner_name = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/{notebook.name}"


def test_one_repository_address_in_pyproject_readme_and_notebooks():
    url = repository_url()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    readme = (ROOT / "README.md").read_text()
    badges = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", readme)
    assert sorted(badges) == sorted(colab_badge(nb) for nb in NOTEBOOKS)
    setups = set()
    for notebook in NOTEBOOKS:
        first_markdown = json.loads(notebook.read_text())["cells"][0]
        assert re.findall(
            r"https://colab\.research\.google\.com/github/[^)\s]+", "".join(first_markdown["source"])
        ) == [colab_badge(notebook)]
        setup = code_cells(notebook)[0]
        assert URL_LINE.findall(setup) == [url], f"{notebook.name}: REPO_URL must be {url}"
        assert setup.count(url) == 1  # the clone uses the variable, not a second copy of the address
        setups.add(setup)
    assert len(setups) == 1, "every notebook opens with the same setup cell"


def run_ipython(script: str, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """``script`` (IPython syntax, magics allowed) in a fresh, isolated IPython started in ``cwd``."""
    path = tmp_path / "cells.ipy"
    path.write_text(script)
    return subprocess.run(
        [sys.executable, "-I", "-m", "IPython", "--no-banner", "--colors=NoColor", str(path)],
        cwd=cwd,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def clean_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "JUPYTER", "IPYTHON"))}
    env.update(
        DISENTANGLE_QUICK="1",
        OMP_NUM_THREADS="1",
        IPYTHONDIR=str(tmp_path / "ipython"),
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        MPLBACKEND="Agg",
    )
    return env


def with_url(setup: str, url: str) -> str:
    assert len(URL_LINE.findall(setup)) == 1
    return URL_LINE.sub(f'REPO_URL = "{url}"', setup)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout")
def test_fresh_colab_kernel_clones_from_repo_url_and_reaches_the_first_figure(tmp_path):
    """The committed HEAD, cloned as Colab would, draws notebook 02's first figure (read from the clone)."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(bare)], check=True)
    content = tmp_path / "content"  # Colab's working folder: empty, nothing importable
    content.mkdir()
    notebook = ROOT / "notebooks" / "02_beta_vae.ipynb"
    cells = code_cells(notebook)
    first_figure = next(i for i, cell in enumerate(cells) if cell.rstrip().endswith("\nfig"))
    script = "\n\n".join([with_url(cells[0], bare.as_uri()), *cells[1 : first_figure + 1]])
    script += (
        '\n\nfig.savefig("first_figure.png")\nprint("drawn from", load_card.__module__, disentangle_core.__file__)\n'
    )
    done = run_ipython(script, content, tmp_path)
    output = done.stdout + done.stderr
    clone = content / "disentangle_core"
    assert f"disentangle_core from {clone}" in output, output[-3000:]
    assert f"drawn from disentangle_core.checkpoints {clone / 'disentangle_core' / '__init__.py'}" in output, output[
        -3000:
    ]
    assert (content / "first_figure.png").stat().st_size > 10_000, output[-3000:]


@pytest.mark.slow
def test_setup_cell_skips_the_clone_when_the_package_is_importable(tmp_path):
    """From this checkout's notebooks/ folder the cell uses the checkout and never reaches REPO_URL."""
    setup = with_url(code_cells(NOTEBOOKS[0])[0], (tmp_path / "nowhere.git").as_uri())
    done = run_ipython(setup + '\nprint("setup done")\n', ROOT / "notebooks", tmp_path)
    output = done.stdout + done.stderr
    assert f"disentangle_core from {ROOT}" in output and "setup done" in output, output[-3000:]
    assert not (ROOT / "notebooks" / "disentangle_core").exists()
