"""Paste the bench scripts' Markdown results into the README, so no figure there is typed by hand.

    python bench/paste_results.py [--readme README.md] [--check]

Every block in the README between ``<!-- bench: bench/results/NAME.md -->`` and
``<!-- /bench -->`` is replaced by that file's current text. ``--check`` changes nothing and
exits 1 when a block differs from its file (a stale figure).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from _checkout import ROOT

BLOCK = re.compile(r"(<!-- bench: (?P<path>\S+) -->\n)(?P<body>.*?)(<!-- /bench -->)", re.S)


def paste(text: str, root: Path) -> str:
    """``text`` with every bench block's body replaced by its file's content."""
    def body(match: re.Match) -> str:
        content = (root / match["path"]).read_text().strip() + "\n"
        return f"{match.group(1)}{content}{match.group(4)}"

    return BLOCK.sub(body, text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--readme", type=Path, default=ROOT / "README.md")
    p.add_argument("--check", action="store_true")
    args = p.parse_args()
    old = args.readme.read_text()
    new = paste(old, ROOT)
    if args.check:
        stale = old != new
        print("README figures are stale: run python bench/paste_results.py" if stale else "README figures match bench/results")
        return 1 if stale else 0
    args.readme.write_text(new)
    print(f"{args.readme}: {len(BLOCK.findall(old))} bench blocks pasted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
