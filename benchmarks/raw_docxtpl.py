"""Baseline for the benchmarks: a plain docxtpl render of an already-derived context (JSON).

usage: raw_docxtpl.py CONTEXT.json TEMPLATE.docx OUT.docx

This is the least any docxtpl-based generator must do for the same content: start Python, import
docxtpl, render, save. perfgen's own `{% vmerge %}` tag is dropped (it only sets cell merges).
"""

import json
import re
import sys

from docxtpl import DocxTemplate


class Template(DocxTemplate):
    def patch_xml(self, src_xml):
        return re.sub(r"\{%\s*vmerge\s[^%]*%\}", "", super().patch_xml(src_xml))


def main() -> None:
    context_path, template_path, out = sys.argv[1:4]
    with open(context_path, encoding="utf-8") as fh:
        context = json.load(fh)
    template = Template(template_path)
    template.render(context, autoescape=True)
    template.save(out)


if __name__ == "__main__":
    main()
