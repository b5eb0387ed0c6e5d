"""Baseline for the benchmarks: plain docxtpl renders of already-derived contexts.

usage: raw_docxtpl.py JOBS.json   (a list of {"template": …, "context": {…}, "out": …})

This is the least any docxtpl-based generator must do for the same content: start Python, import
docxtpl, render each template (the main document and its 附表), save. perfgen's own
`{% vmerge %}` tag is dropped (it only sets cell merges).
"""

import json
import re
import sys

from docxtpl import DocxTemplate


class Template(DocxTemplate):
    def patch_xml(self, src_xml):
        return re.sub(r"\{%\s*vmerge\s[^%]*%\}", "", super().patch_xml(src_xml))


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        jobs = json.load(fh)
    for job in jobs:
        template = Template(job["template"])
        template.render(job["context"], autoescape=True)
        template.save(job["out"])


if __name__ == "__main__":
    main()
