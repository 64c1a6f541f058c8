"""Bounds on what one template render may cost, so no staff member (a viewer included) can
stall the server for every shop with `{{ 9**(9**7) }}`, a nested loop or a giant string.

Jinja's sandbox stops templates from reaching Python internals, not from burning CPU and
memory. `BoundedSandbox` adds the missing limits:

- arithmetic: every binary operator is intercepted, and the size of its result is
  estimated *before* it is computed (an integer's bits, a string's or list's length);
- string formatting (`%`, `.format`, the `format` filter) and str methods with a width
  (`center`, `zfill`, `replace`, `join`...): their result size is estimated first too;
- loops: every `{% for %}` counts its iterations against the render's budget, and every
  call (macro, filter, method) counts as a step;
- output: the rendered text is streamed and stops at `MAX_OUTPUT_CHARS`;
- time: a wall-time budget checked at each step, loop iteration and output chunk.

Each limit raises `TemplateLimitExceeded` naming the limit; `templates.render_source`
adds the template's name. The limits are generous for real message templates (a few KB of
text, loops over a handful of order lines)."""

from __future__ import annotations

import contextlib
import functools
import math
import re
import string
import time
import types
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment

from careloop.core.errors import CareloopError

MAX_INT_BITS = 256  # about 77 decimal digits: any amount or count, never a 9**(9**7)
MAX_SEQUENCE = 100_000  # characters of one string value, items of one list
MAX_WIDTH = 10_000  # a number passed to a filter or str method (width, count, length)
MAX_OUTPUT_CHARS = 500_000  # one rendered part (subject, text, html, data field)
MAX_ALLOCATED_CHARS = 5_000_000  # all strings built by one render together
MAX_LOOP_ITERATIONS = 20_000  # all loop iterations of one render together
MAX_STEPS = 200_000  # calls, operators and attribute reads of one render
MAX_SECONDS = 2.0  # wall time of one render

MAX_SOURCE_CHARS = 200_000  # one template part as written

LOOP_FILTER = "_careloop_bounded_loop"
OUTPUT_FILTER = "_careloop_counted_output"
CONCAT_FILTER = "_careloop_bounded_concat"


class TemplateLimitExceeded(CareloopError):
    """A render went over one of the limits above; the message names the limit."""


@dataclass
class Budget:
    """What one render has used so far; `now` is injectable so tests need no slow template."""

    now: Callable[[], float] = time.monotonic
    seconds: float = MAX_SECONDS
    started: float = field(default=0.0)
    steps: int = 0
    iterations: int = 0
    allocated: int = 0

    def __post_init__(self) -> None:
        self.started = self.now()

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateLimitExceeded(f"more than {MAX_STEPS} operations")
        if self.now() - self.started > self.seconds:
            raise TemplateLimitExceeded(f"rendering took longer than {self.seconds:g} s")

    def iterate(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise TemplateLimitExceeded(
                f"more than {MAX_LOOP_ITERATIONS} loop iterations (nested loops multiply)"
            )
        self.step()

    def allocate(self, value: Any) -> None:
        if isinstance(value, str):
            self.allocated += len(value)
            if self.allocated > MAX_ALLOCATED_CHARS:
                raise TemplateLimitExceeded(
                    f"more than {MAX_ALLOCATED_CHARS} characters built in one render"
                )


_BUDGET: ContextVar[Budget | None] = ContextVar("careloop_template_budget", default=None)


def _budget() -> Budget | None:
    return _BUDGET.get()


def _step() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.step()


@contextlib.contextmanager
def budget(active: Budget | None = None) -> Iterator[Budget]:
    """Count everything rendered inside the block against one budget."""
    chosen = active or Budget()
    token = _BUDGET.set(chosen)
    try:
        yield chosen
    finally:
        _BUDGET.reset(token)


def bounded_render(template: Any, context: Any) -> str:
    """`template.render(context)`, streamed, stopping at the output limit."""
    parts: list[str] = []
    size = 0
    active = _budget()
    for chunk in template.generate(context):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateLimitExceeded(f"output longer than {MAX_OUTPUT_CHARS} characters")
        if active is not None:
            active.step()
        parts.append(chunk)
    return "".join(parts)


# --- size estimates (before computing) -----------------------------------------------------


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _length(value: Any) -> int | None:
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value)
    return None


def weight(value: Any, depth: int = 0) -> int:
    """Characters and items a value holds (strings inside lists counted), to bound what a
    join or repetition of it produces."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (list, tuple)) and depth < 4:
        total = len(value)
        for item in value:
            total += weight(item, depth + 1)
            if total > MAX_SEQUENCE * 10:
                break
        return total
    return 1


def _refuse_size(size: int, what: str) -> None:
    if size > MAX_SEQUENCE:
        raise TemplateLimitExceeded(f"{what} would be longer than {MAX_SEQUENCE} characters/items")


def _check_int_result(bits: int, operator: str) -> None:
    if bits > MAX_INT_BITS:
        raise TemplateLimitExceeded(
            f"number too large: the result of {operator!r} would exceed {MAX_INT_BITS} bits"
        )


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


def _widths_in_percent(fmt: str) -> int:
    """The widest width/precision a %-format asks for (`*` counts as unbounded)."""
    widest = 0
    for match in _PERCENT_SPEC.finditer(fmt):
        for part in match.groups():
            if part == "*":
                return MAX_WIDTH + 1
            if part:
                widest = max(widest, int(part) if len(part) < 9 else MAX_WIDTH + 1)
    return widest


def _widths_in_braces(fmt: str) -> int:
    widest = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return 0  # the call itself reports the malformed format
    for _literal, _field, spec, _conversion in parsed:
        if not spec:
            continue
        if "{" in spec:
            return MAX_WIDTH + 1  # a width taken from an argument: unbounded
        for number in _NUMBER.findall(spec):
            widest = max(widest, int(number) if len(number) < 9 else MAX_WIDTH + 1)
    return widest


def _check_format(fmt: str, widest: int) -> None:
    if widest > MAX_WIDTH:
        raise TemplateLimitExceeded(f"format width over {MAX_WIDTH} in {fmt[:40]!r}")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large, before computing it."""
    if operator == "**":
        if _is_int(left) and _is_int(right) and right > 0:
            bits = math.log2(abs(left)) * right if abs(left) > 1 else 1
            _check_int_result(math.ceil(bits), "**")
        elif (
            isinstance(right, (int, float))
            and isinstance(left, (int, float))
            and abs(right) > MAX_INT_BITS
            and abs(left) not in (0, 1)
        ):
            raise TemplateLimitExceeded(f"exponent {right!r} over {MAX_INT_BITS}")
    elif operator == "*":
        if _is_int(left) and _is_int(right):
            _check_int_result(_bits(left) + _bits(right), "*")
        for seq, count in ((left, right), (right, left)):
            if _length(seq) is not None and _is_int(count):
                _refuse_size(weight(seq) * max(count, 0), "a repeated value")
    elif operator == "+":
        if _is_int(left) and _is_int(right):
            _check_int_result(max(_bits(left), _bits(right)) + 1, "+")
        elif _length(left) is not None and _length(right) is not None:
            _refuse_size(weight(left) + weight(right), "a joined value")
    elif operator == "-":
        if _is_int(left) and _is_int(right):
            _check_int_result(max(_bits(left), _bits(right)) + 1, "-")
    elif operator == "%" and isinstance(left, str):
        _check_format(left, _widths_in_percent(left))
        _refuse_size(len(left) + weight(right if isinstance(right, tuple) else [right]), "%")


_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}


def check_str_call(method: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a str method call whose result would be too large."""
    values = [*args, *kwargs.values()]
    if method in _WIDTH_METHODS:
        widths = [v for v in values if _is_int(v)]
        size = max(widths or [0])
        if method == "expandtabs":
            size = len(text) * max(size, 1)
        _refuse_size(size + len(text), f"str.{method}()")
    elif method == "replace":
        new = values[1] if len(values) > 1 and isinstance(values[1], str) else ""
        old = values[0] if values and isinstance(values[0], str) else ""
        pieces = len(text) + 1 if not old else len(text) // len(old)
        _refuse_size(len(text) + pieces * len(new), "str.replace()")
    elif method == "join" and values:
        items = values[0]
        if isinstance(items, (list, tuple)):
            _refuse_size(weight(items) + len(items) * len(text), "str.join()")
    elif method in ("format", "format_map"):
        _check_format(text, _widths_in_braces(text))


def _check_filter_args(
    name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    for arg in (*args, *kwargs.values()):
        if _is_int(arg) and abs(arg) > MAX_WIDTH:
            raise TemplateLimitExceeded(f"filter {name!r}: argument {arg} over {MAX_WIDTH}")
        if isinstance(arg, float) and abs(arg) > MAX_WIDTH and name not in ("round",):
            raise TemplateLimitExceeded(f"filter {name!r}: argument {arg:g} over {MAX_WIDTH}")
    if name == "format" and isinstance(value, str):
        _check_format(value, _widths_in_percent(value))
    if name == "join" and isinstance(value, (list, tuple)):
        separator = args[0] if args and isinstance(args[0], str) else ""
        _refuse_size(weight(value) + len(value) * len(separator), "join")
    if name in ("indent", "center", "wordwrap") and isinstance(value, str):
        widths = [a for a in (*args, *kwargs.values()) if _is_int(a)]
        lines = value.count("\n") + 1
        _refuse_size(len(value) + lines * max(widths or [0]), f"filter {name!r}")


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    passes = getattr(func, "jinja_pass_arg", None)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        offset = 1 if passes is not None else 0
        value = args[offset] if len(args) > offset else None
        _check_filter_args(name, value, tuple(args[offset + 1 :]), kwargs)
        if name == "join" and value is not None and not isinstance(value, (list, tuple, str)):
            # A range or generator: its size is known only while it is consumed.
            separator = args[offset + 1] if len(args) > offset + 1 else kwargs.get("d", "")
            counted = _counted(value, len(separator) if isinstance(separator, str) else 0)
            args = (*args[:offset], counted, *args[offset + 1 :])
        _step()
        result = func(*args, **kwargs)
        active = _budget()
        if active is not None:
            active.allocate(result)
        if isinstance(result, str):
            _refuse_size(len(result), f"the result of filter {name!r}")
        return result

    return wrapper


def _counted(items: Any, separator: int) -> Iterator[Any]:
    total = 0
    for item in items:
        total += weight(item) + separator
        _refuse_size(total, "join")
        yield item


@pass_eval_context
def _bounded_concat(eval_ctx: EvalContext, pieces: list[Any]) -> str:
    """`a ~ b ~ c`: refused before joining when the result would be too large."""
    texts = [p if isinstance(p, str) else str(p) for p in pieces]
    _refuse_size(sum(len(t) for t in texts), "a joined value ('~')")
    joined: str = markup_join(pieces) if eval_ctx.autoescape else str_join(pieces)
    active = _budget()
    if active is not None:
        active.allocate(joined)
    return joined


def _counted_output(value: Any) -> Any:
    """Every `{{ ... }}` passes through this: what a render prints counts, wherever it
    goes (the output, a `{% set %}` block, a macro's result)."""
    active = _budget()
    if active is not None:
        active.allocate(value)
        active.step()
    return value


def _bounded_loop(iterable: Any) -> Iterator[Any]:
    """Every `{% for %}` iterates through this: each iteration counts."""
    for item in iterable:
        active = _budget()
        if active is not None:
            active.iterate()
        yield item


def _filtered(node: nodes.Node, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def _bound_tree(tree: nodes.Template) -> nodes.Template:
    """Route loops, `~` and printed values through the counting filters above."""
    for loop in tree.find_all(nodes.For):
        loop.iter = _filtered(loop.iter, LOOP_FILTER)
    for output in tree.find_all(nodes.Output):
        output.nodes = [
            n if isinstance(n, nodes.TemplateData) else _filtered(n, OUTPUT_FILTER)
            for n in output.nodes
        ]
    for parent in [tree, *tree.find_all(nodes.Node)]:
        for name in parent.fields:
            child = getattr(parent, name, None)
            if isinstance(child, nodes.Concat):
                setattr(parent, name, _concat(child))
            elif isinstance(child, list):
                setattr(
                    parent,
                    name,
                    [_concat(c) if isinstance(c, nodes.Concat) else c for c in child],
                )
    return tree


def _concat(node: nodes.Concat) -> nodes.Filter:
    return _filtered(nodes.List(list(node.nodes), lineno=node.lineno), CONCAT_FILTER)


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox every message template renders in (see the module docstring)."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters[LOOP_FILTER] = _bounded_loop
        self.filters[OUTPUT_FILTER] = _counted_output
        self.filters[CONCAT_FILTER] = _bounded_concat

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        if len(source) > MAX_SOURCE_CHARS:
            raise TemplateLimitExceeded(f"template text longer than {MAX_SOURCE_CHARS} characters")
        return _bound_tree(super()._parse(source, name, filename))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _step()
        check_binop(operator, left, right)
        result = super().call_binop(context, operator, left, right)
        active = _budget()
        if active is not None:
            active.allocate(result)
        return result

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        _step()
        return super().call_unop(context, operator, arg)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _step()
        return super().getitem(obj, argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        method = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(method, "__self__", None)
        if isinstance(method, (types.BuiltinMethodType, types.MethodType)) and isinstance(
            owner, str
        ):
            check_str_call(method.__name__, owner, args, kwargs)
        result = SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
        active = _budget()
        if active is not None:
            active.allocate(result)
        if isinstance(result, str):
            _refuse_size(len(result), "the result of a call")
        return result
