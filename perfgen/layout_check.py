"""`perfgen layout check DIR`: every mistake of a layout at its place, before any spec is built.

layout.yaml is read as `perfgen check` reads it (line:col). Each template is read as the build
reads it (docxtpl's clean-up, `{% vmerge %}`) and parsed, and every variable it uses is followed
through the context the build gives it — `doc` (the presented spec), `tables`, an appendix's `t` —
as presented from the layout's own example spec (`example.yaml` in the layout directory): a name,
attribute or key the context does not have is reported at its paragraph or table cell. Then the
styles: each paragraph style's East Asian font, heading styles with an outline level where a
目录 (TOC field) lists them. A layout.yaml that cannot be read still has its templates checked
for what needs no context.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import docx
import jinja2
from docx.oxml.ns import qn
from jinja2 import nodes

from .errors import Finding, LayoutError, PerfgenError, Position, Severity, os_reason
from .model.layout import Layout, read_layout

EXAMPLE = "example.yaml"  # the layout's example spec, beside layout.yaml
CONTEXTS = {"main": ("doc", "tables"), "appendix": ("doc", "t"), "split": ("doc", "tables")}
UNKNOWN = object()  # a value the check cannot follow (a loop over an empty list, a macro's argument)
HEADING = re.compile(r"(heading|标题)\s*(\d)", re.IGNORECASE)


@dataclass
class Template:
    path: Path
    kind: str  # main | appendix | split
    samples: dict[str, Any] = field(default_factory=dict)  # the context's names → a value of the example


def check_layout(directory: Path) -> list[Finding]:
    """Every problem of the layout at `directory` (layout.yaml, templates, styles, example)."""
    try:
        layout: Layout | None = read_layout(directory)
    except LayoutError as exc:
        layout, findings = None, list(exc.findings)
    else:
        findings = []
    templates = _templates(directory, layout)
    if layout is not None:
        findings.extend(_with_samples(directory, layout, templates))
    for template in templates:
        if not template.path.is_file():
            findings.append(Finding(Position(str(directory / "layout.yaml")), "L003", f"版式缺少模板文件「{template.path.name}」：请把它放在 {directory} 里。"))
            continue
        findings.extend(check_template(template))
    return sorted(set(findings), key=Finding.sort_key)


def _templates(directory: Path, layout: Layout | None) -> list[Template]:
    if layout is None:  # what layout.yaml names is unknown: every Word file of the directory
        return [Template(p, "appendix" if p.stem.startswith("appendix") else "main") for p in sorted(directory.glob("*.docx"))]
    found = [Template(directory / layout.template, "main")]
    found += [Template(directory / a.template, "appendix") for a in layout.appendices]
    if layout.split:
        found.append(Template(directory / layout.split.template, "split"))
    unique: dict[Path, Template] = {}
    for template in found:  # the main template may also be the split one: checked as the main
        unique.setdefault(template.path, template)
    return list(unique.values())


def _with_samples(directory: Path, layout: Layout, templates: list[Template]) -> list[Finding]:
    """Give each template the context its build would get from the example spec; a finding when
    the example is missing or does not build."""
    from .build import Tables
    from .derive.present import present

    example = directory / EXAMPLE
    if not example.is_file():
        return [Finding(Position(str(directory)), "T006", f"版式目录里没有示例规格 {EXAMPLE}：请放一份按本版式写的规格（perfgen new 用它生成新仓库），模板里的变量才能逐个检查。", Severity.WARNING)]
    try:
        checked = _checked_example(directory, layout)
    except PerfgenError as exc:
        return [Finding(Position(str(example)), "T006", f"示例规格有 {len(exc.findings)} 个错误，模板里的变量无法逐个检查：请先修正它（错误见下）。"), *exc.findings]
    document = present(checked.computed)
    tables = Tables(checked.computed, layout)
    by_template = {directory / a.template: tables[a.table] for a in layout.appendices}
    for template in templates:
        template.samples = {"doc": document, "tables": tables}
        if template.kind == "appendix":
            template.samples = {"doc": document, "t": by_template.get(template.path, UNKNOWN)}
        elif template.kind == "split" and layout.split:
            items = document.get(layout.split.list) or []
            template.samples = {"doc": {**document, layout.split.list: items[:1]}, "tables": tables}
    return []


def _checked_example(directory: Path, layout: Layout):
    """The layout's example spec with `perfgen new`'s default answers, checked against `layout`
    (its findings at the example's own lines)."""
    from .build import check

    with _example_copy(directory) as copy:
        return check(copy, layout)


@contextmanager
def _example_copy(directory: Path) -> Iterator[Path]:
    """The example spec as `perfgen new --no-input` would write it, in a scratch directory that
    is removed after; a finding in it is reported at the example's own line."""
    from .scaffold import default_answers, example_spec

    example = directory / EXAMPLE
    text = example_spec(directory, default_answers(directory))
    with tempfile.TemporaryDirectory(prefix="perfgen-example-") as scratch:
        copy = Path(scratch) / EXAMPLE
        copy.write_text(text, encoding="utf-8")
        try:
            yield copy
        except PerfgenError as exc:
            moved = [replace(f, position=replace(f.position, path=str(example))) if f.position.path == str(copy) else f for f in exc.findings]
            raise type(exc)(moved) from None


def copy_layout(reference: str, target: Path) -> Path:
    """A copy of the layout `reference` names (a built-in's name or a directory) at `target`, to
    edit into another form: its layout.yaml, templates and example."""
    from .model.layout import find_layout

    layout = find_layout(reference, Path.cwd(), Position("perfgen layout copy"))
    if target.exists():
        raise LayoutError.single(Position(str(target)), "L003", "目标已存在：请换一个新的目录名。")
    try:
        shutil.copytree(layout.directory, target, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise LayoutError.single(Position(str(target)), "L003", f"无法复制（{os_reason(exc)}）：请检查路径和权限。") from None
    return target


def build_example(directory: Path, out_dir: Path, office: Any) -> tuple[Path, ...]:
    """Build the layout's example spec (DOCX, its 附表 and PDFs) into `out_dir`, for a look."""
    from .build import Job, Options, build
    from .model.layout import load_layout

    layout = load_layout(directory)
    with _example_copy(directory) as copy:
        return build(Job(copy, Path(directory.resolve().name), layout=layout), out_dir, Options(pdf=True), office).outputs


def check_template(template: Template) -> list[Finding]:
    """The problems of one template: tags, variables, styles."""
    from .render.render import RenderError, _check_package, _environment, _places, _tags_of_line, _Template

    where = Position(str(template.path))
    try:
        _check_package(template.path, where)
        document = _Template(str(template.path))
        document.init_docx()
        source = document.patch_xml(document.get_xml())
    except RenderError as exc:
        return list(exc.findings)
    except Exception:  # noqa: BLE001 - not a Word file at all
        return [Finding(where, "R006", "无法读取模板：请确认它是用 Word 保存的 .docx 文件（可在 Word 中打开后另存一次）。")]
    places = list(_places(template.path))

    def place(line: int | None) -> str:
        tags = _tags_of_line(source, line)
        return next((f"{p}「{text[:60]}」" for p, text in places if any(tag and tag in text for tag in tags)), "")

    findings = [Finding(where, "T003", f"{p}用了 docxtpl 的「{{% vm %}}」：perfgen 模板只用一种纵向合并，请改为「{{% vmerge \"restart\" if loop.first else \"continue\" %}}」。") for p, text in places if re.search(r"\{%\s*[vh]m\s*%\}", text)]
    try:
        tree = _environment().parse(re.sub(r"<w:p([ >])", r"\n<w:p\1", source))  # a line a paragraph, as docxtpl renders it
    except jinja2.TemplateSyntaxError as exc:
        from .render.render import _syntax

        return [*findings, Finding(where, "T001", f"模板语法错误：{_syntax(exc.message or '')}，位置：{place(exc.lineno) or '（未能定位）'}：请修改这个标签。")]
    names = CONTEXTS[template.kind]
    scope = {name: template.samples.get(name, UNKNOWN) for name in names}
    for line, written, known in _unknown_variables(tree, scope):
        offered = "、".join(sorted(k for k in known if not k.startswith("_"))[:12])
        hint = f"这里可用的有：{offered}" if offered else f"模板可用的变量是 {'、'.join(names)}"
        findings.append(Finding(where, "T002", f"模板使用了不存在的变量「{written}」，位置：{place(line) or '（未能定位）'}：请改正名称（{hint}；见 docs/layouts.md）。"))
    findings.extend(_style_findings(template.path, where))
    return findings


def _unknown_variables(tree: nodes.Template, scope: dict[str, Any]) -> Iterator[tuple[int, str, list[str]]]:
    """(line, the name as written, the names that would be valid there) of each variable the
    template uses that its context does not have."""
    found: list[tuple[int, str, list[str]]] = []
    builtins = set(_jinja_globals())

    def value(node: nodes.Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, nodes.Name):
            if node.name not in scope and node.name not in builtins:
                found.append((node.lineno, node.name, sorted(scope)))
                return UNKNOWN
            return scope.get(node.name, UNKNOWN)
        if isinstance(node, nodes.Getattr):
            return _member(value(node.node, scope), node.attr, node, found)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            visit(node.arg, scope)
            return _member(value(node.node, scope), node.arg.value, node, found)
        visit(node, scope)
        return UNKNOWN

    def visit(node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)) and not (isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const)):
            value(node, scope)
            return
        if isinstance(node, nodes.For):
            items = value(node.iter, scope)
            inner = {**scope, "loop": UNKNOWN}
            first = items[0] if isinstance(items, (list, tuple)) and items else UNKNOWN
            _bind(node.target, first, inner)
            for child in [*node.body, *([node.test] if node.test else [])]:
                visit(child, inner)
            for child in node.else_:
                visit(child, scope)
            return
        if isinstance(node, nodes.Assign):
            result = value(node.node, scope)
            _bind(node.target, result, scope)
            return
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = {**scope, "caller": UNKNOWN, "varargs": UNKNOWN, "kwargs": UNKNOWN}
            for arg in getattr(node, "args", []):
                _bind(arg, UNKNOWN, inner)
            if isinstance(node, nodes.Macro):
                scope[node.name] = UNKNOWN
            for child in node.body:
                visit(child, inner)
            if isinstance(node, nodes.CallBlock):
                visit(node.call, scope)
            return
        if isinstance(node, (nodes.With, nodes.AssignBlock)):
            inner = dict(scope)
            for target, expression in zip(getattr(node, "targets", []), getattr(node, "values", []), strict=False):
                _bind(target, value(expression, scope), inner)
            if isinstance(node, nodes.AssignBlock):
                _bind(node.target, UNKNOWN, scope)
            for child in node.body:
                visit(child, inner)
            return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(tree, dict(scope))
    return iter(found)


def _member(base: Any, name: Any, node: nodes.Node, found: list) -> Any:
    """`base.name` or `base[name]` of the example's value, noting a name `base` does not have."""
    if base is UNKNOWN:
        return UNKNOWN
    if isinstance(base, dict):
        if name in base:
            return base[name]
        if isinstance(name, str) and hasattr(base, name):  # a method (items, get) or a Node's own attribute
            return UNKNOWN
    elif isinstance(base, (list, tuple)):
        return base[name] if isinstance(name, int) and -len(base) <= name < len(base) else UNKNOWN
    elif isinstance(name, str):
        try:
            return getattr(base, name)
        except (AttributeError, KeyError):
            pass
        except Exception:  # noqa: BLE001 - a property that fails on the example: not the template's fault
            return UNKNOWN
    else:
        return UNKNOWN
    known = list(base) if isinstance(base, dict) else [n for n in dir(base) if not n.startswith("_")]
    found.append((node.lineno, _written(node), [str(k) for k in known]))
    return UNKNOWN


def _written(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_written(node.node)}[{node.arg.value!r}]"
    return "…"


def _bind(target: nodes.Node, sample: Any, scope: dict[str, Any]) -> None:
    if isinstance(target, nodes.Name):
        scope[target.name] = sample
    elif isinstance(target, nodes.Tuple):
        values = list(sample) if isinstance(sample, (list, tuple)) and len(sample) == len(target.items) else [UNKNOWN] * len(target.items)
        for item, one in zip(target.items, values, strict=True):
            _bind(item, one, scope)


def _jinja_globals() -> dict[str, Any]:
    from .render.render import _environment

    return dict(_environment().globals)


# ---------------------------------------------------------------------------------------------
# The variable reference

KIND_WORDS = {"main": "正文模板", "appendix": "附表模板", "split": "单项目文档模板"}
IDENTIFIER = re.compile(r"^[^\W\d]\w*$")


def variable_reference(directory: Path) -> str:
    """Markdown: every variable each template of the layout at `directory` can use, as the
    build gives it (followed through the layout's example spec), with an example value."""
    layout = read_layout(directory)
    templates = _templates(directory, layout)
    problems = _with_samples(directory, layout, templates)
    if problems:
        raise LayoutError(problems)
    lines = [f"## {layout.name} (`{directory.name}/`)", ""]
    for template in templates:
        lines += [f"### {template.path.name}: {KIND_WORDS[template.kind]}", ""]
        for name in CONTEXTS[template.kind]:
            _describe(name, template.samples.get(name, UNKNOWN), lines, 0)
        lines.append("")
    return "\n".join(lines)


def _describe(path: str, value: Any, lines: list[str], depth: int) -> None:
    from .build import Tables
    from .derive.present import Merged, Rows, Shown

    indent = "  " * depth
    if isinstance(value, Tables):
        lines.append(f"{indent}- `{path}`: the layout's tables by name")
        for name in value._layout.tables:  # noqa: SLF001 - the tables a layout declares
            _describe(_member_path(path, name), value[name], lines, depth + 1)
    elif isinstance(value, dict):
        lines.append(f"{indent}- `{path}`")
        for key, item in value.items():
            _describe(_member_path(path, str(key)), item, lines, depth + 1)
    elif isinstance(value, list):
        counts = " (`.指标数`, `.一级指标数`)" if isinstance(value, Rows) else ""
        lines.append(f"{indent}- `{path}`: a list{counts}; each item:")
        merged: dict[str, Any] = {}
        for item in value:
            if isinstance(item, dict):
                for key, one in item.items():
                    merged.setdefault(key, one)
        if merged:
            for key, item in merged.items():
                _describe(_member_path(f"{path}[]", str(key)), item, lines, depth + 1)
        elif value:
            _describe(f"{path}[]", value[0], lines, depth + 1)
    else:
        what = "merged text (`.merge` restart/continue, `.text`)" if isinstance(value, Merged) else "text with `.number`" if isinstance(value, Shown) else "text" if isinstance(value, str) else type(value).__name__
        example = f", e.g. 「{str(value)[:24]}」" if isinstance(value, str) and str(value).strip() else ""
        lines.append(f"{indent}- `{path}`: {what}{example}")


def _member_path(path: str, key: str) -> str:
    return f"{path}.{key}" if IDENTIFIER.match(key) else f'{path}["{key}"]'


# ---------------------------------------------------------------------------------------------
# Styles


def _style_findings(path: Path, where: Position) -> list[Finding]:
    from .render.toc import LEVELS, _find_toc_field, outline_levels

    document = docx.Document(str(path))
    styles = {s.get(qn("w:styleId")): s for s in document.styles.element.iter(qn("w:style"))}
    body = document.element.body
    used = {ps.get(qn("w:val")) for ps in body.iter(qn("w:pStyle"))}
    default = next((sid for sid, s in styles.items() if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")), None)
    defaults_font = _east_asian(document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}"))
    findings = []
    for sid in sorted(s for s in used | {default} if s):
        if sid not in styles:
            findings.append(Finding(where, "T005", f"模板的段落用了不存在的样式（样式 ID「{sid}」）：请在 Word 中给这些段落重新选一个样式。"))
        elif not defaults_font and not _style_font(styles, sid):
            findings.append(Finding(where, "T005", f"样式「{_name(styles[sid])}」没有设置中文字体：Word 和 WPS 会换用别的字体。请在 Word 中修改样式 → 格式 → 字体 → 中文字体（如 仿宋_GB2312）。"))
    levels = outline_levels(document)
    for sid in sorted(s for s in used if s in styles):
        match = HEADING.fullmatch(_name(styles[sid]))
        if match and sid not in levels:
            findings.append(Finding(where, "T004", f"标题样式「{_name(styles[sid])}」没有大纲级别，目录不会列出用它的标题：请在 Word 中修改样式 → 格式 → 段落 → 大纲级别（{match[2]} 级）。"))
    field = _find_toc_field(body)
    has_toc = any((t.text or "").strip().startswith("TOC") for t in body.iter(qn("w:instrText")))
    if has_toc and field is None:
        findings.append(Finding(where, "T004", "模板里的目录域不完整（缺少域的开始或结束）：请在 Word 中删除目录，再用「引用 → 目录」重新插入。"))
    elif field is not None:
        match = LEVELS.search(field[2])
        low, high = (int(match[1]), int(match[2])) if match else (1, 3)
        if not any(low <= levels.get(sid, 0) <= high for sid in used):
            findings.append(Finding(where, "T004", f"模板有目录，但没有段落使用 {low}–{high} 级标题样式，目录将是空的：请给各级标题选用「标题 1」「标题 2」等样式。"))
    return findings


def _style_font(styles: dict[str, Any], sid: str, depth: int = 0) -> str | None:
    style = styles.get(sid)
    if style is None or depth > 10:
        return None
    font = _east_asian(style)
    if font:
        return font
    based = style.find(qn("w:basedOn"))
    return _style_font(styles, based.get(qn("w:val")), depth + 1) if based is not None else None


def _east_asian(element) -> str | None:
    if element is None:
        return None
    fonts = element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is None:
        return None
    return fonts.get(qn("w:eastAsia")) or fonts.get(qn("w:eastAsiaTheme"))


def _name(style) -> str:
    name = style.find(qn("w:name"))
    return name.get(qn("w:val")) if name is not None else style.get(qn("w:styleId"))
