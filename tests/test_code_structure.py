"""The package's structure, counted from its source with ``ast`` (issue 18's "Done when"): no import
cycle among the modules of ``sim``."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SIM.rglob("*.py")}


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (imports for type hints never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imports(name: str) -> set[str]:
    """The modules of ``sim`` that module ``name`` imports anywhere (at the top or in a function)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            wanted = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            wanted = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in wanted:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_sim():
    assert cycles({name: imports(name) for name in MODULES}) == []


def sources() -> dict[str, ast.Module]:
    """The parsed modules of ``sim`` by path (relative to the repository)."""
    return {
        str(p.relative_to(SIM.parent)): ast.parse(p.read_text(encoding="utf-8")) for p in SIM.rglob("*.py")
    }


def calls(tree: ast.AST, name: str) -> list[ast.Call]:
    """Calls of a function or method ``name`` (``f(...)`` or ``x.f(...)``)."""
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", None)) == name
    ]


def test_one_composition_of_the_configs():
    """Hydra's compose API is set up in one module, sim/compose.py (there were six set-ups in five)."""
    found = {path for path, tree in sources().items() if calls(tree, "initialize_config_dir")}
    assert found == {"sim/compose.py"}


def _owns_exits(node: ast.AST) -> bool:
    """Whether a node names an exit status by a number, defines one, or writes a refusal's line."""
    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "exit":
        return any(isinstance(a, ast.Constant) for a in node.args)
    if isinstance(node, ast.Assign):
        return any(getattr(t, "id", "").startswith("EXIT_") for t in node.targets)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and "config error:" in node.value


def test_one_owner_of_exit_statuses_and_refusals():
    """Exit statuses are defined and the refusal line is printed in one module, sim/exits.py (there
    were seven definitions of the status of bad input and 13 places printing "config error:")."""
    owners = {path for path, tree in sources().items() if any(map(_owns_exits, ast.walk(tree)))}
    assert owners == {"sim/exits.py"}


# Untrusted input, parsed apart from the configs (a district file, and the subdistrict specs of
# scenarios and district files alike, sim/world/, which the model core's owners keep).
DISTRICT_PARSERS = ("sim/district_file.py", "sim/world/spec.py")


def _checks_a_number(node: ast.AST) -> bool:
    """Whether an expression tests a value for being a bool or a finite number."""
    for n in ast.walk(node):
        if (
            isinstance(n, ast.Call)
            and getattr(n.func, "id", None) == "isinstance"
            and "bool" in ast.unparse(n.args[1])
        ):
            return True
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "math.isfinite":
            return True
    return False


def _refuses(body: list[ast.stmt]) -> bool:
    return any(
        isinstance(n, ast.Raise) and "ConfigError" in ast.unparse(n) for s in body for n in ast.walk(s)
    )


def test_one_validation_dialect_for_config_blocks():
    """Config values are type- and range-checked by hand in one module, sim/config.py (its schema
    machinery: OmegaConf's structured merge, finite numbers, LIMITS, each block's checks), besides the
    district parsers: no other module refuses a value for being a bool or not a finite number (such
    "finite number, not bool" refusals were written 13 times in 8 files)."""
    dialects = set()
    for path, tree in sources().items():
        for node in ast.walk(tree):
            refusal = isinstance(node, ast.If) and _checks_a_number(node.test) and _refuses(node.body)
            checked = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("ensure", "_check")
            if refusal or (checked and node.args and _checks_a_number(node.args[0])):
                dialects.add(path)
    assert dialects - set(DISTRICT_PARSERS) == {"sim/config.py"}
