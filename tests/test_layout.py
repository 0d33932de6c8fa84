"""The layout README.md describes, held against the code's own imports.

Each module sits on a floor and imports only modules on lower floors (at top level
or inside a function; ``if TYPE_CHECKING:`` imports, which never run, aside). One
upward import is allowed, and documented: ``RegimeResults.to_html`` calls the
report module when it is called. em.py, the readable reference of the EM
derivation, is imported by no production module.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "regimes"

FLOORS = {
    13: ["__main__"],
    12: ["cli"],
    11: ["__init__", "daily", "report"],
    10: ["walkforward", "selection", "plots"],
    9: ["_resume"],
    8: ["models", "data"],
    7: ["regime_results", "_files", "_yahoo"],
    6: ["_fitting", "_persist", "_panel", "evaluate", "inference"],
    5: ["_validation", "_parameter_tables"],
    4: ["_restarts", "labels", "online", "_information"],
    3: ["_contract", "_hmm", "_prices_or_returns"],
    2: [
        "_accelerate",
        "_dates",
        "_forecast",
        "_io",
        "_missing",
        "_parallel",
        "_records",
        "em",
    ],
    1: [
        "_covariance",
        "_far",
        "_gaussian",
        "_state",
        "_text_report",
        "_threads",
        "_version",
        "_warn",
        "exceptions",
        "results",
    ],
}
ALLOWED_UP = {("regime_results", "report")}
"""RegimeResults.to_html -> report.write_html, imported inside the method."""


def _floor_of() -> dict[str, int]:
    return {m: floor for floor, mods in FLOORS.items() for m in mods}


def _imports(path: Path) -> set[str]:
    """Sibling modules a module imports (``from . import x``, ``from .x import y``)."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            name = getattr(test, "id", getattr(test, "attr", ""))
            if name == "TYPE_CHECKING":
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:  # a module, or a name of the package's __init__
                    found.update(
                        alias.name
                        if (PACKAGE / f"{alias.name}.py").exists()
                        else "__init__"
                        for alias in node.names
                    )

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_every_module_has_a_floor():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(_floor_of()), (
        "modules without a floor (add them to FLOORS and README's Layout): "
        f"{sorted(modules - set(_floor_of()))}; floors of missing modules: "
        f"{sorted(set(_floor_of()) - modules)}"
    )


def test_imports_only_point_down():
    floor = _floor_of()
    upward = []
    for path in sorted(PACKAGE.glob("*.py")):
        here = path.stem
        for other in _imports(path):
            if other not in floor or (here, other) in ALLOWED_UP:
                continue
            if floor[other] >= floor[here]:
                upward.append(
                    f"{here} (floor {floor[here]}) imports {other} "
                    f"(floor {floor[other]})"
                )
    assert upward == []


def test_the_reference_em_is_not_on_the_production_path():
    importers = [p.stem for p in PACKAGE.glob("*.py") if "em" in _imports(p)]
    assert importers == []
