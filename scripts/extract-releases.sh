#!/usr/bin/env bash
# Write every shipped model since 0.2.0 from git history to runs/releases/msia-VERSION.safetensors,
# for the release-by-release scoreboard (python bench/real_photos.py --model runs/releases/...).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs/releases
# version:commit that shipped it (git log --follow resources/models/msia-matte-lite0.safetensors)
for pair in 0.2.0:2322871 0.2.1:3d55798 0.3.0:e59899d 0.3.1:245ae86 0.3.2:7da8b47 0.3.3:65f6b8d; do
    git show "${pair##*:}:resources/models/msia-matte-lite0.safetensors" > "runs/releases/msia-${pair%%:*}.safetensors"
done
ls -l runs/releases
