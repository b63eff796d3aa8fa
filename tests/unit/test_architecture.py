"""The house's floors, checked on every test run (not only by `make check`).

The import-linter contracts in pyproject.toml are the one written form of the floors; these tests
run them, and check two things the contracts cannot say by themselves: that no two packages
import each other even through an import inside a function, and that every module that could be
pure core (imports no web framework, ORM or database layer) is under the pure-core contract, so a
new pure module cannot quietly grow a database import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPURE = ("sqlalchemy", "fastapi", "starlette", "pesanan.db", "pesanan.api", "pesanan.web")
# Where pure rules live: the domains, the flows and the platform (entrypoints, wiring, the demo,
# the database layer and migrations are not core by definition).
RULE_FLOORS = {"core", "flows", "returns", "billing", "fulfillment", "orders", "purchasing",
               "inventory", "customers", "catalog", "ledger", "events", "idempotency", "auth",
               "outbound", "jobs", "webhooks", "broker", "automation", "delivery", "shop",
               "documents", "mail"}


def mutual_imports(package: str) -> list[tuple[str, str, str, str]]:
    """(a, b, one import a -> b, one import b -> a) for every pair of `package`'s children that
    import each other. grimp reads every import statement, those inside functions included."""
    graph = grimp.build_graph(package, include_external_packages=False)
    edges: dict[tuple[str, str], str] = {}
    prefix = package + "."
    for module in graph.modules:
        if not module.startswith(prefix):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith(prefix):
                continue
            a, b = module.split(".")[1], imported.split(".")[1]
            if a != b:
                edges.setdefault((a, b), f"{module} -> {imported}")
    return sorted((a, b, edges[(a, b)], edges[(b, a)])
                  for a, b in edges if a < b and (b, a) in edges)


def test_the_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_two_packages_import_each_other() -> None:
    assert mutual_imports("pesanan") == []


def test_the_check_sees_an_import_hidden_inside_a_function(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    # The check above is only worth something if a function-level import counts.
    pkg = tmp_path / "house"
    for name, body in {
        "__init__.py": "",
        "low/__init__.py": "",
        "low/stock.py": """
            def release():
                from house.high import orders  # the dodge the floors forbid
                return orders
            """,
        "high/__init__.py": "",
        "high/orders.py": "from house.low import stock\n",
    }.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    found = mutual_imports("house")
    assert [(a, b) for a, b, *_ in found] == [("high", "low")]


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_package_is_on_a_floor() -> None:
    floors = next(c for c in _contracts() if c.get("id") == "floors")
    named = {name.strip() for layer in floors["layers"]  # type: ignore[attr-defined]
             for name in str(layer).split("|")}
    src = ROOT / "src" / "pesanan"
    present = {p.name for p in src.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {p.stem for p in src.glob("*.py") if p.stem != "__init__"}
    assert present - named == set(), "packages on no floor"
    assert floors.get("exhaustive") is True


def test_every_pure_module_is_under_the_pure_core_contract() -> None:
    pure = next(c for c in _contracts() if c.get("id") == "pure-core")
    listed = [str(m) for m in pure["source_modules"]]  # type: ignore[attr-defined]
    graph = grimp.build_graph("pesanan", include_external_packages=True)
    impure_roots = [m for m in IMPURE if graph.find_modules_that_directly_import(m) or
                    m in graph.modules]
    by_module: dict[str, bool] = defaultdict(bool)
    for module in graph.modules:
        if module.split(".")[:2][-1] not in RULE_FLOORS or module.count(".") < 2:
            continue
        upstream = graph.find_upstream_modules(module)
        by_module[module] = not any(u == r or u.startswith(r + ".")
                                    for u in upstream for r in impure_roots)
    unlisted = sorted(m for m, is_pure in by_module.items() if is_pure
                      and not any(m == x or m.startswith(x + ".") for x in listed)
                      and graph.find_children(m) == set())
    assert unlisted == [], "pure modules missing from the pure-core contract"
