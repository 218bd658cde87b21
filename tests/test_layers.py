"""The code's imports run one way: entry points on top, then pages (web views, the agent
desk), inbound mail, the services, and models and vocabularies at the bottom (see
docs/architecture.md). A module imports only from its own layer or the ones below, the
packages never import each other in a circle, and no import hides inside a function."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "helpdesk"

# Layers from the bottom; a module's layer is that of the longest prefix that names it.
LAYERS = [
    ("base", ["helpdesk.vocabulary", "helpdesk.models", "helpdesk.extensions", "helpdesk.config",
              "helpdesk.settings", "helpdesk.database", "helpdesk.logs", "helpdesk.urls",
              "helpdesk.markup", "helpdesk.middleware", "helpdesk.emails", "helpdesk.text",
              "helpdesk.zones", "helpdesk.redisconf", "helpdesk.jsonerrors",
              "helpdesk.locales"]),
    ("services", ["helpdesk.access", "helpdesk.events", "helpdesk.outgoing", "helpdesk.auth",
                  "helpdesk.kb", "helpdesk.tickets", "helpdesk.agent", "helpdesk.users",
                  "helpdesk.maintenance", "helpdesk.backup"]),
    ("inbound", ["helpdesk.inbound"]),
    ("pages", ["helpdesk.forms", "helpdesk.web", "helpdesk.script_texts", "helpdesk.health",
               "helpdesk.jinja_gettext",
               "helpdesk.language_views",
               "helpdesk.outgoing.views", "helpdesk.auth.views", "helpdesk.auth.token_views",
               "helpdesk.auth.forms",
               "helpdesk.kb.views", "helpdesk.tickets.blueprint", "helpdesk.tickets.views",
               "helpdesk.tickets.requester_views", "helpdesk.tickets.forms",
               "helpdesk.agent.views", "helpdesk.agent.gate", "helpdesk.agent.forms",
               "helpdesk.api"]),
    ("entry", ["helpdesk.app", "helpdesk.commands", "helpdesk.cli", "helpdesk.agent.cli",
               "helpdesk.inbound.commands"]),
]
RANK = {prefix: rank for rank, (_name, prefixes) in enumerate(LAYERS) for prefix in prefixes}
NAMES = [name for name, _ in LAYERS]


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def layer(module):
    prefixes = [p for p in RANK if module == p or module.startswith(p + ".")]
    return RANK[max(prefixes, key=len)] if prefixes else None


def imports(module):
    """(imported module, line, inside a function) for each import of this package."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    in_function = {id(node) for f in ast.walk(tree)
                   if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for node in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                # `from pkg import module` imports the module; `from module import name` the module
                full = f"{target}.{alias.name}"
                found = full if full in MODULES else target
                if found in MODULES:
                    yield found, node.lineno, id(node) in in_function
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node.lineno, id(node) in in_function


EDGES = {module: list(imports(module)) for module in MODULES}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if m != "helpdesk" and layer(m) is None] == []


@pytest.mark.parametrize("name", NAMES)
def test_modules_import_only_their_own_layer_and_below(name):
    wrong = [f"{module}:{line} ({NAMES[layer(module)]}) imports {target} ({NAMES[layer(target)]})"
             for module, found in EDGES.items() if module != "helpdesk"
             and NAMES[layer(module)] == name
             for target, line, _ in found if target != "helpdesk" and layer(target) > layer(module)]
    assert wrong == []


def package(module):
    """helpdesk.tickets.service -> helpdesk.tickets; helpdesk.models -> helpdesk.models"""
    return ".".join(module.split(".")[:2])


def test_packages_never_import_each_other_in_a_circle():
    graph = defaultdict(set)
    for module, found in EDGES.items():
        for target, _, _ in found:
            if package(target) != package(module) and target != "helpdesk":
                graph[package(module)].add(package(target))
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_import_hides_inside_a_function():
    # The package's own `__getattr__` loads the app factory on first use, so importing a
    # low module (`helpdesk.models`) does not load every layer above it.
    hidden = [f"{module}:{line} imports {target}" for module, found in EDGES.items()
              for target, line, inside in found if inside
              and not (module == "helpdesk" and target == "helpdesk.app")]
    assert hidden == []
