"""Seams that stay seams: templates are asked, never named; engines' base knows no engine.

Code outside ``studio/pipeline/templates/`` asks a template what it can do (``narrated``,
``needs_song``, ``has_characters``, its ``options``) instead of comparing its name; these AST
checks fail the build when a name check creeps back in, or when an import circle returns.
"""

from __future__ import annotations

import ast
from pathlib import Path

from studio.store.models import TEMPLATES

REPO = Path(__file__).resolve().parent.parent
STUDIO = REPO / "studio"
TEMPLATES_PACKAGE = STUDIO / "pipeline" / "templates"
ENGINE_BASE = STUDIO / "engines" / "base.py"


def _template_names_in(node: ast.expr) -> list[str]:
    """The template names ``node`` spells out: a string, or a tuple/list/set of strings."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [
        item.value
        for item in items
        if isinstance(item, ast.Constant)
        and isinstance(item.value, str)
        and item.value in TEMPLATES
    ]


def _name_checks(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each comparison with a template name, and each dict keyed by them."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                names = _template_names_in(operand)
                if names:
                    found.append((node.lineno, f"compares with {', '.join(names)}"))
        elif isinstance(node, ast.Dict):
            keys = [k for k in node.keys if k is not None]
            names = [n for k in keys for n in _template_names_in(k)]
            if len(names) >= 2:  # one "music" key is a soundtrack's; two are a table of templates
                found.append((node.lineno, f"a table keyed by {', '.join(names)}"))
    return found


def template_name_checks(root: Path) -> list[str]:
    """Every template name check in ``root``'s Python files outside the templates package."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(TEMPLATES_PACKAGE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        problems += [f"{path}:{line}: {what}" for line, what in _name_checks(tree)]
    return problems


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_template_name_is_compared_outside_the_templates_package() -> None:
    problems = template_name_checks(STUDIO)
    assert not problems, (
        "Ask the template (a capability on studio.pipeline.templates.base.Template) instead "
        "of comparing its name:\n" + "\n".join(problems)
    )


def test_the_name_check_catches_a_planted_comparison(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(project, name):\n"
        "    if project.template == 'chat':\n"
        "        return 1\n"
        "    if 'music' != name:\n"
        "        return 2\n"
        "    if name in ('scroll', 'chat'):\n"
        "        return 3\n"
        "    hints = {'explainer': 'a', 'scroll': 'b'}\n"
        "    return hints\n",
        encoding="utf-8",
    )
    clean = tmp_path / "clean.py"
    clean.write_text(
        "def g(template, kind):\n"
        "    parts = {'music': None, 'parts': []}\n"  # one 'music' key: not a template table
        "    return template.needs_song or kind == 'video' or parts\n",
        encoding="utf-8",
    )
    problems = template_name_checks(tmp_path)
    assert [p.split(":", 2)[1] for p in problems] == ["2", "4", "6", "8"]
    assert all(p.startswith(str(planted)) for p in problems)


def test_every_template_is_in_the_registry_and_the_store() -> None:
    from studio.pipeline.templates import all_templates, template_names

    assert template_names() == TEMPLATES  # the database checks the same names
    assert [t.name for t in all_templates()] == list(TEMPLATES)


def test_engine_base_imports_no_engine() -> None:
    engines = {m for m in imported_modules(ENGINE_BASE) if m.startswith("studio.engines")}
    assert not engines, f"studio/engines/base.py imports {sorted(engines)}: use engines.registry"


def test_templates_never_import_the_render_or_produce_stage() -> None:
    stages = {"studio.pipeline.render", "studio.pipeline.produce"}
    for path in sorted(TEMPLATES_PACKAGE.rglob("*.py")):
        found = imported_modules(path) & stages
        assert not found, f"{path} imports {sorted(found)} (which import the templates)"
