"""The package's imports follow the data flow, lowest floor first: a module may import modules
on its own floor and on the floors below, never one above (module-level and function-level
imports alike), and no module imports one that imports it back.

The floors, written down here once (the README's architecture section repeats the order):

 0. leaf helpers any floor may use: the package root, languages, logs, kinds, compile_cache,
    hub_access, paths (`abs_path`: checkpoints and the workdir both read paths this way), naming
    (`run_name`: the experiment writes run names, the report reads them).
 1. config: the experiment's keys, loading, overrides -- checked without the task catalog or JAX.
 2. tasks: the catalog, readers, featurization (`Features`, the padded batch contract).
 3. workdir: one writer per run folder and its recorded config. It reads configs and task
    recipes, never checkpoints or models, so it sits below everything that trains or evaluates
    (its paths come from `paths`, not from training's checkpoints).
 4. data: the one batch planner (training and evaluation) and the loaders over `Features`.
 5. model: the encoder, heads, weight formats, and the parameters' placement on the mesh
    (`partitioning.place_params`: training and evaluation place parameters the same way).
 6. evaluate: prediction, span decoding, the official metrics, submission files. It takes a
    model and features and knows nothing of training.
 7. train: optimizer, step, loop, checkpoints. Above evaluation: training validates with the
    evaluator (as jiant's trainer does); evaluation never needs training.
 8. one run: the experiment modules (`experiment/`, and `pipeline.py` until it is split: its
    floor is its lower half's), convert, environment, bench.
 9. report: tables and figures over the records finished runs wrote; a run never draws on it.
10. sweeps: planning and launching many runs (`sweep/`), and preflight, which checks the data
    of every run a sweep plans.
11. entry points: the command line, the experiment configs, the build scripts beside assets.

An import up a floor pulls the higher floor's dependencies and decisions into the lower one:
the evaluator could no longer run without training, a config could not be checked without
loading every task.
"""

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "jaxstilts"

ORDER: tuple[tuple[str, ...], ...] = (
    ("jaxstilts", "jaxstilts.languages", "jaxstilts.logs", "jaxstilts.kinds",
     "jaxstilts.compile_cache", "jaxstilts.hub_access", "jaxstilts.paths", "jaxstilts.naming",
     "jaxstilts.figures"),
    ("jaxstilts.config", "jaxstilts.config_schema"),
    ("jaxstilts.tasks",),
    ("jaxstilts.workdir",),
    ("jaxstilts.data",),
    ("jaxstilts.model",),
    ("jaxstilts.evaluate",),
    ("jaxstilts.train",),
    ("jaxstilts.experiment", "jaxstilts.convert", "jaxstilts.environment",
     "jaxstilts.bench"),
    ("jaxstilts.report",),
    ("jaxstilts.sweep", "jaxstilts.preflight"),
    ("jaxstilts.cli", "jaxstilts.__main__", "jaxstilts.configs", "jaxstilts.assets"),
)
FLOORS = {unit: floor for floor, units in enumerate(ORDER) for unit in units}


def floor_of(module: str) -> int | None:
    """The floor of the longest prefix of `module` in FLOORS (None: the module has no floor)."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in FLOORS:
            return FLOORS[prefix]
    return None


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, name: str, is_package: bool) -> str | None:
    """The module an `ImportFrom` names (relative imports resolved against `name`)."""
    if node.level == 0:
        return node.module
    base = name.split(".") if is_package else name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@functools.cache
def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported package module: line}, the most specific module each import names."""
    paths = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, dict[str, int]] = {m: {} for m in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = _absolute(node, name, path.name == "__init__.py")
                if not module:
                    continue
                targets = [f"{module}.{a.name}" for a in node.names] + [module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target in paths and target != name:
                    graph[name].setdefault(target, node.lineno)
                    break
    return graph


def direction_violations(graph: dict[str, dict[str, int]]) -> list[str]:
    """`module:line imports target (floor a -> b)` for every import up a floor."""
    found = []
    for module, targets in sorted(graph.items()):
        own = floor_of(module)
        for target, line in sorted(targets.items()):
            up = floor_of(target)
            if own is not None and up is not None and up > own:
                found.append(f"{module}:{line} imports {target} (floor {own} -> {up})")
    return found


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_every_module_has_a_floor():
    assert [m for m in sorted(import_graph()) if floor_of(m) is None] == []


def test_no_module_imports_from_a_floor_above_its_own():
    assert direction_violations(import_graph()) == []


def test_the_imports_issue_25_found_against_the_flow_are_refused():
    """Written as they were (now fixed): each is one violation, an import down is none."""
    graph = {
        "jaxstilts.config": {"jaxstilts.tasks.registry": 140},
        "jaxstilts.evaluate.predict": {"jaxstilts.train.state": 47},
        "jaxstilts.experiment.run": {"jaxstilts.report.runs": 50},
        "jaxstilts.workdir": {"jaxstilts.train.checkpoint": 63},
        "jaxstilts.train.loop": {"jaxstilts.evaluate.validation": 1, "jaxstilts.kinds": 2},
    }
    assert direction_violations(graph) == [
        "jaxstilts.config:140 imports jaxstilts.tasks.registry (floor 1 -> 2)",
        "jaxstilts.evaluate.predict:47 imports jaxstilts.train.state (floor 6 -> 7)",
        "jaxstilts.experiment.run:50 imports jaxstilts.report.runs (floor 8 -> 9)",
        "jaxstilts.workdir:63 imports jaxstilts.train.checkpoint (floor 3 -> 7)",
    ]


def test_no_module_imports_a_module_that_imports_it_back():
    graph = import_graph()
    # a package's __init__ re-exports its modules; those edges are not dependencies of its parts
    inits = {m for m in graph if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    graph = {m: {t: n for t, n in targets.items()
                 if t not in inits or not t.startswith(m.rsplit(".", 1)[0])}
             for m, targets in graph.items()}
    assert cycles(graph) == []
