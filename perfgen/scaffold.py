"""`perfgen new`: a department's spec repository from the cookiecutter template in the package.

The template (`scaffold_template/`) holds a README for budget staff, `.gitignore`, a pre-commit
config running `perfgen check` and editor settings. Files with Chinese text to render live in
`scaffold_template/templates/` and are `{% include %}`d by one-line stubs: cookiecutter copies a
file it takes for binary without rendering it, and its detector takes mostly-CJK UTF-8 for binary.
The spec is the layout's own example (`example.yaml` in the layout directory, built-in or not),
rendered with the same answers (`{{ cookiecutter.department }}` …; an example without them is
copied as it is). This module is a thin orchestrator over cookiecutter's own steps (context →
prompts → files) that generates into a temporary directory beside DIR and moves it into place, so
a failure leaves nothing half-written, and adds the JSON Schema the spec's modeline and the
editor settings point to.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.ext import Extension

from .errors import Position, ScaffoldError

TEMPLATE = Path(__file__).with_name("scaffold_template")
SCHEMA_PATH = Path("schema") / "perfgen.schema.json"
EXAMPLE = "example.yaml"  # a layout's example spec, beside its layout.yaml


@dataclass(frozen=True)
class Created:
    directory: Path
    spec: Path  # relative to `directory`
    layout: str


def layout_choices() -> list[str]:
    """The built-in layouts offered at the prompt (the first is the default)."""
    return list(json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))["layout"])


def create(directory: Path, *, no_input: bool = False, answers: dict[str, str] | None = None) -> Created:
    """Create the repository at `directory` (absent or empty), prompting unless `no_input`;
    `answers` become the prompts' defaults (e.g. {"layout": "河南-部门整体", "year": "2026"}); the
    layout may also be a layout directory (relative to the working directory)."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_files

    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError.single(Position(str(directory)), "N001", "目录已存在且不是空目录：请换一个新目录名，或先清空它。")
    answers = dict(answers or {})
    chosen = _layout(answers["layout"]) if "layout" in answers else None
    if chosen is not None:
        answers["layout"] = chosen.name
    try:
        context = _context(directory, answers, no_input, chosen)
        values = context["cookiecutter"]
        _validate(values)
        layout = chosen or _layout(values["layout"])
        spec = Path("specs") / values["year"] / f"{values['spec_name']}.yaml"
        text = _with_layout(example_spec(layout.directory, values), layout, directory / spec)
        parent = directory.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".perfgen-new-", dir=parent) as scratch:
            generated = Path(generate_files(str(TEMPLATE), context, output_dir=scratch, accept_hooks=False))
            write_schema(generated / SCHEMA_PATH, layout)  # the chosen layout's own: its keys, names and choices only
            (generated / spec).parent.mkdir(parents=True, exist_ok=True)
            (generated / spec).write_text(text, encoding="utf-8")
            if directory.exists():  # empty (perhaps the working directory): fill it
                for child in generated.iterdir():
                    shutil.move(str(child), str(directory / child.name))
            else:
                shutil.move(str(generated), str(directory))
    except CookiecutterException as exc:
        raise ScaffoldError.single(Position(str(TEMPLATE)), "N003", f"模板生成失败（{exc}）。") from None
    except OSError as exc:
        raise ScaffoldError.single(Position(str(directory)), "N004", f"无法创建（{exc.strerror}）：请检查路径和权限。") from None
    except ValueError as exc:  # an answer cookiecutter refuses, e.g. a 版式 that is not offered
        raise ScaffoldError.single(Position(str(directory)), "N002", f"输入有误（{exc}）：请按提示重新输入。") from None
    return Created(directory, spec, layout.name)


def _context(directory: Path, answers: dict[str, str], no_input: bool, chosen: Any) -> dict[str, Any]:
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    extra = {"year": str(datetime.date.today().year + 1), **answers, "_dir": directory.resolve().name or "specs"}
    context = generate_context(str(TEMPLATE / "cookiecutter.json"), extra_context={k: v for k, v in extra.items() if k != "layout" or chosen is None or v in layout_choices()})
    if chosen is not None and chosen.name not in layout_choices():  # a layout of the department's own: the only choice
        context["cookiecutter"]["layout"] = [chosen.name]
    context["cookiecutter"] = prompt_for_config(context, no_input)
    return context


def default_answers(directory: Path, **answers: str) -> dict[str, Any]:
    """The answers `perfgen new --no-input` would give, but for `answers` (for a layout's example
    spec checked or built alone)."""
    return _context(directory, answers, True, None)["cookiecutter"]


def _layout(reference: str) -> Any:
    from .errors import LayoutError
    from .model.layout import find_layout

    try:
        return find_layout(reference, Path.cwd(), Position("perfgen new --layout"))
    except LayoutError as exc:
        raise ScaffoldError(exc.findings) from None


def example_spec(layout_directory: Path, values: dict[str, Any]) -> str:
    """The layout's example spec with the answers in (`{{ cookiecutter.department | yaml }}` …)."""
    import jinja2

    path = layout_directory / EXAMPLE
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise ScaffoldError.single(Position(str(path)), "N005", f"版式目录里没有示例规格 {EXAMPLE}（或无法读取）：请在版式目录里放一份按本版式写的规格。") from None
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    environment.filters["yaml"] = yaml_scalar
    try:
        return environment.from_string(source).render(cookiecutter=values)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None) or 0
        raise ScaffoldError.single(Position(str(path), line), "N005", f"示例规格里的「{{{{ … }}}}」写错了（{exc}）：可用的是 cookiecutter.department、year、unit_code 等。") from None


def _with_layout(text: str, layout: Any, spec: Path) -> str:
    """`text` whose 版式 names `layout`: its name when built in, else its directory relative to the spec."""
    from .model.layout import builtin_layouts

    if any(b.directory == layout.directory for b in builtin_layouts()):
        reference = layout.name
    else:
        reference = Path(os.path.relpath(layout.directory.resolve(), spec.resolve().parent)).as_posix()
    return re.sub(r"^版式:[ \t]*[^#\n]*?([ \t]*#.*)?$", lambda m: f"版式: {reference}{m.group(1) or ''}", text, count=1, flags=re.MULTILINE)


def _validate(values: dict[str, Any]) -> None:
    problems = []
    if not re.fullmatch(r"\d{4}", values["year"]):
        problems.append(f"预算年度「{values['year']}」应是四位数字的年份，例如 2026")
    if not re.fullmatch(r"[^\s/\\:*?\"<>|]+", values["spec_name"]) or values["spec_name"].startswith("."):
        problems.append(f'规格文件名「{values["spec_name"]}」不能为空，也不能含空格或 / \\ : * ? " < > |')
    if not values["department"].strip():
        problems.append("部门名称不能为空")
    if problems:
        raise ScaffoldError.single(Position("perfgen new"), "N002", "；".join(problems) + "。")


def write_schema(path: Path, layout: Any = None) -> None:
    """Write the JSON Schema of a spec (of `layout`, else of any built-in layout) to `path`, for
    editors: completion and inline errors."""
    from .model.spec import json_schema

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_schema(layout), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


class YamlScalarExtension(Extension):
    """Jinja filter `yaml`: a prompt's answer as a YAML scalar that reads back as the same text
    (plain when that is safe, else double-quoted), so a name with 「: 」 or 「#」 cannot break a spec."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["yaml"] = yaml_scalar


def yaml_scalar(value: Any, quote: bool = False) -> str:
    from ruamel.yaml import YAML

    text = str(value)
    if not quote and text == text.strip() and "\n" not in text:
        try:
            loaded = YAML(typ="safe", pure=True).load(f"k: {text}")
        except Exception:  # noqa: BLE001 - any parse failure means "quote it"
            loaded = None
        if isinstance(loaded, dict) and loaded.get("k") == text:
            return text
    return json.dumps(text, ensure_ascii=False)
