"""The ledger knows nothing of its callers: it imports no other domain app (only `core`)."""

import ast
from pathlib import Path

LEDGER = Path(__file__).resolve().parents[1]
ALLOWED = ("openphb.ledger", "openphb.core")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_ledger_imports_no_other_domain_app():
    offending = {
        f"{path.relative_to(LEDGER)}: {name}"
        for path in LEDGER.rglob("*.py")
        if "tests" not in path.parts
        for name in imported_modules(path)
        if name.startswith("openphb") and not name.startswith(ALLOWED)
    }
    assert sorted(LEDGER.rglob("services.py"))  # the walk found the app's modules
    assert offending == set()
