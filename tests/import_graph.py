"""The import graph of the project's packages, read from the source with `ast` (nothing is run).

Every `import` and `from … import` counts: at module level (including inside `try`, `if` and
class bodies, which run at import time), inside functions (they run later, but still make one
module depend on another), and under `if TYPE_CHECKING:` (never run, so they cannot form an
import loop, but a type taken from a module is still a dependency on it).

A package's `__init__` is a node of its own, named after the package. Importing `a.b.c` runs
`a/__init__` and `a/b/__init__` first, so an import of `a.b.c` is also an arrow to `a` and
`a.b` — except to the importer's own enclosing packages: those have begun loading before the
importer runs, and counting them would make every `__init__` that re-exports its submodules
(like `finplatform/models/__init__.py`) a cycle. An explicit `from a.b import name` written
inside `a.b` is an arrow to `a/b/__init__` like any other, so a loop through an `__init__`
shows. `from a.b import c`, where `a/b/c.py` exists, is an arrow to the module `a.b.c`.

The rules the project keeps (`tests/test_import_graph.py` asserts them): `seeds` → `finplatform`
→ `matching`, never back; `matching` imports neither Flask nor SQLAlchemy; `finplatform/access.py`
imports no feature package; and no loops. Only the application factory's function-level imports
(`finplatform/app.py`'s `create_app` and `register_*` steps, which import every blueprint and
command group) are left out of the loop check: that is where the platform is put together.

Run `python -m tests.import_graph` to print the arrows between the top-level packages, the
function-level imports and whatever breaks a rule.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("finplatform", "matching", "seeds")
FACTORY_MODULE = "finplatform.app"
# Packages of the platform that every feature may use; every other sub-package is a feature.
SHARED_PACKAGES = ("finplatform.models", "finplatform.domain", "finplatform.labels")


@dataclass(frozen=True)
class Import:
    """One arrow: `source` imports `target` at `line`, inside `function` (None at module level)."""

    source: str
    target: str
    line: int
    function: str | None
    type_checking: bool
    implied: bool  # an enclosing package of what was named, run on the way

    def __str__(self) -> str:
        where = f" in {self.function}()" if self.function else ""
        how = " (package __init__ on the way)" if self.implied else ""
        return f"{self.source}:{self.line}{where} -> {self.target}{how}"


def discover(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of the given top-level packages under `root`, by dotted name."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            # Only directories that are packages (have an __init__.py all the way down).
            if not all(
                (root.joinpath(*parts[:depth]) / "__init__.py").exists()
                for depth in range(1, len(parts))
            ):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]):
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.functions: list[str] = []
        self.type_checking = 0
        self.found: list[tuple[str, int, str | None, bool]] = []

    def _add(self, target: str, node: ast.stmt) -> None:
        function = ".".join(self.functions) or None
        self.found.append((target, node.lineno, function, self.type_checking > 0))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.type_checking += 1
            for statement in node.body:
                self.visit(statement)
            self.type_checking -= 1
            for statement in node.orelse:
                self.visit(statement)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            stem = ".".join([*base, *([node.module] if node.module else [])])
        else:
            stem = node.module or ""
        if stem == "__future__":
            return
        for alias in node.names:
            candidate = f"{stem}.{alias.name}"
            self._add(candidate if candidate in self.known else stem, node)


def collect(root: Path, packages: Iterable[str] = PROJECT_PACKAGES) -> list[Import]:
    """Every arrow out of every module of `packages` under `root` (targets outside included)."""
    modules = discover(root, packages)
    known = set(modules)
    arrows: list[Import] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        collector = _Collector(module, path.name == "__init__.py", known)
        collector.visit(tree)
        enclosing = {
            ".".join(module.split(".")[:depth]) for depth in range(1, module.count(".") + 1)
        }
        enclosing.add(module)
        for target, line, function, type_checking in collector.found:
            arrows.append(Import(module, target, line, function, type_checking, implied=False))
            parts = target.split(".")
            for depth in range(1, len(parts)):
                ancestor = ".".join(parts[:depth])
                if ancestor in known and ancestor not in enclosing:
                    arrows.append(Import(module, ancestor, line, function, type_checking, True))
    return arrows


def top_level(name: str) -> str:
    """The top-level package of a dotted name (`flask` for `flask.cli`)."""
    return name.partition(".")[0]


def cycles(arrows: Iterable[Import], exempt: Callable[[Import], bool]) -> list[list[str]]:
    """The import loops among the project's modules (strongly connected components of two or
    more modules, or a module importing itself); arrows for which `exempt` holds and imports
    under TYPE_CHECKING do not count."""
    graph: dict[str, set[str]] = defaultdict(set)
    for arrow in arrows:
        if arrow.type_checking or exempt(arrow):
            continue
        graph[arrow.source].add(arrow.target)
    # Tarjan's algorithm, iterative so that a long chain cannot hit the recursion limit.
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = lowlink[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = lowlink[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    lowlink[node] = min(lowlink[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node])
                if lowlink[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        components.append(sorted(component))
    return sorted(components)


def is_factory_import(arrow: Import) -> bool:
    """Whether an import is one of the factory's own (inside `create_app` or a `register_*` step
    of the factory module), which put the app together and so may import anything."""
    return (
        arrow.source == FACTORY_MODULE
        and arrow.function is not None
        and (arrow.function == "create_app" or arrow.function.startswith("register_"))
    )


def within(name: str, package: str) -> bool:
    """Whether the dotted `name` is `package` or inside it."""
    return name == package or name.startswith(package + ".")


def arrows_between(arrows: Iterable[Import], source: str, targets: Iterable[str]) -> list[Import]:
    """The arrows from modules of the package `source` to any of the packages `targets`."""
    targets = tuple(targets)
    return [
        arrow
        for arrow in arrows
        if within(arrow.source, source) and any(within(arrow.target, t) for t in targets)
    ]


def feature_packages(root: Path, platform: str = "finplatform") -> list[str]:
    """The platform's sub-packages other than the shared ones (models, domain)."""
    return sorted(
        f"{platform}.{init.parent.name}"
        for init in (root / platform).glob("*/__init__.py")
        if f"{platform}.{init.parent.name}" not in SHARED_PACKAGES
    )


def main() -> None:
    """Print the arrows between top-level packages, the function-level imports and any breach."""
    arrows = collect(ROOT)
    between = defaultdict(int)
    for arrow in arrows:
        source, target = top_level(arrow.source), top_level(arrow.target)
        if source != target and target in PROJECT_PACKAGES + ("config",):
            between[source, target] += 1
    print("arrows between packages:")
    for (source, target), count in sorted(between.items()):
        print(f"  {source} -> {target}: {count}")
    print("imports inside functions (* = the factory's own):")
    for arrow in arrows:
        if arrow.function and not arrow.implied:
            print(f"  {'*' if is_factory_import(arrow) else ' '} {arrow}")
    breaches = [
        *arrows_between(arrows, "finplatform", ["seeds"]),
        *arrows_between(arrows, "matching", ["finplatform", "seeds", "flask", "sqlalchemy"]),
        *arrows_between(arrows, "finplatform.access", feature_packages(ROOT)),
    ]
    print(f"forbidden arrows: {len(breaches)}")
    for arrow in breaches:
        print(f"  {arrow}")
    loops = cycles(arrows, exempt=is_factory_import)
    print(f"import loops: {len(loops)}")
    for loop in loops:
        print("  " + " <-> ".join(loop))
    sys.exit(1 if loops or breaches else 0)


if __name__ == "__main__":
    main()
