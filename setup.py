"""The one packaging step pyproject.toml cannot state: setuptools finds the packages, and the shipped
checkpoints join them as ``disentangle_core.assets`` (the top-level ``assets/`` folder, mapped to that name
with its files in pyproject.toml). Every other setting lives in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["disentangle_core", "disentangle_core.*"]), "disentangle_core.assets"])
