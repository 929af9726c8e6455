"""Every status is written once, as a member of its ``StrEnum``: no status string literal elsewhere.

An AST walk over services/, shared/ and cli/. A literal that is only a status (``"waiting"``,
``"available"``) is refused anywhere outside its enum; one that is also an event type
(``"matched"``, ``"closed"``) is refused where it stands for a status: compared with, or
given as, something named ``status`` / ``outcome`` / ``screening``, or in a SQL condition.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.errors import ValidationFailed
from shared.topology import INTAKE_EVENTS, RECORDS
from shared.vocabulary import MatchStatus, status_filter

ROOT = Path(__file__).resolve().parents[2]
STATUS_NAMES = re.compile(r"status|outcome|screening", re.IGNORECASE)
EVENT_TYPES = set(INTAKE_EVENTS).union(*RECORDS.values())
# The same word for another thing: the kind of key a parked event's kept body is sealed under,
# and the heading of ``lgv status``'s column that counts parked events.
NOT_STATUSES = {("shared/ordering.py", "parked"), ("cli/status.py", "parked")}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for folder in ("services", "shared", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # a landed revision is history: it states the schema as written then, in words
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _is_str_enum(node: ast.ClassDef) -> bool:
    return any(isinstance(base, ast.Name) and base.id == "StrEnum" for base in node.bases)


def _enum_values() -> dict[str, str]:
    """Status value -> the enum that holds it, from every StrEnum in services/, shared/ and cli/."""
    values: dict[str, str] = {}
    for _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and _is_str_enum(node):
                for item in node.body:
                    if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant):
                        values[str(item.value.value)] = node.name
    return values


def _named(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return ""


def _status_contexts(tree: ast.Module) -> Iterator[ast.Constant]:
    """Literals that stand for a status by where they are."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(STATUS_NAMES.search(_named(side)) for side in sides):
                yield from (side for side in sides if isinstance(side, ast.Constant))
        elif isinstance(node, ast.keyword) and node.arg and STATUS_NAMES.search(node.arg):
            if isinstance(node.value, ast.Constant):
                yield node.value
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and STATUS_NAMES.search(str(key.value)) \
                        and isinstance(value, ast.Constant):
                    yield value


def _outside_enums(tree: ast.Module) -> Iterator[ast.Constant]:
    inside = {id(n) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and _is_str_enum(c)
              for n in ast.walk(c)}
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in inside)


def _sql_status(node: ast.Constant, values: dict[str, str]) -> bool:
    return isinstance(node.value, str) and any(
        re.search(rf"status\s*(=|!=|<>)\s*'{value}'", node.value) for value in values)


def flagged(tree: ast.Module, values: dict[str, str]) -> Iterator[ast.Constant]:
    """The status literals in one module."""
    contextual = {id(n) for n in _status_contexts(tree)}
    for node in _outside_enums(tree):
        value = node.value
        is_status = isinstance(value, str) and value in values
        if (is_status and value not in EVENT_TYPES) or (is_status and id(node) in contextual) \
                or _sql_status(node, values):
            yield node


def test_no_status_string_literal_outside_the_enums() -> None:
    values = _enum_values()
    found = [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r} (use {values.get(node.value, 'the enum')})"
             for path, tree in _modules() for node in flagged(tree, values)
             if (str(path.relative_to(ROOT)), node.value) not in NOT_STATUSES]
    assert found == []


def test_the_walk_finds_each_kind_of_status_literal() -> None:
    sample = ast.parse('if row.status == "matched":\n    x = "waiting"\n'
                       'update(status="closed")\nq = text("status = \'active\'")\n'
                       'routes = {"matched": handler, "closed": handler}\n')
    found = sorted(str(node.value) for node in flagged(sample, _enum_values()))
    assert found == ["closed", "matched", "status = 'active'", "waiting"]


def test_a_status_filter_outside_its_vocabulary_is_refused_naming_the_choices() -> None:
    assert status_filter(None, MatchStatus) is None
    assert status_filter("closed", MatchStatus) is MatchStatus.CLOSED
    with pytest.raises(ValidationFailed) as refused:
        status_filter("waiting", MatchStatus)
    assert refused.value.fields == {"status": ["must be one of: active, closed"]}
