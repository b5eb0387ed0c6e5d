"""Helpers shared by the benchmark scripts: timing whole processes, deriving baseline contexts."""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PERFGEN = [PYTHON, "-m", "perfgen"]


def timed(command: list[str], repeat: int = 5, env: dict | None = None) -> float:
    """Median wall-clock seconds of running `command` as a new process."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or os.environ)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def context_json(spec: Path, target: Path) -> Path:
    """Write the derived context of `spec` as JSON (what a raw docxtpl render would be given)."""
    from perfgen.build import check
    from perfgen.derive import derive

    checked = check(spec)
    document = derive(checked.spec, checked.layout)
    target.write_text(json.dumps({"doc": dataclasses.asdict(document)}, ensure_ascii=False, default=str), encoding="utf-8")
    return target


def template_of(spec: Path) -> Path:
    from perfgen.build import check

    return check(spec).layout.template_path


def report(name: str, measured: float, bound: str, ok: bool, detail: str) -> dict:
    mark = "ok" if ok else "MISSED"
    print(f"{name}: {measured:.2f} ({bound}) {mark} — {detail}", flush=True)
    return {"name": name, "value": round(measured, 3), "bound": bound, "ok": ok, "detail": detail}
