"""The direction of dependency, checked on the import graph of the source (ast, not a
running interpreter): interfaces -> application services -> domain <- store.

- SQL lives in the store: only gateway/store and the adapters' one spool module import
  sqlite3 or sqlite_utils.
- The domain is pure: nothing it imports, however indirectly, brings in grpc, SQLite
  or structlog.
- The application services reach neither grpc nor SQLite, however indirectly, and no
  interface module (servicer, CLI, adapter) imports a store module itself.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQLITE = {"sqlite3", "sqlite_utils"}
SPOOL = "adapters.spool"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _sources() -> dict[str, Path]:
    found = {}
    for top in ("gateway", "adapters"):
        for path in (ROOT / top).rglob("*.py"):
            if "wire/argos" not in path.as_posix():
                found[_module_name(path)] = path
    return found


@cache
def _imports(module: str) -> frozenset[str]:
    """Every module `module` names in an import statement (absolute names)."""
    path = _sources()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # `from package import module` imports a module too.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _third_party_top(names: frozenset[str]) -> set[str]:
    return {n.split(".")[0] for n in names if not n.startswith(("gateway", "adapters"))}


def _reached(module: str) -> set[str]:
    """`module` and every project module it imports, however indirectly."""
    seen, pending = set(), [module]
    while pending:
        current = pending.pop()
        if current in seen or current not in _sources():
            continue
        seen.add(current)
        pending.extend(n for n in _imports(current) if n in _sources())
    return seen


def _libraries_reached(module: str) -> dict[str, str]:
    """Third-party top-level package -> the project module that imports it."""
    out: dict[str, str] = {}
    for reached in sorted(_reached(module)):
        for name in _third_party_top(_imports(reached)):
            out.setdefault(name, reached)
    return out


def _modules(prefix: str) -> list[str]:
    return sorted(m for m in _sources() if m == prefix or m.startswith(prefix + "."))


def test_only_the_store_and_the_adapters_spool_import_sqlite():
    offenders = {
        m: sorted(_third_party_top(_imports(m)) & SQLITE)
        for m in _sources()
        if not m.startswith("gateway.store") and m != SPOOL
    }
    assert {m: libs for m, libs in offenders.items() if libs} == {}


def test_the_domain_reaches_neither_grpc_nor_sqlite_nor_structlog():
    forbidden = {"grpc", "grpc_status", "structlog", *SQLITE}
    for module in _modules("gateway.domain"):
        reached = _libraries_reached(module)
        assert not forbidden & reached.keys(), {k: reached[k] for k in forbidden & reached.keys()}
        assert not any(
            m.startswith(("gateway.services", "gateway.store", "gateway.node"))
            for m in _reached(module)
        ), module


def test_the_services_reach_neither_grpc_nor_sqlite_nor_a_store_or_interface_module():
    forbidden = {"grpc", "grpc_status", *SQLITE}
    for module in _modules("gateway.services"):
        reached = _libraries_reached(module)
        assert not forbidden & reached.keys(), {k: reached[k] for k in forbidden & reached.keys()}
        outside = [
            m
            for m in _reached(module)
            if m.startswith(("gateway.store", "gateway.node", "gateway.cli", "adapters"))
        ]
        assert outside == [], (module, outside)


def test_no_interface_imports_a_store_module():
    interfaces = [
        *[m for m in _modules("gateway.node") if m.endswith("_servicer")],
        *_modules("gateway.cli"),
        *_modules("adapters"),
        *_modules("gateway.demo"),
    ]
    assert interfaces, "the interface modules were not found"
    for module in interfaces:
        stores = [n for n in _imports(module) if n.startswith("gateway.store")]
        assert stores == [], (module, stores)


def test_the_graph_sees_what_it_checks():
    """The checks above would pass on an empty graph: make sure they do not."""
    assert "sqlite3" in _third_party_top(_imports("gateway.store.sqlite.database"))
    assert "grpc" in _libraries_reached("gateway.node.server")
    assert "gateway.domain.times" in _reached("gateway.services.context")


def test_the_console_reaches_the_node_only_through_its_local_api():
    """The console runs in a process of its own and acts as the signed-in person over
    the admin socket: it never opens the store, runs a use case or builds a node."""
    console = _modules("gateway.console")
    assert "gateway.console.web" in console
    for module in console:
        inside = [
            n
            for n in _imports(module)
            if n.startswith(("gateway.store", "gateway.services", "gateway.bootstrap"))
        ]
        assert inside == [], (module, inside)
