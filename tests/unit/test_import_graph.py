"""Dependencies between product modules run one way.

Every import of every module in bot/, handlers/, faq/ and models/ is read from the source (module level and
inside functions alike: a function-local import hides a cycle from Python, not from this test). The graph must
have no cycle, and nothing below the Slack adapter may import `handlers`; only the composition root wires it.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "handlers", "faq", "models")
ADAPTER = "handlers"
# The composition root builds the Bolt app from the adapter's `register` functions.
COMPOSITION_ROOT = {"bot.app"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_files() -> dict[str, Path]:
    return {module_name(path): path
            for package in PRODUCT for path in sorted((ROOT / package).rglob("*.py"))}


MODULES = product_files()


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def product_module(dotted: str) -> str | None:
    """The product module `dotted` names, or its nearest product ancestor (a name inside a module)."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_in(source: str, module: str, package: bool) -> Iterator[tuple[str, int]]:
    """(imported product module, line) for every import statement anywhere in `source`, the text of `module`."""
    base_package = module if package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if target := product_module(alias.name):
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base_package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join([*parts, node.module] if node.module else parts)
            else:
                base = node.module or ""
            named = product_module(base)
            inside = named is not None and (module == named or module.startswith(f"{named}."))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, node.lineno
                    # From outside, `from pkg import sub` runs pkg/__init__ first. From inside pkg it has
                    # already started (a submodule loads after its package), so only `sub` is imported.
                    if not inside:
                        yield named, node.lineno  # type: ignore[misc]
                elif named:
                    yield named, node.lineno  # a name defined in the module (or the package's __init__)


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    yield from imports_in(MODULES[module].read_text(encoding="utf-8"), module, is_package(module))


def build_graph() -> dict[str, dict[str, int]]:
    """module → {imported module: first line importing it}; self-imports dropped.

    `import a.b.c` and `from a.b.c import x` are edges to a.b.c only, not to the packages above it, which
    Python also initialises: a package may re-export its submodules without every one of them being in a
    cycle. Naming the package from outside it (`from a.b import c` in x.y) is an edge to a.b as well."""
    graph: dict[str, dict[str, int]] = {}
    for module in MODULES:
        edges: dict[str, int] = {}
        for target, line in imports_of(module):
            if target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


GRAPH = build_graph()


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only components with more than one module (a cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def shortest_cycle(graph: dict[str, dict[str, int]], members: list[str]) -> list[str]:
    """One shortest cycle inside a strongly connected component, as a closed path."""
    inside = set(members)
    best: list[str] | None = None
    for start in members:
        parent: dict[str, str | None] = {start: None}
        queue = deque([start])
        found = None
        while queue and found is None:
            node = queue.popleft()
            for child in sorted(graph[node]):
                if child == start:
                    found = node
                    break
                if child in inside and child not in parent:
                    parent[child] = node
                    queue.append(child)
        if found is None:
            continue
        path = [found]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])  # type: ignore[arg-type]
        path.reverse()
        if best is None or len(path) < len(best):
            best = path
    assert best is not None
    return best


def describe(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    closed = [*cycle, cycle[0]]
    return "\n".join(f"    {a} → {b}  ({MODULES[a].relative_to(ROOT)}:{graph[a][b]})"
                     for a, b in pairwise(closed))


def test_the_reader_sees_every_kind_of_import():
    source = (
        "import models.db\n"
        "from bot.approvals import flow\n"              # a submodule named in a from-import
        "from bot.ticket_states import transition\n"     # a name inside a module
        "from . import policy\n"                         # relative, resolved against the package (a sibling)
        "from ..tickets.sla import due\n"
        "import slack_bolt\n"                            # not a product module
        "def later():\n"
        "    from bot import outbox\n"                   # inside a function
        "    import bot.reminders.status as status\n"
    )
    found = [target for target, _ in imports_in(source, "bot.reminders.approvals", package=False)]
    assert found == ["models.db", "bot.approvals.flow", "bot.approvals", "bot.ticket_states",
                     "bot.reminders.policy", "bot.tickets.sla", "bot.outbox", "bot.reminders.status"]


def test_a_package_counts_where_python_runs_its_init():
    # A package's __init__ importing its own submodules: an edge to each.
    assert [t for t, _ in imports_in("from . import flow\n", "bot.approvals", package=True)] == ["bot.approvals.flow"]
    # A submodule naming a sibling through its package: the package is already initialising, no edge to it.
    sibling = "from bot.approvals import notify\nfrom . import steps\n"
    assert [t for t, _ in imports_in(sibling, "bot.approvals.flow", package=False)] == [
        "bot.approvals.notify", "bot.approvals.steps"]
    # A submodule taking a name defined in its package's __init__ does depend on that __init__.
    assert [t for t, _ in imports_in("from bot.fakeslack import BOT_TOKEN\n", "bot.fakeslack.server",
                                     package=False)] == ["bot.fakeslack"]


def test_a_cycle_is_found_and_printed():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c"]


def test_no_import_cycles_between_product_modules():
    components = strongly_connected(GRAPH)
    report = [f"cycle among {len(c)} modules ({', '.join(c)}); one of its loops:\n"
              + describe(GRAPH, shortest_cycle(GRAPH, c))
              for c in components]
    assert not report, "import cycles:\n" + "\n".join(report)


def test_nothing_below_the_adapter_imports_handlers():
    offenders = [f"{module} imports {target}  ({MODULES[module].relative_to(ROOT)}:{line})"
                 for module, edges in sorted(GRAPH.items())
                 if module.split(".")[0] != ADAPTER and module not in COMPOSITION_ROOT
                 for target, line in sorted(edges.items())
                 if target.split(".")[0] == ADAPTER]
    assert not offenders, "imports of the Slack adapter from below it:\n" + "\n".join(offenders)
