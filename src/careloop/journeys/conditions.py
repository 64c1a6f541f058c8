"""Evaluating branch and filter conditions against facts. Pure: facts come from a look-up
function (lazily, so a branch on `tier` does not load surveys)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from careloop.journeys.schema import Condition

Facts = Callable[[str], Any]


def holds(condition: Condition | list[Condition] | None, facts: Facts) -> bool:
    """Whether `condition` is true; a list means all of them; None is always true."""
    if condition is None:
        return True
    if isinstance(condition, list):
        return all(holds(c, facts) for c in condition)
    if condition.all is not None:
        return all(holds(c, facts) for c in condition.all)
    if condition.any is not None:
        return any(holds(c, facts) for c in condition.any)
    if condition.not_ is not None:
        return not holds(condition.not_, facts)
    assert condition.fact is not None
    return _compare(condition, facts(condition.fact))


def _compare(c: Condition, value: Any) -> bool:
    if c.exists is not None:
        return (value is not None) == c.exists
    if c.eq is not None:
        return bool(_same(value, c.eq))
    if c.ne is not None:
        return not _same(value, c.ne)
    if c.in_ is not None:
        return any(_same(value, v) for v in c.in_)
    if c.not_in is not None:
        return not any(_same(value, v) for v in c.not_in)
    if c.contains is not None:
        return isinstance(value, list | tuple | set | str) and c.contains in value
    number = _number(value)
    if number is None:
        return False  # an unknown number satisfies no comparison (e.g. no survey yet)
    if c.gt is not None:
        return number > c.gt
    if c.gte is not None:
        return number >= c.gte
    if c.lt is not None:
        return number < c.lt
    if c.lte is not None:
        return number <= c.lte
    return False


def _same(a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    return bool(a == b)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
