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
    return timed_together([command], repeat, env)[0]


def timed_together(commands: list[list[str]], repeat: int = 5, env: dict | None = None) -> list[float]:
    """Median wall-clock seconds of each command, run in turn `repeat` times (interleaved, so a
    busy spell on the machine weighs on all of them alike)."""
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, times in zip(commands, samples, strict=True):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or os.environ)
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


def baseline_jobs(spec: Path, directory: Path) -> Path:
    """The renders a raw docxtpl generator would do for `spec` (main document and 附表), with
    perfgen's derived contexts, as the JSON job list `raw_docxtpl.py` takes."""
    from perfgen.appendices import Options, appendix_tables
    from perfgen.build import check
    from perfgen.derive import derive
    from perfgen.frameworks import frameworks

    checked = check(spec)
    layout = checked.layout
    document = derive(checked.spec, layout)
    context = {"doc": dataclasses.asdict(document)}
    jobs = [{"template": str(layout.template_path), "context": context, "out": str(directory / "raw.docx")}]
    framework = frameworks()[checked.spec.framework or layout.description.framework]
    options = Options(framework.level1_names(), "编码" in layout.description.fields.project)
    tables = appendix_tables(document, [a.kind for a in layout.description.appendices], options)
    for appendix, table in zip(layout.description.appendices, tables, strict=True):
        table_context = {**dataclasses.asdict(table), "count_titles": table.count_titles, "total_counts": [dataclasses.asdict(c) for c in table.total_counts]}
        rows = [[{**dataclasses.asdict(c), "shown": c.shown} for c in row] for row in table.rows]
        jobs.append({
            "template": str(layout.directory / appendix.template),
            "context": {**context, "t": {**table_context, "rows": rows}},
            "out": str(directory / f"raw-{table.label}.docx"),
        })  # fmt: skip
    target = directory / f"{spec.stem}-jobs.json"
    target.write_text(json.dumps(jobs, ensure_ascii=False, default=str), encoding="utf-8")
    return target


def report(name: str, measured: float, bound: str, ok: bool, detail: str) -> dict:
    mark = "ok" if ok else "MISSED"
    print(f"{name}: {measured:.2f} ({bound}) {mark} — {detail}", flush=True)
    return {"name": name, "value": round(measured, 3), "bound": bound, "ok": ok, "detail": detail}
