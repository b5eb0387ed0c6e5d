"""The bad-input corpus as a table: for each family, how many cases and how many of them end in a
traceback, a wrong exit status (or a hang), an output lost, something left behind, or a message
without Chinese text or with a wrong place.

    python tools/corpus_table.py            # this checkout
    python tools/corpus_table.py --perfgen DIR   # the same corpus against another checkout's perfgen
                                                   (a `git worktree` of an earlier commit)

Each assertion of tests/test_corpus*.py says which of these it guards ("[lost]", "[leftover]" …);
a case whose test errors outside its assertions counts as a traceback. A case killed by a signal
(a segmentation fault takes pytest with it) is not in the table: run the families one by one.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ["tests/test_corpus.py", "tests/test_corpus_faults.py"]
KINDS = ("traceback", "exit", "lost", "leftover", "message")
TAG = re.compile(r"\[(traceback|exit|lost|leftover|message)\]")


STEMS = sorted((p.stem for p in (ROOT / "specs").rglob("*.yaml")), key=len, reverse=True)


def family_of(name: str) -> str:
    """The family in a case's id, `test_…[<example stem>-<family, spaces as _>-<n>]`; the spec
    corpus's builds over earlier outputs are a family of their own."""
    if name.startswith("test_a_failing_build"):
        return "builds over earlier outputs"
    inside = name[name.index("[") + 1 : -1]
    stem = next((s for s in STEMS if inside.startswith(f"{s}-")), "")
    return inside[len(stem) + 1 : inside.rindex("-")].replace("_", " ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfgen", type=Path, help="a checkout whose perfgen package is tested instead")
    parser.add_argument("files", nargs="*", default=CORPUS, help="the corpus files (default: both)")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.perfgen:
        env["PYTHONPATH"] = os.pathsep.join([str(args.perfgen.resolve()), env.get("PYTHONPATH", "")])
    with tempfile.TemporaryDirectory(prefix="perfgen-corpus-") as tmp:
        report = Path(tmp) / "report.xml"
        subprocess.run(
            [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *args.files],  # -P: not ./perfgen first
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        tree = ET.parse(report)
    cases: Counter[str] = Counter()
    bad: dict[str, Counter[str]] = defaultdict(Counter)
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        if "[" not in name or case.find("skipped") is not None:  # a spec without such a value
            continue
        family = family_of(name)
        cases[family] += 1
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        text = (problem.get("message") or "") + (problem.text or "")
        tag = TAG.search(text)
        bad[family][tag.group(1) if tag else "traceback"] += 1
    print("| family | cases | " + " | ".join(KINDS) + " |")
    print("|---|---:|" + "---:|" * len(KINDS))
    for family in sorted(cases):
        print(f"| {family} | {cases[family]} | " + " | ".join(str(bad[family][k]) for k in KINDS) + " |")
    total = sum(bad.values(), Counter())
    print(f"| **all** | {sum(cases.values())} | " + " | ".join(str(total[k]) for k in KINDS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
