"""perfgen's benchmarks: each figure is a ratio against a baseline measured in the same run.

usage: python benchmarks/run.py [a b c d]   (default: all; `make benchmarks`)

(a) start-up: whole-process `perfgen build --draft` of the seed-002 spec vs raw docxtpl renders
    of the same derived content — the main document and its 附表 (bound ≤ 1.3×);
(b) PDF: 20 specs with --pdf in one batch vs one `soffice --convert-to pdf` per document, time per
    document (bound ≥ 4× faster);
(c) parallel: 200 specs without PDF, 2 processes vs 1 (bound ≥ 1.8×);
(d) scale: a synthetic 1,000-project spec vs raw docxtpl renders of the same content (bound ≤ 2×),
    and perfgen's peak memory (bound < 500 MiB).
Results are printed and written to benchmarks/results.json.
"""

from __future__ import annotations

import compileall
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PERFGEN, PYTHON, ROOT, baseline_jobs, report, timed, timed_together

SEED_002 = ROOT / "specs" / "2020" / "chengde-gaoxin-guotu.yaml"
EXAMPLES = sorted((ROOT / "specs").glob("*/*.yaml"))
RAW = ROOT / "benchmarks" / "raw_docxtpl.py"


def startup(tmp: Path) -> dict:
    raw, ours = timed_together([[PYTHON, str(RAW), str(baseline_jobs(SEED_002, tmp))], [*PERFGEN, "build", "--draft", str(SEED_002), "-o", str(tmp / "out")]], repeat=11)
    return report("(a) build --draft vs raw docxtpl", ours / raw, "≤ 1.3×", ours / raw <= 1.3, f"{ours:.3f} s vs {raw:.3f} s")


def copies(tmp: Path, count: int) -> Path:
    specs = tmp / f"specs-{count}"
    specs.mkdir()
    for i in range(count):
        source = EXAMPLES[i % len(EXAMPLES)]
        shutil.copy(source, specs / f"{i:04d}-{source.name}")
    return specs


def pdf_batch(tmp: Path) -> dict:
    specs = copies(tmp, 20)
    start = time.perf_counter()
    subprocess.run([*PERFGEN, "build", str(specs), "--pdf", "-o", str(tmp / "batch")], check=True, capture_output=True)
    ours = (time.perf_counter() - start) / 20
    docs = sorted((tmp / "batch").glob("*.docx"))
    start = time.perf_counter()
    for docx in docs:
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}", "--convert-to", "pdf", "--outdir", str(tmp / "single"), str(docx)],
            check=True, capture_output=True,
        )  # fmt: skip
    single = (time.perf_counter() - start) / len(docs)
    ratio = single / ours
    return report("(b) --pdf batch vs soffice per document", ratio, "≥ 4×", ratio >= 4, f"{ours:.2f} s vs {single:.2f} s per document")


def parallel(tmp: Path) -> dict:
    specs = copies(tmp, 200)
    one = timed([*PERFGEN, "build", str(specs), "--draft", "-j", "1", "-o", str(tmp / "j1")], repeat=1)
    two = timed([*PERFGEN, "build", str(specs), "--draft", "-j", "2", "-o", str(tmp / "j2")], repeat=1)
    return report("(c) 200 specs, 2 processes vs 1", one / two, "≥ 1.8×", one / two >= 1.8, f"{two:.1f} s vs {one:.1f} s")


def big_spec(path: Path, projects: int) -> Path:
    """A 河北-2020 spec with `projects` projects, each with four indicators and notes."""
    head = SEED_002.read_text(encoding="utf-8").split("\n项目:\n")[0]
    lines = [head, "项目:"]
    for n in range(projects):
        lines += [
            f"  - 名称: 项目{n:04d}",
            f"    负责人: 张三 1390000{n:04d}",
            "    主管部门: 地籍科",
            f"    财政拨款: {n % 97}.{n % 100:02d}",
            "    年度目标: 全面查清土地利用状况，掌握真实准确的土地基础数据。",
            "    绩效指标:",
            "      产出指标:",
            "        数量指标:",
            f"          - 完成地块数: ≥{n % 50 + 1}块",
            "            描述: 完成调查的地块数量",
            "            依据: 工作计划",
            "        时效指标:",
            "          - 完成率: =100%",
            "      效益指标:",
            "        社会效益指标:",
            "          - 合规性: 合规性",
            "      满意度指标:",
            "        服务对象满意度指标:",
            "          - 服务对象满意度: ≥90%",
            "    情况说明:",
            "      基本情况: 根据上级要求开展工作。",
            "      绩效目标和指标情况:",
            "        - 绩效目标: 按时完成。",
            "        - 绩效指标及评价标准: 完成率。",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def peak_mib(command: list[str]) -> float:
    """Peak resident memory of `command`, measured from a fresh parent whose only child it is."""
    probe = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    out = subprocess.run([PYTHON, "-c", probe, *command], check=True, capture_output=True, text=True).stdout
    return int(out) / 1024  # ru_maxrss is in KiB on Linux


def scale(tmp: Path) -> list[dict]:
    spec = big_spec(tmp / "big.yaml", 1000)
    raw = timed([PYTHON, str(RAW), str(baseline_jobs(spec, tmp))], repeat=1)
    ours = timed([*PERFGEN, "build", "--draft", str(spec), "-o", str(tmp / "big")], repeat=1)
    peak = peak_mib([*PERFGEN, "build", "--draft", str(spec), "-o", str(tmp / "big")])
    return [
        report("(d) 1,000 projects vs raw docxtpl", ours / raw, "≤ 2×", ours / raw <= 2, f"{ours:.1f} s vs {raw:.1f} s"),
        report("(d) 1,000 projects peak memory (MiB)", peak, "< 500 MiB", peak < 500, "maximum resident set size of perfgen"),
    ]


def main() -> None:
    chosen = set(sys.argv[1:]) or {"a", "b", "c", "d"}
    # Byte-compile perfgen as installing it does (pip compiles a wheel's modules), so neither side
    # compiles Python source in the timed runs, whatever PYTHONDONTWRITEBYTECODE says.
    compileall.compile_dir(ROOT / "perfgen", quiet=1)
    results = []
    with tempfile.TemporaryDirectory(prefix="perfgen-bench-") as tmp:
        for key, run in (("a", startup), ("b", pdf_batch), ("c", parallel), ("d", scale)):
            if key in chosen:
                outcome = run(Path(tmp))
                results.extend(outcome if isinstance(outcome, list) else [outcome])
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
