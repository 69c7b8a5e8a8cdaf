#!/usr/bin/env bash
# Install PyTorch into the environment of the Python given (default: python3), choosing the build
# for the machine, never a surprise CUDA download and never a wait on a network timeout:
#   * an NVIDIA GPU (nvidia-smi lists one): PyPI's default build (CUDA);
#   * Linux without one: the CPU build (~200 MB) from PyTorch's CPU index, when that index answers
#     within 3 s (a bare "pip install torch" on Linux takes the multi-GB CUDA build);
#   * otherwise (macOS and Windows, whose PyPI torch is CPU-only; machines without that index):
#     pip's configured index or local package store.
# TORCH_INDEX_URL=... chooses the index yourself; TORCH_SPEC changes the version.
#   bash scripts/install-torch.sh [PYTHON]
set -euo pipefail
PY=${1:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
CPU_INDEX=https://download.pytorch.org/whl/cpu

log() { echo "install-torch: $*" >&2; }
pip_install() { "$PY" -m pip install --quiet "$@"; }

has_nvidia_gpu() {
    command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q GPU
}

# True when the index answers within 3 s (no DNS, a firewall or a proxy fail here, not in pip).
reachable() {
    "$PY" - "$1" >/dev/null 2>&1 <<'PY'
import sys
import urllib.request

urllib.request.urlopen(sys.argv[1] + "/torch/", timeout=3).close()
PY
}

if [ -n "${TORCH_INDEX_URL:-}" ]; then
    log "$TORCH_SPEC from $TORCH_INDEX_URL"
    pip_install --index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
elif has_nvidia_gpu; then
    log "NVIDIA GPU found: the CUDA build of $TORCH_SPEC (several GB)"
    pip_install "$TORCH_SPEC"
elif [ "$(uname -s)" = Linux ] && reachable "$CPU_INDEX"; then
    log "the CPU build of $TORCH_SPEC (~200 MB) from PyTorch's CPU index"
    pip_install --timeout 15 --retries 1 --index-url "$CPU_INDEX" "$TORCH_SPEC"
else
    log "$TORCH_SPEC from pip's configured index (PyTorch's CPU index not reachable or not needed)"
    pip_install "$TORCH_SPEC"
fi
