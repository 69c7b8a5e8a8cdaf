"""Paste the bench scripts' Markdown results into the README, the docs and the model card, so no
figure there is typed by hand.

    python bench/paste_results.py [--check] [FILE ...]

Two kinds of block are replaced by the current text of a file under the checkout:

* ``<!-- bench: bench/results/NAME.md -->`` ... ``<!-- /bench -->``: the file named;
* ``<!-- NAME:begin -->`` ... ``<!-- NAME:end -->``: ``bench/results/NAME.md`` (the README's
  real-photo scoreboard, ``<!-- real_photos:begin -->``, filled from ``python bench/real_photos.py``).

A block whose source file does not exist yet is left as it is (said on stdout). Without FILE
arguments: README.md, CHANGELOG.md, every docs/*.md and resources/models/MODEL_CARD.md.
``--check`` changes nothing and exits 1 when any block differs from its source (a stale figure);
the test suite runs it (tests/test_docs.py).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from _checkout import ROOT

BENCH_BLOCK = re.compile(r"(?P<open><!-- bench: (?P<path>\S+) -->\n)(?P<body>.*?)(?P<close><!-- /bench -->)", re.S)
NAMED_BLOCK = re.compile(
    r"(?P<open><!-- (?P<name>[A-Za-z0-9_.-]+):begin -->\n)(?P<body>.*?)(?P<close><!-- (?P=name):end -->)", re.S
)
RESULTS = "bench/results"


@dataclass
class Pasted:
    """What one pass over a document did: the new text and the sources it could not find."""
    text: str
    blocks: int
    missing: list[str]


def source_of(match: re.Match) -> str:
    """The checkout-relative path of the Markdown file a block is filled from."""
    if "path" in match.groupdict() and match["path"]:
        return match["path"]
    return f"{RESULTS}/{match['name']}.md"


def paste(text: str, root: Path) -> Pasted:
    """``text`` with every block's body replaced by its source file's content; blocks whose
    source does not exist are kept unchanged and named in ``missing``."""
    missing: list[str] = []
    count = 0

    def body(match: re.Match) -> str:
        nonlocal count
        count += 1
        source = root / source_of(match)
        if not source.is_file():
            missing.append(source_of(match))
            return match.group(0)
        return f"{match['open']}{source.read_text().strip()}\n{match['close']}"

    text = BENCH_BLOCK.sub(body, text)
    text = NAMED_BLOCK.sub(body, text)
    return Pasted(text, count, missing)


def default_documents(root: Path) -> list[Path]:
    """The documents that hold pasted tables: README, CHANGELOG, docs/*.md, the model card."""
    names = [root / "README.md", root / "CHANGELOG.md", *sorted((root / "docs").glob("*.md")),
             root / "resources" / "models" / "MODEL_CARD.md"]
    return [p for p in names if p.is_file()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", type=Path, help="documents (default: README, docs, model card)")
    p.add_argument("--root", type=Path, default=ROOT, help="where the block paths are relative to")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block is stale")
    args = p.parse_args(argv)
    stale = []
    for doc in args.files or default_documents(args.root):
        old = doc.read_text()
        result = paste(old, args.root)
        for source in result.missing:
            print(f"{doc}: {source} does not exist yet; its block is left as it is")
        if result.text == old:
            continue
        if args.check:
            stale.append(doc)
        else:
            doc.write_text(result.text)
            print(f"{doc}: {result.blocks} blocks pasted")
    if args.check:
        for doc in stale:
            print(f"{doc}: pasted tables differ from bench/results: run python bench/paste_results.py")
        if not stale:
            print("pasted tables match their sources")
        return 1 if stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
