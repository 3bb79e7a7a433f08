"""Migrations stand on their own: they import no live code of the project, and they run both ways on an empty database.

A migration is run years after it was written, against the code of that day: whatever it imports from the apps
(a helper, a list of columns, a SQL builder) can change or vanish and break it, or worse, silently make it do
something else than what it did in production. So data migrations carry frozen data and SQL.

Allowed, because Django's autodetector writes them into schema migrations and the historical models need them:
any module named `*.validators` (field validators), and the few callables of `ALLOWED_REFERENCES` (a field's
upload path or storage, a manager with `use_in_migrations`). Each of them must keep its name and module for good;
add one only for such a generated reference, with its reason.

The round trip runs `manage.py` in subprocesses, on a database of its own (a fresh SQLite file; with a PostgreSQL
test run, also a freshly created PostgreSQL database, dropped afterwards): pytest-django's test database is never
touched.
"""

import ast
import importlib
import os
import re
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.import_graph import ROOT, Import, find_modules, module_name, resolve_relative

PROJECT_APPS = ("support_chain", "directory", "accounts", "curation", "funding", "portal")

# Dotted name -> why a schema migration names it.
ALLOWED_REFERENCES = {
    "funding.referrals.models.attachment_storage": "storage of ReferralAttachment.file (private files)",
}


def migration_files(root: Path = ROOT, apps=PROJECT_APPS) -> list[Path]:
    return sorted(path for app in apps for path in (root / app).glob("migrations/*.py") if path.name != "__init__.py")


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def project_imports_of_migration(
    path: Path, root: Path, known_modules: set[str], apps
) -> list[tuple[Import, set[str]]]:
    """(import of a project module, the dotted names the migration takes through it) for each such import."""
    importer, relative = module_name(path, root), str(path.relative_to(root))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {name for node in ast.walk(tree) if isinstance(node, ast.Attribute) and (name := _dotted(node))}

    def through(local: str, module: str) -> set[str]:
        """`local.x.y` written in the migration, as `module.x.y`."""
        return {module + name[len(local) :] for name in used if name.startswith(local + ".")}

    found: dict[Import, set[str]] = defaultdict(set)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[Import(importer, relative, node.lineno, alias.name)] |= through(
                    alias.asname or alias.name, alias.name
                )
        elif isinstance(node, ast.ImportFrom):
            base = resolve_relative(node.module, node.level, importer, False)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known_modules:  # a module: what counts is what the migration takes from it
                    found[Import(importer, relative, node.lineno, submodule)] |= through(
                        alias.asname or alias.name, submodule
                    )
                else:
                    found[Import(importer, relative, node.lineno, base)].add(submodule)
    return [(item, names) for item, names in sorted(found.items()) if item.target.split(".")[0] in apps]


def forbidden_migration_imports(root: Path = ROOT, apps=PROJECT_APPS, allowed=ALLOWED_REFERENCES) -> list[str]:
    known_modules = set(find_modules(apps, root, skipped={"__pycache__"}))
    offending = []
    for path in migration_files(root, apps):
        for item, names in project_imports_of_migration(path, root, known_modules, apps):
            if item.target.split(".")[-1] == "validators" or (names and names <= allowed.keys()):
                continue
            uses = ", ".join(sorted(names - allowed.keys())) or "nothing"
            offending.append(f"{item}   [uses {uses}]")
    return sorted(offending)


def test_migrations_import_no_live_code():
    assert migration_files(), "no migration found: is ROOT the project's root?"
    offending = forbidden_migration_imports()
    if offending:
        pytest.fail(
            "migrations importing the project's code (freeze the data or SQL into the migration):\n"
            + "\n".join(offending),
            pytrace=False,
        )


def test_the_migration_checker_tells_generated_references_from_live_code(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/validators.py": "def siret(value): ...\n",
        "shop/models.py": "def upload_to(instance, name): ...\ndef pricing(): ...\n",
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": (
            "import shop.models\nimport shop.validators\nfrom django.db import migrations\n\n"
            "FIELD = (shop.models.upload_to, shop.validators.siret)\n"
        ),
        "shop/migrations/0002_data.py": (
            "from django.db import migrations\n\n\ndef load(apps, schema_editor):\n"
            "    from shop.models import pricing\n    from ..models import upload_to\n"
            "    from shop import models as live\n\n    live.pricing()\n"
        ),
    }
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    offending = forbidden_migration_imports(tmp_path, apps=("shop",), allowed={"shop.models.upload_to": "a path"})
    assert offending == [
        "shop.migrations.0002_data (shop/migrations/0002_data.py:5) imports shop.models   [uses shop.models.pricing]",
        "shop.migrations.0002_data (shop/migrations/0002_data.py:7) imports shop.models   [uses shop.models.pricing]",
    ]


# The round trip: empty -> latest -> zero -> latest ---------------------------------------------------------------

PLAN_LINE = re.compile(r"^\[(?P<state>[X \-])\]  (?P<key>[\w.]+)(?: \.\.\. \((?P<deps>.*)\))?$")


def manage(database_url: str, var_dir: Path, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    env["VAR_DIR"] = str(var_dir)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed (exit {result.returncode}):\n{failure(result)}", pytrace=False)
    return result.stdout


def failure(result: subprocess.CompletedProcess) -> str:
    """What a failed command was doing and why: its last lines of output, the innermost frames above the database
    driver and the exception (not the whole chained traceback)."""
    stderr = result.stderr.splitlines()
    if not any(line.startswith("Traceback") for line in stderr):
        return "\n".join([*result.stdout.splitlines()[-20:], *stderr[-20:]])
    last_traceback = stderr[max(index for index, line in enumerate(stderr) if line.startswith("Traceback")) :]
    frames = [
        line
        for line in last_traceback
        if line.startswith('  File "') and "/django/db/backends/" not in line and "/django/db/utils.py" not in line
    ]
    return "\n".join([*result.stdout.splitlines()[-3:], *frames[-3:], stderr[-1]])


def read_plan(output: str) -> list[tuple[str, bool, list[str]]]:
    """(app.migration, applied, dependencies) in plan order, from `showmigrations --plan --verbosity 2`."""
    plan = []
    for line in output.splitlines():
        match = PLAN_LINE.match(line)
        assert match, f"unexpected line in showmigrations --plan: {line!r}"
        deps = match["deps"].split(", ") if match["deps"] else []
        plan.append((match["key"], match["state"] == "X", deps))
    return plan


def show_plan(database_url: str, var_dir: Path) -> list[tuple[str, bool, list[str]]]:
    return read_plan(manage(database_url, var_dir, "showmigrations", "--plan", "--verbosity", "2"))


def unapply_order(plan) -> list[str]:
    """Apps, the one whose last migration comes last in the plan first (reverse dependency order)."""
    last = {key.split(".", 1)[0]: index for index, (key, _, _) in enumerate(plan)}
    return sorted(last, key=last.get, reverse=True)


def migrate_every_app_to_zero(database_url: str, var_dir: Path, plan) -> list[str]:
    """`migrate <app> zero` app by app; skips the apps an earlier command already unapplied (Django unapplies the
    migrations that depend on an app's with it). Returns the apps migrated."""
    dependents = defaultdict(set)
    for key, _, deps in plan:
        for dep in deps:
            dependents[dep].add(key)
    applied = {key for key, done, _ in plan if done}
    migrated = []
    for app in unapply_order(plan):
        pending = [key for key in applied if key.split(".", 1)[0] == app]
        if not pending:
            continue
        manage(database_url, var_dir, "migrate", app, "zero", "--noinput")
        migrated.append(app)
        while pending:
            key = pending.pop()
            if key in applied:
                applied.discard(key)
                pending.extend(dependents[key])
    return migrated


def round_trip(database_url: str, var_dir: Path) -> None:
    manage(database_url, var_dir, "migrate", "--noinput")
    latest = show_plan(database_url, var_dir)
    assert latest and all(done for _, done, _ in latest), "not applied after migrate: " + ", ".join(
        key for key, done, _ in latest if not done
    )
    apps = {key.split(".", 1)[0] for key, _, _ in latest}
    assert {"support_chain", "directory", "funding"} <= apps

    migrate_every_app_to_zero(database_url, var_dir, latest)
    still_applied = [key for key, done, _ in show_plan(database_url, var_dir) if done]
    assert not still_applied, f"still applied after `migrate <app> zero` for every app: {', '.join(still_applied)}"

    manage(database_url, var_dir, "migrate", "--noinput")
    again = show_plan(database_url, var_dir)
    assert [(key, done) for key, done, _ in again] == [(key, True) for key, _, _ in latest]
    manage(database_url, var_dir, "makemigrations", "--check", "--dry-run")


def test_unapply_order_and_plan_parsing():
    plan = read_plan(
        "[X]  base.0001_initial\n"
        "[X]  shop.0001_initial ... (base.0001_initial)\n"
        "[ ]  base.0002_more ... (base.0001_initial, shop.0001_initial)\n"
        "[X]  sessions.0001_initial\n"
    )
    assert plan[2] == ("base.0002_more", False, ["base.0001_initial", "shop.0001_initial"])
    assert unapply_order(plan) == ["sessions", "base", "shop"]


def test_migrations_round_trip_on_sqlite(tmp_path):
    round_trip(f"sqlite:///{tmp_path / 'migrations.sqlite3'}", tmp_path / "var")


@pytest.fixture
def fresh_postgresql_url():
    """The test run's PostgreSQL server, on a database created for this test and dropped after it."""
    import psycopg
    from psycopg import sql

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{url.path.lstrip('/')[:30] or 'guichet'}_migrations_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.postgres
def test_migrations_round_trip_on_postgresql(fresh_postgresql_url, tmp_path):
    round_trip(fresh_postgresql_url, tmp_path / "var")


# Each app's trigger module, and the migrations that install its statements frozen (`FROZEN`, `DROP`).
TRIGGER_MODULES = {"directory": "directory.triggers", "funding": "funding.triggers"}


def latest_frozen_triggers(app: str):
    """The newest migration of the app that installs triggers (it carries `FROZEN`), as a loaded module."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    frozen = [
        (key, migration)
        for key, migration in loader.disk_migrations.items()
        if key[0] == app and hasattr(importlib.import_module(migration.__module__), "FROZEN")
    ]
    assert frozen, f"no migration of {app} installs its triggers"
    # The plan's order, not the file names': the last one applied is what the database runs.
    plan = [key for key in loader.graph.forwards_plan((app, loader.graph.leaf_nodes(app)[0][1])) if key[0] == app]
    newest = max(frozen, key=lambda item: plan.index(item[0]))
    return importlib.import_module(newest[1].__module__)


@pytest.mark.parametrize("app", sorted(TRIGGER_MODULES))
@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_latest_trigger_migration_installs_what_the_trigger_module_writes_today(app, vendor):
    """Change directory/triggers.py or funding/triggers.py and this fails until a migration installs the new SQL."""
    current = importlib.import_module(TRIGGER_MODULES[app])
    migration = latest_frozen_triggers(app)
    assert migration.FROZEN[vendor] == current.statements(vendor), (
        f"{TRIGGER_MODULES[app]} writes other SQL than {migration.__name__} installs: add a migration that drops "
        "the triggers and installs the new statements, frozen"
    )
    assert migration.DROP[vendor] == current.drop_statements(vendor)


def test_models_name_the_trigger_modules_that_maintain_them():
    """A reader of the models learns that triggers write some of their columns, and where the SQL is."""
    from directory.models import Instrument, Network, Offer, Structure
    from funding.match_entries import MatchEntry
    from support_chain.models import Need, Stage

    for model in (Offer, Structure):
        assert "directory/triggers.py" in model.__doc__ and "funding/triggers.py" in model.__doc__
    for model in (Stage, Need, Instrument, Network):  # a rename refreshes the offers' search document
        assert "directory/triggers.py" in model.__doc__
    assert "funding/triggers.py" in MatchEntry.__doc__


# The vocabulary migrations, and the sections of fixtures/vocabularies.json each one carries.
VOCABULARY_MIGRATIONS = {"support_chain": ("stages", "needs"), "directory": ("legal_forms", "instruments", "networks")}


def latest_frozen_terms(app: str):
    """The newest migration of the app that carries vocabulary terms (`TERMS`), as a loaded module."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan = [key for key in loader.graph.forwards_plan(loader.graph.leaf_nodes(app)[0]) if key[0] == app]
    modules = [importlib.import_module(loader.disk_migrations[key].__module__) for key in plan]
    carrying = [module for module in modules if hasattr(module, "TERMS")]
    assert carrying, f"no migration of {app} loads its vocabularies"
    return carrying[-1]


@pytest.mark.parametrize("app", sorted(VOCABULARY_MIGRATIONS))
def test_the_latest_vocabulary_migration_carries_the_fixtures_terms(app):
    """Change fixtures/vocabularies.json and this fails until a migration loads the new terms, frozen."""
    import json

    from django.conf import settings

    fixture = json.loads((settings.BASE_DIR / "fixtures" / "vocabularies.json").read_text(encoding="utf-8"))
    migration = latest_frozen_terms(app)
    for section in VOCABULARY_MIGRATIONS[app]:
        assert migration.TERMS[section] == fixture[section], f"{section}: add a migration that loads today's terms"
