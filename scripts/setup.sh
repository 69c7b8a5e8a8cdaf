#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment in .venv.
# Installs the CPU build of torch first when no torch is present: a bare "torch" requirement
# would otherwise pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
. .venv/bin/activate
if ! python -c "import torch" >/dev/null 2>&1; then
    pip install --quiet torch==2.13.0
fi
stamp=.venv/.msia-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    pip install --quiet -e ".[dev]"
    touch "$stamp"
fi
