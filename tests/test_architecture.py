"""The dependency arrows of DESIGN.md §3, read from the import statements: blueprints and CLI
-> domain -> models. Domain modules never import flask (they get `db` through
checkin.extensions), nor a blueprint or the web layer; blueprints never import each other."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import checkin

PACKAGE = Path(checkin.__file__).parent
# The application's wiring, not domain: they may import flask.
ENTRY_POINTS = {"checkin", "checkin.cli", "checkin.cli_seats", "checkin.config", "checkin.extensions"}
NOT_DOMAIN_PACKAGES = {"checkin.web", "checkin.migrations"}


def module_name(path: Path) -> str:
    parts = ["checkin", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved to absolute names."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def python_files():
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]


def blueprint_packages() -> set[str]:
    return {module_name(p) for p in PACKAGE.glob("*/__init__.py") if "Blueprint(" in p.read_text()}


def owner(module: str, packages: set[str]) -> str | None:
    return next((p for p in packages if module == p or module.startswith(p + ".")), None)


def domain_files():
    blueprints = blueprint_packages()
    return [
        p
        for p in python_files()
        if module_name(p) not in ENTRY_POINTS
        and owner(module_name(p), blueprints | NOT_DOMAIN_PACKAGES) is None
    ]


def test_the_expected_blueprints_and_domain_modules_are_found():
    blueprints = blueprint_packages()
    assert {"checkin.public", "checkin.api", "checkin.auth"} <= blueprints
    names = {module_name(p) for p in domain_files()}
    assert {
        "checkin.registration",
        "checkin.tickets",
        "checkin.signing",
        "checkin.personal_data",
        "checkin.shows",
        "checkin.staff",
        "checkin.models",
        "checkin.database",
    } <= names


def test_domain_modules_never_import_flask():
    offenders = {
        module_name(p): sorted(i for i in imports_of(p) if i == "flask" or i.startswith(("flask.", "flask_")))
        for p in domain_files()
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_domain_modules_never_import_the_web_layer_a_blueprint_or_the_cli():
    outer = blueprint_packages() | {"checkin.web", "checkin.cli"}
    offenders = {module_name(p): sorted(i for i in imports_of(p) if owner(i, outer)) for p in domain_files()}
    assert {m: i for m, i in offenders.items() if i} == {}


def test_blueprints_never_import_each_other():
    blueprints = blueprint_packages()
    offenders = {}
    for path in python_files():
        home = owner(module_name(path), blueprints)
        if home is None:
            continue
        foreign = sorted(i for i in imports_of(path) if owner(i, blueprints) not in (None, home))
        if foreign:
            offenders[module_name(path)] = foreign
    assert offenders == {}


def test_the_import_reader_sees_a_violation():
    """The checks above would pass vacuously if the reader resolved nothing."""
    assert "checkin.database.transaction" in imports_of(PACKAGE / "registration.py")
    assert "checkin.extensions.db" in imports_of(PACKAGE / "database.py")
    assert "checkin.registration" in imports_of(PACKAGE / "public" / "views.py")
    assert "flask" in imports_of(PACKAGE / "public" / "views.py")


def test_every_module_starts_with_a_docstring():
    missing = [
        module_name(p)
        for p in python_files()
        if p.read_text().strip() and ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []


# The layers as import-linter contracts in pyproject.toml ([tool.importlinter]).
ROOT = PACKAGE.parent
PYPROJECT = ROOT / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def _layer_modules(contract: dict) -> set[str]:
    return {name.strip() for layer in contract["layers"] for name in re.split(r"[|:]", layer)}


def _lint_imports(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_module_of_the_package_is_placed_in_a_layer():
    """A new module must say where it stands: an unplaced one would escape the contract."""
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    placed = _layer_modules(layers)
    top_level = {module_name(p).split(".")[1] for p in python_files() if module_name(p) != "checkin"} - {
        "migrations"
    }
    assert {f"checkin.{name}" for name in top_level} - placed == set()
    assert placed - {f"checkin.{name}" for name in top_level} == set()


def test_the_import_contracts_are_kept():
    """Entry points -> web -> domain (jobs and adapters -> use cases -> services) -> models ->
    database -> foundations: no module imports one above it; blueprints are independent."""
    run = _lint_imports(PYPROJECT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_the_import_contracts_see_a_violation(tmp_path):
    """The control: the same layers with the domain's services put above its use cases break."""
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    order = list(layers["layers"])
    services = next(i for i, layer in enumerate(order) if "checkin.waitlist" in layer)
    order[services - 1], order[services] = order[services], order[services - 1]
    contract = "\n".join(f"    {json.dumps(layer)}," for layer in order)
    config = tmp_path / "importlinter.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "checkin"\n\n[[tool.importlinter.contracts]]\n'
        f'name = "inverted"\ntype = "layers"\nlayers = [\n{contract}\n]\n'
    )
    run = _lint_imports(config)
    assert run.returncode != 0 and "BROKEN" in run.stdout, run.stdout + run.stderr
