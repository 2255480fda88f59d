"""The house plan, checked: which package may import which.

A package is the first two dotted parts under core (core.stores, core.db, core.vault, ...) and the
top-level name elsewhere (cli, ui, pages, app, ...). A new module inside a package therefore needs no
change here; a new package needs a row in ALLOWED. Every import counts: at module level or inside a
function, `from core import x`, relative imports, and importlib.import_module("...") with a literal name.
tests/ is not checked: tests may reach into every layer.

The rules, each reported with the file, line and import that breaks it:
1. core never imports streamlit (the CLI and tests use every rule without a UI).
2. core never imports code outside core: no entry point (cli, ui, pages, app), no demo, benchmarks,
   fake gateway or tests. The one bridge is core/__main__.py, which exists so that `python -m core ...`
   starts the CLI: it holds no logic, may import only cli, and nothing imports it.
3. fake_walmart imports nothing of ours: it stands in for Walmart and must not know our code.
4. Packages form no cycle (core packages included), whatever the table allows.
5. Every import between packages is an edge in ALLOWED.
"""
from __future__ import annotations

import ast
import textwrap
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _core(*names: str) -> frozenset[str]:
    return frozenset(f"core.{name}" for name in names)


# Open to every core package above them: errors, translations, settings, and the gate for outside text.
FOUNDATION = _core("errors", "i18n", "config", "redaction")

# What each core package may import, lowest layer first. Read a row as "X builds on these".
CORE_ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),  # core/__init__.py: a docstring, nothing else
    "core.i18n": frozenset(),  # a leaf, so every package (errors included) can translate
    "core.redaction": frozenset(),  # a leaf: secrets out of outside text before it is kept, shown or sent
    "core.errors": _core("i18n"),
    "core.config": _core("errors", "i18n"),
    "core.db": FOUNDATION,
    "core.vault": FOUNDATION | _core("db"),
    "core.walmart": FOUNDATION | _core("db", "vault"),
    "core.runtime": FOUNDATION | _core("db", "vault", "walmart"),  # the typed composition root
    "core.access": FOUNDATION,  # the app's own roles and rights
    "core.spreadsheets": FOUNDATION,  # cells, decoding, readers, writers: no domain knowledge
    "core.barcodes": FOUNDATION,  # GTIN check digits and forms: shared by the catalog and pairing
    "core.audit": FOUNDATION | _core("access", "db", "spreadsheets"),  # spreadsheets: the export goes through the one writer
    "core.stores": FOUNDATION | _core("access", "audit", "db", "vault"),
    "core.authorization": FOUNDATION | _core("db", "runtime", "stores", "walmart"),
    "core.oauth": FOUNDATION | _core("access", "audit", "authorization", "db", "runtime", "stores", "vault", "walmart"),
    "core.catalog": FOUNDATION | _core("access", "audit", "barcodes", "db", "spreadsheets"),
    # runtime: workflows that call Walmart take a Runtime (listings do).
    "core.mapping": FOUNDATION | _core("access", "audit", "authorization", "barcodes", "catalog", "db", "runtime", "spreadsheets", "stores",
                                       "walmart"),
    # Orders meet mappings: read with a store's token (authorization), resolved through core.mapping.resolve.
    "core.orders": FOUNDATION | _core("authorization", "catalog", "db", "mapping", "runtime", "stores", "walmart"),
    # db: services take a Session.
    "core.troubleshooting": FOUNDATION | _core("authorization", "db", "runtime", "stores", "walmart"),
}

ANY_CORE = frozenset(CORE_ALLOWED)  # what an entry point may use; core.__main__ is not in it

ALLOWED: dict[str, frozenset[str]] = {
    **CORE_ALLOWED,
    "core.__main__": frozenset({"cli"}),  # `python -m core`: the one bridge from core to an entry point
    "cli": ANY_CORE,
    "ui": ANY_CORE | {"streamlit"},
    "pages": ANY_CORE | {"ui", "streamlit"},
    "app": ANY_CORE | {"ui", "streamlit"},  # pages are loaded by path (st.navigation), not imported
    "fake_walmart": frozenset(),
    "demo": ANY_CORE | {"fake_walmart"},
    # streamlit: AppTest times the status page; fake_walmart: its samples make the orders a gateway process serves.
    "benchmarks": ANY_CORE | {"streamlit", "fake_walmart"},
}

THIRD_PARTY_CHECKED = frozenset({"streamlit"})  # other third-party imports are no package's business here
NOT_CHECKED = frozenset({"tests"})  # source folders whose own imports are free
BRIDGE = "core.__main__"


@dataclass(frozen=True)
class Import:
    path: str  # relative to the root, with forward slashes
    line: int
    statement: str  # as written, on one line
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    in_function: bool

    def where(self) -> str:
        nested = " (inside a function)" if self.in_function else ""
        return f"{self.path}:{self.line}: `{self.statement}`{nested}"


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "core" else parts[0]


def _skipped(relative: Path) -> bool:
    return any(part.startswith(".") or part in ("__pycache__", "node_modules") for part in relative.parts)


def _python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if not _skipped(path.relative_to(root)))


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _known_modules(root: Path, files: Iterable[Path]) -> set[str]:
    """Every module and package (folders holding Python files count, with or without __init__.py)."""
    known: set[str] = set()
    for path in files:
        relative = path.relative_to(root)
        known.add(_module_name(relative))
        known.update(".".join(relative.parts[:depth]) for depth in range(1, len(relative.parts)))
    return known


class _ImportVisitor(ast.NodeVisitor):
    def __init__(self, text: str, relative: Path, module: str, known: set[str], tracked_roots: set[str]) -> None:
        self.text, self.path, self.module = text, relative.as_posix(), module
        self.is_package = relative.name == "__init__.py"
        self.known, self.tracked_roots = known, tracked_roots
        self.depth = 0
        self.found: list[Import] = []

    def _add(self, node: ast.stmt | ast.expr, target: str) -> None:
        if target.split(".")[0] not in self.tracked_roots:
            return
        statement = " ".join((ast.get_source_segment(self.text, node) or ast.unparse(node)).split())
        self.found.append(Import(self.path, node.lineno, statement, self.module, target, self.depth > 0))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            anchor = package[: len(package) - (node.level - 1)]
            base = ".".join(anchor + ([node.module] if node.module else []))
        for alias in node.names:
            # `from core import audit` imports the module core.audit, not the package core.
            submodule = f"{base}.{alias.name}" if base else alias.name
            self._add(node, submodule if submodule in self.known else base)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name in ("__import__", "import_module") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self._add(node, first.value)
        self.generic_visit(node)


def scan(root: Path) -> list[Import]:
    """Every import of our own packages (and of streamlit) made by the checked source files under root."""
    files = _python_files(root)
    known = _known_modules(root, files)
    tracked_roots = {module.split(".")[0] for module in known} | THIRD_PARTY_CHECKED
    found: list[Import] = []
    for path in files:
        relative = path.relative_to(root)
        if relative.parts[0] in NOT_CHECKED:
            continue
        text = path.read_text(encoding="utf-8")
        visitor = _ImportVisitor(text, relative, _module_name(relative), known, tracked_roots)
        visitor.visit(ast.parse(text, filename=str(relative)))
        found.extend(visitor.found)
    return found


def _edges(imports: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    edges: dict[tuple[str, str], list[Import]] = {}
    for found in imports:
        source, target = package_of(found.source), package_of(found.target)
        if source != target:
            edges.setdefault((source, target), []).append(found)
    return edges


def find_tangles(graph: Mapping[str, Iterable[str]]) -> list[tuple[list[str], list[str]]]:
    """Each tangle (packages that all reach each other) with one shortest cycle through it, as [a, b, ..., a]."""
    nodes = sorted(set(graph) | {target for targets in graph.values() for target in targets})
    successors = {node: sorted(set(graph.get(node, ()))) for node in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in successors[node]:
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            connect(node)

    tangles = []
    for group in sorted(groups):
        start, members = group[0], set(group)
        came_from: dict[str, str] = {}
        queue = deque([start])
        while queue:  # breadth first, inside the group, back to the start
            node = queue.popleft()
            for successor in successors[node]:
                if successor == start:
                    path = [start]
                    while node != start:
                        path.insert(1, node)
                        node = came_from[node]
                    tangles.append((group, [*path, start]))
                    queue.clear()
                    break
                if successor in members and successor not in came_from:
                    came_from[successor] = node
                    queue.append(successor)
    return tangles


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    return [cycle for _, cycle in find_tangles(graph)]


def violations(root: Path, allowed: Mapping[str, frozenset[str]] = ALLOWED) -> list[Violation]:
    imports = scan(root)
    edges = _edges(imports)
    found: list[Violation] = []

    def each(rule: str, imports: list[Import], why: str) -> None:
        found.extend(Violation(rule, f"{one.where()}: {why}") for one in imports)

    reported: set[tuple[str, str]] = set()
    for (source, target), witnesses in sorted(edges.items()):
        if source.split(".")[0] == "core" and target == "streamlit":
            each("streamlit in core", witnesses, f"{source} imports streamlit; core must run without a UI. Move the Streamlit part to ui/ or pages/.")
        elif source.split(".")[0] == "core" and target.split(".")[0] != "core" and not (source == BRIDGE and target == "cli"):
            each("core imports outside core", witnesses,
                 f"{source} imports {target}; core must never depend on {target}. Move what it needs into core, and let {target} call core instead.")
        elif source == "fake_walmart" and target != "streamlit":
            each("fake_walmart imports our code", witnesses, f"the fake gateway imports {target}; it must stand alone, as Walmart does.")
        elif source not in allowed:
            each("package not in the table", witnesses, f"{source} is not in ALLOWED (tests/test_architecture.py); add a row saying what it may import.")
        elif target not in allowed[source]:
            each("edge not in the table", witnesses,
                 f"{source} may not import {target}. It may import: {', '.join(sorted(allowed[source])) or 'nothing of ours'}. "
                 "If the edge is intended, add it to ALLOWED in tests/test_architecture.py.")
        else:
            continue
        reported.add((source, target))

    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    # Core's own cycles first: a forbidden edge out of core (already reported) would otherwise hide
    # them in one big tangle through the entry points.
    inside_core = {source: {t for t in targets if t.split(".")[0] == "core"} for source, targets in graph.items() if source.split(".")[0] == "core"}
    seen: list[list[str]] = []
    for members, cycle in find_tangles(inside_core) + find_tangles(graph):
        if cycle in seen:
            continue
        seen.append(cycle)
        steps = "\n".join(f"    {edges[step][0].where()}  ({step[0]} -> {step[1]})" for step in zip(cycle, cycle[1:]))
        others = sorted(set(members) - set(cycle))
        tangle = f"\n    These packages are caught in it too: {', '.join(others)}." if others else ""
        found.append(Violation("cycle", f"packages import each other in a cycle: {' -> '.join(cycle)}\n{steps}{tangle}\n"
                                        "    Move the shared piece into the lower package (an import inside a function does not break the cycle)."))
    return found


def report(problems: list[Violation]) -> str:
    return f"{len(problems)} import(s) break the house plan:\n" + "\n".join(str(problem) for problem in problems)


# --- the house itself ---

def test_the_house_keeps_its_plan():
    problems = violations(ROOT)
    assert not problems, report(problems)


def test_the_plan_itself_has_no_cycle_and_no_forbidden_edge():
    assert find_cycles(ALLOWED) == []
    for package, targets in ALLOWED.items():
        if package.split(".")[0] == "core":
            outside = {target for target in targets if target.split(".")[0] != "core"}
            assert outside == ({"cli"} if package == BRIDGE else set()), (package, outside)
        assert BRIDGE not in targets, f"{package} may not import the `python -m core` bridge"
    assert ALLOWED["fake_walmart"] == frozenset()


def test_the_scan_sees_the_real_graph():
    """The scan is not empty-handed on the real tree: known edges, both spellings, are found."""
    edges = _edges(scan(ROOT))
    assert ("core.stores", "core.audit") in edges  # `from core import audit`
    assert ("core.__main__", "cli") in edges
    assert ("pages", "streamlit") in edges and ("ui", "streamlit") in edges
    assert all(source.split(".")[0] != "tests" for source, _ in edges)


# --- each rule fails on a deliberate violation ---

def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _rules(problems: list[Violation]) -> list[str]:
    return sorted(problem.rule for problem in problems)


def test_a_cycle_between_core_packages_is_reported_even_if_the_table_allows_it(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/mapping/__init__.py": "",
        "core/mapping/grid.py": "from core.stores.registry import find_store\n",
        "core/stores/__init__.py": "",
        "core/stores/registry.py": """\
            def find_store():
                from core import mapping  # hidden in a function: still an edge
                return mapping
            """,
    })
    permissive = {**ALLOWED, "core.stores": ALLOWED["core.stores"] | {"core.mapping"}}
    problems = violations(root, permissive)
    print(report(problems))
    assert _rules(problems) == ["cycle"]
    assert str(problems[0]) == (
        "packages import each other in a cycle: core.mapping -> core.stores -> core.mapping\n"
        "    core/mapping/grid.py:1: `from core.stores.registry import find_store`  (core.mapping -> core.stores)\n"
        "    core/stores/registry.py:2: `from core import mapping` (inside a function)  (core.stores -> core.mapping)\n"
        "    Move the shared piece into the lower package (an import inside a function does not break the cycle)."
    )
    # With the real table the back edge is also refused on its own.
    assert _rules(violations(root)) == ["cycle", "edge not in the table"]


def test_a_cycle_through_a_relative_import_and_three_packages_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/walmart/__init__.py": "",
        "core/walmart/client.py": "from ..vault import seal\n",
        "core/vault.py": "import core.db.engine\n",
        "core/db/__init__.py": "",
        "core/db/engine.py": "import importlib\nCLIENT = importlib.import_module('core.walmart.client')\n",
    })
    problems = [problem for problem in violations(root) if problem.rule == "cycle"]
    print(report(problems))
    assert len(problems) == 1
    assert "core.db -> core.walmart -> core.vault -> core.db" in str(problems[0])
    assert "core/walmart/client.py:1: `from ..vault import seal`" in str(problems[0])
    assert "core/db/engine.py:2: `importlib.import_module('core.walmart.client')`" in str(problems[0])


def test_core_importing_streamlit_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/catalog.py": "import streamlit as st\n",
        "core/mapping/__init__.py": "",
        "core/mapping/grid.py": """\
            def show():
                from streamlit.runtime import exists
                import importlib; importlib.import_module("streamlit.components.v1")
            """,
        "ui/status.py": "import streamlit\n",  # allowed outside core
    })
    problems = violations(root)
    print(report(problems))
    assert _rules(problems) == ["streamlit in core"] * 3
    assert str(problems[0]) == (
        "core/catalog.py:1: `import streamlit as st`: core.catalog imports streamlit; core must run without a UI. "
        "Move the Streamlit part to ui/ or pages/."
    )
    assert [problem.message.split(": `")[0] for problem in problems[1:]] == ["core/mapping/grid.py:2", "core/mapping/grid.py:3"]


def test_core_importing_an_entry_point_is_reported_and_only_the_bridge_may(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/__main__.py": "from cli.main import main\n",  # the bridge: allowed
        "core/access.py": """\
            def cli_actor():
                from cli.main import operator_name
                return operator_name()
            """,
        "core/audit.py": "from ui import status\nfrom pages.audit import render\n",
        "cli/__init__.py": "",
        "cli/main.py": "def main(): ...\ndef operator_name(): ...\n",
        "ui/__init__.py": "",
        "ui/status.py": "",
        "pages/audit.py": "def render(): ...\n",
    })
    problems = violations(root)
    print(report(problems))
    assert _rules(problems) == ["core imports outside core"] * 3
    assert str(problems[0]) == (
        "core/access.py:2: `from cli.main import operator_name` (inside a function): core.access imports cli; "
        "core must never depend on cli. Move what it needs into core, and let cli call core instead."
    )
    assert {problem.message.split(":")[0] for problem in problems} == {"core/access.py", "core/audit.py"}


def test_importing_the_bridge_is_reported(tmp_path):
    root = _tree(tmp_path, {"core/__main__.py": "import cli\n", "cli/__init__.py": "import core.__main__\n"})
    problems = violations(root)
    print(report(problems))
    assert _rules(problems) == ["cycle", "edge not in the table"]
    refused = [str(problem) for problem in problems if problem.rule == "edge not in the table"]
    assert refused[0].startswith("cli/__init__.py:1: `import core.__main__`: cli may not import core.__main__.")


def test_the_fake_gateway_importing_our_code_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "fake_walmart/__init__.py": "",
        "fake_walmart/gateway.py": "from core.walmart.client import TOKEN_PATH\n",
        "core/__init__.py": "",
        "core/walmart/__init__.py": "",
        "core/walmart/client.py": "TOKEN_PATH = '/v3/token'\n",
    })
    problems = violations(root)
    print(report(problems))
    assert _rules(problems) == ["fake_walmart imports our code"]
    assert str(problems[0]) == (
        "fake_walmart/gateway.py:1: `from core.walmart.client import TOKEN_PATH`: the fake gateway imports core.walmart; "
        "it must stand alone, as Walmart does."
    )


def test_an_edge_missing_from_the_table_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/spreadsheets/__init__.py": "",
        "core/spreadsheets/readers.py": "from core.mapping.rules import MAPPING_COLUMNS\n",
        "core/mapping/__init__.py": "",
        "core/mapping/rules.py": "MAPPING_COLUMNS = ()\n",
        "ui/__init__.py": "",
        "ui/grid.py": "import pages.mapping\n",
        "pages/mapping.py": "",
    })
    problems = violations(root)
    print(report(problems))
    assert _rules(problems) == ["edge not in the table"] * 2
    assert str(problems[0]) == (
        "core/spreadsheets/readers.py:1: `from core.mapping.rules import MAPPING_COLUMNS`: core.spreadsheets may not import core.mapping. "
        "It may import: core.config, core.errors, core.i18n, core.redaction. If the edge is intended, add it to ALLOWED in tests/test_architecture.py."
    )
    assert str(problems[1]).startswith("ui/grid.py:1: `import pages.mapping`: ui may not import pages.")


def test_a_new_module_needs_no_table_change_but_a_new_package_does(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/errors.py": "",
        "core/spreadsheets/__init__.py": "",
        "core/spreadsheets/cells.py": "from core.errors import ValidationFailed\nfrom . import decoding\n",
        "core/spreadsheets/decoding.py": "from core.spreadsheets.cells import text\n",  # inside one package: free
        "core/db/__init__.py": "",
        "core/db/bulk.py": "from core.config import Settings\n",
        "core/config.py": "",
        "core/webhooks/__init__.py": "from core.db import bulk\n",
    })
    problems = violations(root)
    print(report(problems))
    assert _rules(problems) == ["package not in the table"]
    assert str(problems[0]).startswith("core/webhooks/__init__.py:1: `from core.db import bulk`: core.webhooks is not in ALLOWED")


def test_a_core_cycle_is_named_even_inside_a_bigger_tangle(tmp_path):
    root = _tree(tmp_path, {
        "core/access.py": "def actor():\n    from cli.main import operator_name\n",
        "core/stores/registry.py": "from core import access, vault\n",
        "core/vault.py": "def peek():\n    from core.stores import registry\n",
        "cli/main.py": "from core.stores import registry\n",
    })
    problems = [str(problem) for problem in violations(root) if problem.rule == "cycle"]
    print("\n".join(problems))
    assert [problem.splitlines()[0] for problem in problems] == [
        "packages import each other in a cycle: core.stores -> core.vault -> core.stores",
        "packages import each other in a cycle: cli -> core.stores -> core.access -> cli",
    ]
    assert "These packages are caught in it too: core.vault." in problems[1]
