"""The README and the docs: every pasted table matches the bench result it comes from (a stale
figure fails here), every relative link points at a file of the checkout, the README stays short
and keeps the real-photo scoreboard's block, and the shipped model card is of this version."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matting

ROOT = Path(__file__).resolve().parents[1]
PASTE = ROOT / "bench" / "paste_results.py"
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "resources" / "models" / "MODEL_CARD.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def paste(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PASTE), *args], capture_output=True, text=True, timeout=60)


def test_pasted_tables_match_their_bench_results() -> None:
    result = paste("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stale_table_is_caught_then_pasted(tmp_path) -> None:
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "bench" / "results" / "speed.md").write_text("| model | s |\n|---|---:|\n| msia | 0.27 |\n")
    (tmp_path / "bench" / "results" / "real_photos.md").write_text("| model | SAD |\n|---|---:|\n| msia | 9.1 |\n")
    doc = tmp_path / "README.md"
    doc.write_text("# x\n<!-- bench: bench/results/speed.md -->\n| model | s |\n| msia | 0.31 |\n<!-- /bench -->\n"
                   "text\n<!-- real_photos:begin -->\n<!-- real_photos:end -->\n"
                   "<!-- missing:begin -->\nkept as it is\n<!-- missing:end -->\n")
    stale = paste("--check", "--root", str(tmp_path), str(doc))
    assert stale.returncode == 1 and "differ" in stale.stdout
    assert paste("--root", str(tmp_path), str(doc)).returncode == 0
    text = doc.read_text()
    assert "| msia | 0.27 |\n<!-- /bench -->" in text and "0.31" not in text
    assert "<!-- real_photos:begin -->\n| model | SAD |\n|---|---:|\n| msia | 9.1 |\n<!-- real_photos:end -->" in text
    assert "<!-- missing:begin -->\nkept as it is\n<!-- missing:end -->" in text  # no source yet: left alone
    again = paste("--check", "--root", str(tmp_path), str(doc))
    assert again.returncode == 0 and "missing.md does not exist yet" in again.stdout


def test_relative_links_point_at_files_of_the_checkout() -> None:
    broken = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_readme_is_short_and_keeps_the_scoreboard_block_and_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    begin, end = text.index("<!-- real_photos:begin -->"), text.index("<!-- real_photos:end -->")
    assert begin < end and "python bench/real_photos.py" in text[:begin]
    assert "./scripts/run-app.sh" in text and "./scripts/run-tests.sh" in text
    assert "./scripts/run-tests.sh" in (ROOT / ".ci" / "run").read_text()


def test_the_model_card_is_of_the_shipped_version_and_every_release_has_an_entry() -> None:
    card = (ROOT / "resources" / "models" / "MODEL_CARD.md").read_text()
    assert f"({matting.__version__})" in card.splitlines()[0]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {matting.__version__} " in changelog


def test_the_readme_python_example_runs_on_a_photo(tmp_path, shipped_model_path) -> None:
    (block,) = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    shutil.copy(ROOT / "resources" / "samples" / "chelsea.jpg", tmp_path / "photo.jpg")
    code = block + "\nassert alpha.shape == photo.rgb.shape[:2] and 0 <= alpha.min() < 0.1 < 0.9 < alpha.max() <= 1\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
