"""The package's layers run one way: every import of every module (inside functions too) points down.

From the bottom: ``activity``, ``losses`` and ``metrics`` (pure functions); ``models`` and ``data``; the
tools on them (``checkpoints``, ``train``, ``traversal``, ``plotting``, ``content``, ``presets``); the
``evaluation`` side; ``families``; ``workflows`` and the tables; at the top ``cli`` and ``app``.
"""

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import disentangle_core

PACKAGE = Path(disentangle_core.__file__).parent
TOP = ("cli", "app", "__main__")
TOOLS = ("checkpoints", "train", "traversal", "plotting", "content", "presets")
# part of the package -> the parts it must never import (directly, or from inside a function)
FORBIDDEN = {
    "activity": "*",
    "losses": "*",
    "metrics": ("models", "data", "evaluation", "families", "workflows", *TOOLS, *TOP),
    "models": ("metrics", "evaluation", "families", "workflows", "data", *TOP),
    "data": ("metrics", "evaluation", "families", "workflows", "models", *TOP),
    **{tool: ("evaluation", "families", "workflows", *TOP) for tool in TOOLS},
    "evaluation": ("families", "workflows", *TOP),
    "families": ("workflows", *TOP),
    "workflows": TOP,
    "results_tables": TOP,
}


def _imported_parts(path: Path, source: str | None = None) -> set[str]:
    """The package parts (``metrics``, ``models``, ...) the module at ``path`` imports, at any depth of its code."""
    package = path.relative_to(PACKAGE.parent).parts[:-1]  # ("disentangle_core", "metrics") for metrics/gzsl.py
    parts = set()
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [target] if node.module else [[*target, alias.name] for alias in node.names]
            else:
                names = [node.module.split(".")]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        else:
            continue
        parts |= {name[1] for name in names if name[0] == "disentangle_core" and len(name) > 1}
    return parts


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    part = _part(path)
    forbidden = FORBIDDEN.get(part, ())
    imported = _imported_parts(path) - {part}
    wrong = imported if forbidden == "*" else imported & set(forbidden)
    assert not wrong, f"{path.relative_to(PACKAGE)} ({part}) imports {sorted(wrong)}, which sit above it"


def test_the_import_parser_sees_imports_inside_functions():
    source = (
        "import torch\nfrom .shape import ink\n\ndef f():\n    from ..evaluation.counts import COUNTS\n"
        "    from .. import families\n    import disentangle_core.app.demo\n"
    )
    assert _imported_parts(PACKAGE / "metrics" / "probe.py", source) == {"metrics", "evaluation", "families", "app"}
    assert _imported_parts(PACKAGE / "metrics" / "__init__.py", "from .information import mig") == {"metrics"}


@pytest.mark.slow
def test_every_module_imports_on_its_own():
    """Each module imported first, in a fresh interpreter: an import circle fails here whatever the order."""
    names = [
        m.name
        for m in pkgutil.walk_packages(disentangle_core.__path__, "disentangle_core.")
        if not m.name.endswith("__main__") and not m.name.startswith("disentangle_core.app")
    ]
    code = (
        "import importlib, sys\nfor name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('disentangle_core')]:\n"
        "        del sys.modules[loaded]\n    importlib.import_module(name)\n"
    )
    subprocess.run([sys.executable, "-c", code, *names], check=True, capture_output=True, timeout=300)


def test_metrics_export_nothing_of_the_evaluation_side():
    metrics = importlib.import_module("disentangle_core.metrics")
    for name in ("COUNTS", "QUICK", "STANDARD", "FULL", "SampleCounts", "evaluate_all", "code_function"):
        assert name not in vars(metrics), name
