"""Helpers shared by the benchmark scripts: timing whole processes, deriving baseline contexts."""

from __future__ import annotations

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
    perfgen's presented contexts as plain JSON, as the job list `raw_docxtpl.py` takes."""
    import zipfile

    from perfgen.build import check
    from perfgen.derive.present import plain, present
    from perfgen.derive.tables import appendix_tables, build_table

    computed = check(spec).computed
    layout = computed.layout
    context = {"doc": plain(present(computed))}
    with zipfile.ZipFile(layout.template_path) as template:
        if "tables." in template.read("word/document.xml").decode("utf-8"):
            context["tables"] = {name: plain(build_table(computed, table).context()) for name, table in layout.tables.items()}
    jobs = [{"template": str(layout.template_path), "context": context, "out": str(directory / "raw.docx")}]
    for appendix, table in zip(layout.appendices, appendix_tables(computed, layout), strict=True):
        jobs.append({
            "template": str(layout.directory / appendix.template),
            "context": {**context, "t": plain(table.context())},
            "out": str(directory / f"raw-{table.label}.docx"),
        })  # fmt: skip
    target = directory / f"{spec.stem}-jobs.json"
    target.write_text(json.dumps(jobs, ensure_ascii=False, default=str), encoding="utf-8")
    return target


def report(name: str, measured: float, bound: str, ok: bool, detail: str) -> dict:
    mark = "ok" if ok else "MISSED"
    print(f"{name}: {measured:.2f} ({bound}) {mark} — {detail}", flush=True)
    return {"name": name, "value": round(measured, 3), "bound": bound, "ok": ok, "detail": detail}
