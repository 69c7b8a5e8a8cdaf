#!/usr/bin/env bash
# The README's screenshots of the edge controls and views (section "Edge controls, views and
# layered output"): the real window, offscreen, through main.py --screenshot, each from fresh
# settings.   bash scripts/edge_screenshots.sh [PHOTO] [OUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-resources/samples/chelsea.jpg}
OUT=${2:-docs}
export QT_QPA_PLATFORM=offscreen
shot() {  # name, then main.py's options
    local name=$1
    shift
    XDG_CONFIG_HOME=$(mktemp -d) nice -n 10 .venv/bin/python main.py --screenshot "$OUT/$name" "$@" "$IMG"
}
shot edge_overlay.png --view overlay --opacity 0.6
shot edge_onion.png --view onion --opacity 0.75
shot edge_band.png --view band --edge radius=12
shot edge_controls.png --view side-by-side --background "#3a7bd5" --edge smooth=3,contrast=0.3,shift=-2
