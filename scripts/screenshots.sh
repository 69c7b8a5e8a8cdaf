#!/usr/bin/env bash
# Every screenshot of the README and docs/app.md made by the app itself: the real window,
# offscreen, through main.py --screenshot with the shipped model, each from fresh settings.
#   bash scripts/screenshots.sh [PHOTO] [OUT_FOLDER]
# (The brush and batch-review pictures need mouse strokes: scripts/screenshots_edge_brushes.py.)
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-resources/samples/chelsea.jpg}
OUT=${2:-docs}
PY=${PYTHON:-.venv/bin/python}
export QT_QPA_PLATFORM=offscreen
shot() {  # name, then main.py's options
    local name=$1
    shift
    XDG_CONFIG_HOME=$(mktemp -d) nice -n 10 "$PY" main.py --screenshot "$OUT/$name" "$@" "$IMG"
}
shot screenshot.png --view side-by-side --background "#3a7bd5"
shot edge_overlay.png --view overlay --opacity 0.6
shot edge_onion.png --view onion --opacity 0.75
shot edge_band.png --view band --edge radius=12
shot edge_controls.png --view side-by-side --background "#3a7bd5" --edge smooth=3,contrast=0.3,shift=-2
