#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment in .venv: torch first, the build chosen
# for the machine when the venv has none (scripts/install-torch.sh: CUDA with an NVIDIA GPU, else
# the CPU build; never a surprise multi-GB CUDA download), then the project with its extras.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    bash scripts/install-torch.sh .venv/bin/python
fi
stamp=.venv/.msia-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: the project and its extras (pip install -e .[dev])" >&2
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    touch "$stamp"
fi
