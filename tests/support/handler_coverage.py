"""Which of a handler module's public functions a test module never calls by name."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import ModuleType


def public_functions(module: ModuleType) -> set[str]:
    """The functions ``module`` defines itself (not those it imports), without a leading ``_``."""
    return {name for name, function in inspect.getmembers(module, inspect.isfunction)
            if function.__module__ == module.__name__ and not name.startswith("_")}


def called(test_file: str, alias: str = "handlers") -> set[str]:
    """The names called as ``<alias>.<name>(…)`` in ``test_file``."""
    tree = ast.parse(Path(test_file).read_text(encoding="utf-8"))
    return {node.func.attr for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == alias}


def uncovered(module: ModuleType, test_file: str) -> set[str]:
    """Public functions of ``module`` no test in ``test_file`` calls, and inbox handlers that
    are not such a function (a lambda in the table would escape the first check)."""
    functions = public_functions(module)
    table = getattr(module, "HANDLERS", {})
    strays = {event_type for event_type, handler in table.items()
              if getattr(handler, "__name__", "") not in functions
              or getattr(handler, "__module__", "") != module.__name__}
    return (functions - called(test_file)) | {f"HANDLERS[{t!r}]" for t in strays}
