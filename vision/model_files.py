"""Where the local engines' model files are: inside installed wheels, found without importing
their packages, and checked against the SHA-256 digest we measured before anything loads them
(a changed or corrupted wheel must not change answers unnoticed)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path


def package_folder(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The {package} package (local engine models) is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def package_version(distribution: str) -> str:
    """The installed version of a distribution, or "?" (read once: every audit row names it)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def verified(path: Path, sha256: str) -> Path:
    """`path`, once its content is known to be the model file expected."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise RuntimeError(f"{path} is not the expected model file (its SHA-256 is {digest}).")
    return path
