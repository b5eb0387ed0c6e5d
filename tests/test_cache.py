"""The on-disk cache of compiled template parts: it changes how fast a build is, never what it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SPECS

SPEC = SPECS / "2020" / "chengde-gaoxin-guotu.yaml"


def build(tmp: Path, cache: str, out: str) -> dict[str, bytes]:
    """Build SPEC in a fresh process with PERFGEN_CACHE_DIR=cache; the bytes of every output."""
    env = {**os.environ, "PERFGEN_CACHE_DIR": cache, "SOURCE_DATE_EPOCH": "1600000000"}
    subprocess.run([sys.executable, "-m", "perfgen", "build", "--draft", str(SPEC), "-o", str(tmp / out)], check=True, env=env, capture_output=True)
    return {p.name: p.read_bytes() for p in sorted((tmp / out).iterdir())}


def test_cold_warm_and_corrupt_cache_build_the_same_bytes(tmp_path):
    cache = tmp_path / "cache"
    cold = build(tmp_path, str(cache), "cold")
    entries = sorted(cache.rglob("*.*"))
    assert {p.suffix for p in entries} == {".xml", ".jinja"}  # patched parts and their bytecode
    assert build(tmp_path, str(cache), "warm") == cold
    for entry in entries:  # truncated or overwritten entries are rebuilt, not trusted
        entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 3] or b"\xff")
    assert build(tmp_path, str(cache), "corrupt") == cold
    assert build(tmp_path, "", "off") == cold


def test_switched_off_or_unwritable_cache_is_not_an_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    reference = build(tmp_path, "", "off")
    assert build(tmp_path, str(blocker / "cache"), "unwritable") == reference
    assert not list(tmp_path.glob("**/*.jinja"))
