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


def test_a_cache_others_could_write_is_not_used_and_old_versions_are_removed(tmp_path):
    reference = build(tmp_path, "", "off")
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # group and others may write: its compiled code cannot be trusted
    assert build(tmp_path, str(shared), "shared") == reference
    assert not list(shared.iterdir())
    private = tmp_path / "private-cache"
    (private / "templates-0123456789abcdef").mkdir(parents=True)  # left by an older perfgen
    assert build(tmp_path, str(private), "private") == reference
    assert [d.name for d in private.iterdir()] != ["templates-0123456789abcdef"] and len(list(private.iterdir())) == 1


def test_failing_cache_writes_only_cost_time(tmp_path, monkeypatch):
    """A read-only or full disk: neither the entry nor its clean-up may fail the build."""
    from jinja2.bccache import FileSystemBytecodeCache

    from perfgen.render import render

    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("os.replace", refuse)
    monkeypatch.setattr(Path, "unlink", refuse)
    render._store(tmp_path / "entry.xml", "text")  # does not raise
    monkeypatch.setattr(FileSystemBytecodeCache, "dump_bytecode", refuse)
    monkeypatch.setenv("PERFGEN_CACHE_DIR", str(tmp_path / "cache"))
    render._cache_directory.cache_clear()
    try:
        env = render._Environment(autoescape=True)
        assert env.from_string("<a>{{ x }}</a>").render(x="&") == "<a>&amp;</a>"
    finally:
        render._cache_directory.cache_clear()
