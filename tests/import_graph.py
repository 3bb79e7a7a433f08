"""The project's imports read with `ast` (nothing is imported): the graph behind tests/test_architecture.py.

Every `import` and `from … import …` statement counts, wherever it is written (module level, inside a function or
a class, under `if TYPE_CHECKING:`): a function-local import is still a dependency, it is only a hidden one.
Names are resolved to absolute module names:

- `import a.b.c` imports the module `a.b.c` (not `a` and `a.b`, although Python runs their `__init__` first);
- `from a.b import c` imports `a.b.c` when that is a module of the project, else `a.b` (`c` is then a name
  defined in, or re-exported by, `a/b/__init__.py` or `a/b.py`);
- relative imports are resolved against the importing module's package (`from .models import X` in
  `directory/views/__init__.py` is `directory.views.models`; in `directory/views/pages.py` too).

So a submodule that imports a name through its own package (`from directory.models import Offer` inside
`directory/models/structure.py`) depends on the package, whose `__init__` imports the submodule: a cycle, and a
real one (it works only while `__init__` happens to import the submodules in the right order). Import the
sibling module instead (`from .structure import Offer`).

Strings that name code (`"directory.Offer"` in a ForeignKey, Celery task names, `apps.get_model`) are not imports.
"""

import ast
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Directories of an app that are not its code (migrations are read by tests/test_migrations.py).
SKIPPED_DIRECTORIES = {"migrations", "tests", "__pycache__"}


@dataclass(frozen=True, order=True)
class Import:
    """One import statement of `module`, at `path:line`, of the module `target`."""

    module: str
    path: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.module} ({self.path}:{self.line}) imports {self.target}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def find_modules(packages: Iterable[str], root: Path = ROOT, skipped=SKIPPED_DIRECTORIES) -> dict[str, Path]:
    """Module name -> file, for every Python file of the packages (top-level directories) that exist."""
    modules = {}
    for package in packages:
        directory = root / package
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.py")):
            if skipped.intersection(path.relative_to(root).parts[:-1]):
                continue
            modules[module_name(path, root)] = path
    return modules


def resolve_relative(module: str | None, level: int, importer: str, importer_is_package: bool) -> str:
    """The absolute name of the `module` of `from <level dots><module> import …` written in `importer`."""
    if level == 0:
        return module or ""
    package = importer.split(".") if importer_is_package else importer.split(".")[:-1]
    if level - 1 >= len(package):
        raise ValueError(f"{importer}: relative import beyond the top-level package")
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_in_source(
    source: str, importer: str, importer_is_package: bool, known_modules: set[str]
) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement of the source, sorted, without repeats."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve_relative(node.module, node.level, importer, importer_is_package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add((node.lineno, submodule if submodule in known_modules else base))
    return sorted(found)


def collect_imports(modules: dict[str, Path], known_modules: set[str], root: Path = ROOT) -> list[Import]:
    """Every import of the given modules (name -> file)."""
    imports = []
    for name, path in modules.items():
        relative = str(path.relative_to(root))
        for line, target in imports_in_source(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known_modules
        ):
            imports.append(Import(name, relative, line, target))
    return sorted(imports)


def in_package(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


# Cycles ---------------------------------------------------------------------------------------------------------


def strongly_connected_components(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit to worry about)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    nodes = sorted(set(edges) | {target for targets in edges.values() for target in targets})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = lowlink[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = lowlink[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    lowlink[node] = min(lowlink[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def find_cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Cycles of the import graph, each as [a, b, …, a]: for every edge inside a strongly connected component, the
    shortest cycle through it. Every import that takes part in a cycle is on at least one of them, without
    enumerating all the (exponentially many) elementary cycles."""
    edges: dict[str, set[str]] = defaultdict(set)
    for item in imports:
        if item.module != item.target:
            edges[item.module].add(item.target)
    cycles = set()
    for component in strongly_connected_components(edges):
        if len(component) < 2:
            continue
        for source in sorted(component):
            for target in sorted(edges[source] & component):
                path = _shortest_path(edges, target, source, component)
                cycle = [source, *path]  # source -> target -> … -> source
                cycles.add(_rotate_to_smallest(cycle[:-1]))
    return [[*cycle, cycle[0]] for cycle in sorted(cycles, key=lambda cycle: (len(cycle), cycle))]


def _shortest_path(edges, start: str, goal: str, allowed: set[str]) -> list[str]:
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for child in sorted(edges.get(node, ())):
            if child in allowed and child not in previous:
                previous[child] = node
                queue.append(child)
    path = [goal]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return path[::-1]


def _rotate_to_smallest(cycle: list[str]) -> tuple[str, ...]:
    first = cycle.index(min(cycle))
    return tuple(cycle[first:] + cycle[:first])


def describe_cycles(cycles: list[list[str]], imports: Iterable[Import]) -> str:
    """Each cycle as `a -> b -> a`, followed by the import statements that make it."""
    statements = defaultdict(list)
    for item in imports:
        statements[item.module, item.target].append(item)
    lines = []
    for cycle in cycles:
        lines.append(" -> ".join(cycle))
        for source, target in zip(cycle, cycle[1:], strict=False):
            lines.extend(f"    {item}" for item in statements[source, target])
    return "\n".join(lines)
