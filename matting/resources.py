"""Where the files that ship with the package are: the default model and the sample photos.

The repository keeps them in its top-level ``resources/`` folder, which the build installs as the
package ``msia_matte_resources`` (pyproject ``package-dir``), so they are found with
``importlib.resources`` whether the project is installed from a wheel or in editable mode. A source
tree that was never installed (``python main.py`` from a plain checkout) falls back to the folder.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

PACKAGE = "msia_matte_resources"
_SOURCE_TREE = Path(__file__).resolve().parents[1] / "resources"


def resources_dir() -> Path:
    """The folder holding ``models/`` and ``samples/`` (installed package, else the source tree)."""
    try:
        root = importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return _SOURCE_TREE
    # a regular package installed on the file system (wheel or editable) is a real folder
    return Path(str(root))


def samples_dir() -> Path:
    """The sample photos (scikit-image's astronaut, chelsea, coffee)."""
    return resources_dir() / "samples"


def sample_path(name: str = "chelsea.jpg") -> Path:
    """One sample photo by file name."""
    return samples_dir() / name
