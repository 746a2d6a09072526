"""The package's shape: no import cycles inside qcbridge/, lower floors never import higher
ones, modules and classes stay small, and ``import qcbridge`` exposes its subpackages."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qcbridge"

#: Floors of the package, bottom to top; a module may import its own floor and those below.
FLOORS = [
    {"errors", "tensors", "fingerprint", "engines", "potentials", "structures"},
    {"continuum", "defects", "io", "calculator"},
    {"coupling", "solvers", "memory", "homogenization"},
    {"plotting", "fracture", "indentation", "multiscale", "dynamics"},
    {"cli"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """qcbridge modules imported by one module (relative imports resolved), at any depth in
    the file (deferred imports inside functions count too)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            while c and c not in modules:
                c = c.rpartition(".")[0]
            if c and c != name:
                found.add(c)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _floor(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return len(FLOORS)  # the package's __init__ sits on top
    for k, floor in enumerate(FLOORS):
        if parts[1] in floor:
            return k
    raise AssertionError(f"{module} belongs to no floor: add it to FLOORS")


def test_no_import_cycles_inside_the_package():
    graph = _graph()
    # package __init__ files re-export their children: an edge parent -> child is not a cycle
    edges = {m: {t for t in deps if not t.startswith(m + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(edges.get(m, ())):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


def test_lower_floors_never_import_higher_ones():
    bad = []
    for m, deps in _graph().items():
        if m == "qcbridge":
            continue
        for t in deps:
            if t != "qcbridge" and _floor(t) > _floor(m):
                bad.append(f"{m} -> {t}")
    assert not bad, "imports that go up a floor: " + ", ".join(sorted(bad))


#: Largest module and class, in lines (about 500 and 300: one idea each).
MAX_MODULE, MAX_CLASS = 500, 310


def test_modules_and_classes_stay_small():
    long_modules, long_classes = [], []
    for name, path in _modules().items():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE:
            long_modules.append(f"{name} ({len(text.splitlines())} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS:
                long_classes.append(f"{name}.{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long_modules and not long_classes, (long_modules, long_classes)


def test_import_qcbridge_exposes_its_subpackages():
    import qcbridge

    for sub in ("continuum", "coupling", "defects", "engines", "fracture", "io", "memory", "potentials", "solvers",
                "structures"):
        assert hasattr(qcbridge, sub), sub
