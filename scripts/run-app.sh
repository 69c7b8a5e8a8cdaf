#!/usr/bin/env bash
# Set up everything, then start the app with the shipped model and a sample photo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "${@:-resources/samples/chelsea.jpg}"
