"""The architecture of ../shared/DESIGN.md, checked on every import of the apps' code (read with `ast`).

Data flows one way, bottom up. Each app (or part of an app) is a component on a layer:

    layer 4   portal                              the project shell: settings, root urls, celery app, home, errors
    layer 3   curation      funding               what staff and editors do; matching, instruments, referrals
    layer 2   accounts      support_chain pages   people and their rights; chain and white-zone pages
    layer 1   directory                           territories, structures, offers, search, map, public API
    layer 0   support_chain vocabulary            stages, needs, support levels

Rules (`LAYERS` below is the table; a module belongs to the component of its longest matching prefix):

- a module imports its own component freely, and any component of a strictly lower layer; importing a higher
  layer, or another component of the same layer (curation <-> funding, accounts <-> support_chain pages), fails.
  support_chain is two components: its vocabulary (layer 0) never imports its pages (layer 2), which read
  directory's QuerySets;
- no import cycle between modules, in the whole project (function-local imports included: they hide a cycle, they
  do not remove it; see tests/import_graph.py for how `from pkg import name` is resolved);
- services never import tasks (a task calls a service, never the reverse: queue from the view or with
  `transaction.on_commit` in the caller).

No exception for `portal.celery`: tasks are declared with `celery.shared_task`, and a task that needs the
application object (its configuration, a broker connection) takes `celery.current_app`, or `self.app` in a bound
task, which is the same object once portal/__init__.py has created it. So the lower layers never name the shell.

Migrations are checked by tests/test_migrations.py. Failures list every offending import as
`module (file:line) imports target`: the message is the to-do list.
"""

from pathlib import Path

import pytest

from tests.import_graph import (
    ROOT,
    Import,
    collect_imports,
    describe_cycles,
    find_cycles,
    find_modules,
    in_package,
)

# The architecture, lowest layer first: {component: [module prefixes]}.
LAYERS: list[dict[str, list[str]]] = [
    # 0. The vocabulary every app speaks: stages of a project's life, needs, support levels.
    {"support_chain vocabulary": ["support_chain"]},
    # 1. Territories (COG referential), structures, offers, permanences, search, map, the public read-only API.
    {"directory": ["directory"]},
    # 2. The chain of support and the white zones (pages reading directory's QuerySets); people and their rights:
    #    user model, roles, scope querysets, throttling, signed links; the outbox every e-mail goes through.
    {
        "support_chain pages": [
            "support_chain.selectors",
            "support_chain.views",
            "support_chain.forms",
            "support_chain.urls",
            "support_chain.white_zones",
            "support_chain.tasks",
            "support_chain.management",
            "support_chain.observatory",
            "support_chain.widget",
        ],
        "accounts": ["accounts"],
    },
    # 3. What CRESS staff and structure editors do (moderation, history, imports, exports, freshness, link checks,
    #    quality, duplicates, scoped admin); the holder's profile, matching, instruments, calls, referrals.
    {"curation": ["curation"], "funding": ["funding"]},
    # 4. The project shell: settings, root urls, celery app, home page, error pages.
    {"portal": ["portal"]},
]

APPS = tuple(
    dict.fromkeys(prefix.split(".")[0] for layer in LAYERS for prefixes in layer.values() for prefix in prefixes)
)


def component_of(module: str, layers=LAYERS) -> tuple[int, str] | None:
    """(layer, component) of a module of the project, None for any other module (django, celery, …)."""
    best = None
    for level, components in enumerate(layers):
        for component, prefixes in components.items():
            for prefix in prefixes:
                if in_package(module, prefix) and (best is None or len(prefix) > len(best[2])):
                    best = (level, component, prefix)
    return best[:2] if best else None


def layer_violations(imports: list[Import], layers=LAYERS) -> list[str]:
    violations = []
    for item in imports:
        source, target = component_of(item.module, layers), component_of(item.target, layers)
        if source is None or target is None or source[1] == target[1] or target[0] < source[0]:
            continue
        violations.append(f"{item}   [{source[1]} (layer {source[0]}) -> {target[1]} (layer {target[0]})]")
    return violations


def services_importing_tasks(imports: list[Import], apps=APPS) -> list[str]:
    return [
        str(item)
        for item in imports
        if "services" in item.module.split(".")
        and "tasks" in item.target.split(".")
        and item.target.split(".")[0] in apps
    ]


def read_project(root: Path, apps) -> tuple[dict[str, Path], list[Import]]:
    modules = find_modules(apps, root)
    known_modules = set(find_modules(apps, root, skipped={"__pycache__"}))
    return modules, collect_imports(modules, known_modules, root)


@pytest.fixture(scope="module")
def project():
    return read_project(ROOT, APPS)


# The project ----------------------------------------------------------------------------------------------------


def test_every_app_of_the_table_exists():
    missing = [app for app in APPS if not (ROOT / app / "apps.py").is_file()]
    assert not missing, f"apps of the layer table without their directory (and apps.py): {', '.join(missing)}"


def test_every_app_is_in_the_table():
    apps_on_disk = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))
    assert apps_on_disk, "no app found: is ROOT the project's root?"
    unplaced = [app for app in apps_on_disk if app not in APPS]
    assert not unplaced, f"apps missing from LAYERS (give them a layer): {', '.join(unplaced)}"


def test_the_walker_reads_every_app(project):
    """Guards against a vacuous pass: each app present has modules, and imports of the project are found in it."""
    modules, imports = project
    for app in APPS:
        if not (ROOT / app).is_dir():
            continue
        assert any(in_package(name, app) for name in modules), f"no module found in {app}/"
        assert any(in_package(item.module, app) and component_of(item.target) for item in imports), (
            f"no import of the project's modules found in {app}/"
        )
    assert not [name for name in modules if ".migrations" in name or name.startswith("tests")]


def test_layers(project):
    _, imports = project
    violations = layer_violations(imports)
    if violations:
        pytest.fail(
            f"{len(violations)} imports against the layers (own component or a strictly lower layer only):\n"
            + "\n".join(violations),
            pytrace=False,
        )


def test_no_import_cycle(project):
    _, imports = project
    project_imports = [item for item in imports if component_of(item.target)]
    cycles = find_cycles(project_imports)
    if cycles:
        pytest.fail(
            f"{len(cycles)} import cycles (each with the imports that close it):\n"
            + describe_cycles(cycles, project_imports),
            pytrace=False,
        )


def test_services_never_import_tasks(project):
    _, imports = project
    offending = services_importing_tasks(imports)
    if offending:
        pytest.fail(
            "services importing tasks (a task calls a service, not the reverse):\n" + "\n".join(offending),
            pytrace=False,
        )


# The checker, on a synthetic project ----------------------------------------------------------------------------

SYNTHETIC_LAYERS = [
    {"low": ["low"]},
    {"high": ["high"], "low pages": ["low.pages"]},
]
SYNTHETIC_FILES = {
    "low/__init__.py": "",
    "low/models.py": "import os\n\n\nclass Thing:\n    pass\n",
    "low/services/__init__.py": "def notify():\n    from low import tasks  # hidden\n\n    return tasks\n",
    "low/tasks.py": "from .models import Thing\nfrom .pages import models\n",
    "low/bad.py": "from high.views import page\n",
    "low/pages.py": "from . import models\nfrom high import page\n",
    "low/migrations/0001_initial.py": "from high import views\n",
    "high/__init__.py": "from .views import page\n",
    "high/views.py": "import low.models\nfrom high import page\n\n\ndef page():\n    from low.models import Thing\n",
}


@pytest.fixture
def synthetic(tmp_path):
    for name, source in SYNTHETIC_FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return read_project(tmp_path, ["low", "high", "absent"])


def test_the_walker_resolves_every_kind_of_import(synthetic):
    modules, imports = synthetic
    assert "low.migrations.0001_initial" not in modules
    assert set(modules) == {
        "low",
        "low.models",
        "low.services",
        "low.tasks",
        "low.bad",
        "low.pages",
        "high",
        "high.views",
    }
    edges = {(item.module, item.line, item.target) for item in imports}
    assert ("low.services", 2, "low.tasks") in edges  # function-local; `from pkg import module` is the module
    assert ("low.tasks", 1, "low.models") in edges  # relative, from a module
    assert ("high", 1, "high.views") in edges  # relative, from a package
    assert ("low.pages", 1, "low.models") in edges  # `from . import module`
    assert ("high.views", 2, "high") in edges  # `from pkg import name`: the package
    assert ("high.views", 6, "low.models") in edges
    assert ("low.models", 1, "os") in edges


def test_the_checker_finds_every_bad_edge(synthetic):
    _, imports = synthetic
    assert layer_violations(imports, SYNTHETIC_LAYERS) == [
        "low.bad (low/bad.py:1) imports high.views   [low (layer 0) -> high (layer 1)]",
        "low.pages (low/pages.py:2) imports high   [low pages (layer 1) -> high (layer 1)]",
        "low.tasks (low/tasks.py:2) imports low.pages   [low (layer 0) -> low pages (layer 1)]",
    ]
    assert services_importing_tasks(imports, apps=("low", "high")) == [
        "low.services (low/services/__init__.py:2) imports low.tasks"
    ]
    cycles = find_cycles(imports)
    assert cycles == [["high", "high.views", "high"]]
    assert describe_cycles(cycles, imports) == (
        "high -> high.views -> high\n"
        "    high (high/__init__.py:1) imports high.views\n"
        "    high.views (high/views.py:2) imports high"
    )


def test_cycles_are_reported_once_as_readable_chains():
    def edge(source, target):
        return Import(source, f"{source}.py", 1, target)

    graph = [edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("d", "a"), edge("c", "b"), edge("e", "e")]
    assert find_cycles(graph) == [["b", "c", "b"], ["a", "b", "c", "a"]]
    assert find_cycles([edge("a", "b"), edge("b", "c")]) == []
