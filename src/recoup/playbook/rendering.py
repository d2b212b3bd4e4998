"""Sandboxed rendering of call scripts and snippets (pure: no Django).

Managers write the templates, collectors read the output, so a template is untrusted input
to the server. It is rendered by Jinja's immutable sandbox with these extra fences:

- Only a whitelist of constructs is accepted: text, ``{{ variable }}``, ``{% if %}``,
  ``{% for %}``, ``{% set %}``, ``{% with %}``, literals, arithmetic, comparisons, tests,
  indexing with a number or slice, a few filters, and ``loop.index``-style loop facts.
  No attribute access, no calls, no macros, no includes: nothing in a template can reach
  an object behind a value, and nothing can run for long.
- The variables are plain values only (str, int, date, list of str), passed by name from a
  fixed set; a name outside the set is reported by name.
- Sizes are bounded: the template, every intermediate string or list, the number of loop
  iterations, and the output (streamed and cut off as soon as it is too long).
- Autoescape is off: the output is text, escaped by Django when it is shown.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import difflib
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.filters import do_truncate
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "MAX_LOOP_ITERATIONS",
    "MAX_OUTPUT_CHARS",
    "MAX_TEMPLATE_CHARS",
    "SAMPLE_VARIABLES",
    "VARIABLES",
    "RenderError",
    "Value",
    "render",
    "validate",
]

MAX_TEMPLATE_CHARS = 10_000
MAX_OUTPUT_CHARS = 20_000
MAX_LOOP_ITERATIONS = 2_000
# Integers stay small: a few chained multiplications of literals must not build a huge number.
_MAX_INT_BITS = 256

Value = str | int | dt.date | Sequence[str]

# The variables the collector's workspace passes (recoup.calls), all already formatted.
VARIABLES: dict[str, str] = {
    "customer_name": "Customer's name",
    "customer_ref": "Customer number in the ERP",
    "contact_name": "Name of the contact being called",
    "collector_name": "Your name",
    "company_name": "Our company's name",
    "open_amount": "Open balance, formatted with its currency",
    "overdue_amount": "Overdue balance, formatted with its currency",
    "days_overdue": "Days the oldest overdue invoice is past due",
    "invoice_refs": "Overdue invoice numbers (a list: use join or a for loop)",
    "oldest_due_date": "Due date of the oldest overdue invoice",
    "promised_date": "Date of the open promise to pay",
    "promised_amount": "Amount of the open promise to pay",
    "instalment_due_date": "Due date of the next payment-plan instalment",
    "instalment_amount": "Amount of the next payment-plan instalment",
    "dispute_reason": "Reason of the open dispute",
    "max_discount_percent": "Largest early-payment discount you may offer (percent)",
    "max_instalments": "Largest number of instalments you may offer",
}

SAMPLE_VARIABLES: dict[str, Value] = {
    "customer_name": "Northwind Traders",
    "customer_ref": "C-10042",
    "contact_name": "Jane Miller",
    "collector_name": "Alex Morgan",
    "company_name": "Example Supplies",
    "open_amount": "$14,250.00",
    "overdue_amount": "$12,400.00",
    "days_overdue": "45",
    "invoice_refs": ["INV-1042", "INV-1077"],
    "oldest_due_date": "8 October 2026",
    "promised_date": "27 November 2026",
    "promised_amount": "$6,200.00",
    "instalment_due_date": "1 December 2026",
    "instalment_amount": "$3,100.00",
    "dispute_reason": "Goods damaged",
    "max_discount_percent": "2",
    "max_instalments": "3",
}


class RenderError(ValueError):
    """A template that cannot be rendered; the message is meant for the manager who wrote it."""


# --- the environment --------------------------------------------------------------------------

_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("playbook_loop_budget")


def _check_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > MAX_OUTPUT_CHARS:
        raise RenderError(f"A value grew past {MAX_OUTPUT_CHARS:,} characters.")
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise RenderError("A number grew too large.")
    return value


class _Bounded:
    """Counts every loop step against the render's budget; the budget is looked up when the
    loop starts, so Jinja's constant folding cannot run a loop at compile time."""

    def __init__(self, iterable: Any) -> None:
        self._budget = _budget.get()
        self._items = iter(iterable)

    def __iter__(self) -> _Bounded:
        return self

    def __next__(self) -> Any:
        item = next(self._items)
        self._budget[0] -= 1
        if self._budget[0] < 0:
            raise RenderError(f"The loops ran more than {MAX_LOOP_ITERATIONS:,} times.")
        return item


def _concat(parts: Sequence[Any]) -> str:
    texts = [str(p) for p in parts]
    if sum(map(len, texts)) > MAX_OUTPUT_CHARS:
        raise RenderError(f"A value grew past {MAX_OUTPUT_CHARS:,} characters.")
    return "".join(texts)


def _join(value: Any, separator: str = "") -> str:
    items = [str(v) for v in _Bounded(value)]
    if sum(map(len, items)) + len(str(separator)) * max(0, len(items) - 1) > MAX_OUTPUT_CHARS:
        raise RenderError(f"A value grew past {MAX_OUTPUT_CHARS:,} characters.")
    return str(separator).join(items)


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(value), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None:
        hits = min(hits, max(0, int(count)))
    if len(text) + hits * (len(new) - len(old)) > MAX_OUTPUT_CHARS:
        raise RenderError(f"A value grew past {MAX_OUTPUT_CHARS:,} characters.")
    return text.replace(old, new, -1 if count is None else max(0, int(count)))


def _truncate(value: Any, length: int = 255, killwords: bool = False, end: str = "...", leeway: int | None = None) -> str:
    return do_truncate(_ENV, str(value), int(length), bool(killwords), str(end), None if leeway is None else int(leeway))


def _int(value: Any, default: int = 0) -> int:
    text = str(value).strip()
    try:
        return int(text) if len(text) < 30 else default
    except ValueError:
        return default


def _sized(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _check_size(fn(*args, **kwargs))

    return wrapper


def _first(value: Any) -> Any:
    for item in value:
        return item
    return ""


def _last(value: Any) -> Any:
    items = list(value)
    return items[-1] if items else ""


def _default(value: Any, default: Any = "", boolean: bool = True) -> Any:
    # Missing variables arrive as "", so "falsy" is what a script means by "not set".
    return default if (not value if boolean else value is None) else value


_FILTERS: dict[str, Callable[..., Any]] = {
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(),
    "capitalize": lambda v: str(v).capitalize(),
    "trim": lambda v: str(v).strip(),
    "default": _default,
    "d": _default,
    "join": _join,
    "length": len,
    "count": len,
    "first": _first,
    "last": _last,
    "replace": _replace,
    "truncate": _truncate,
    "string": str,
    "int": _int,
    "round": lambda v, precision=0: round(float(v), int(precision)),
}
# Internal filters the compiled templates call; never written by hand (their names cannot be
# typed in a template that passes validation, since only _FILTERS names are accepted).
_INTERNAL_FILTERS: dict[str, Callable[..., Any]] = {"__bounded": _Bounded, "__concat": _concat}

# Names Jinja gives a meaning of its own; find_undeclared_variables does not report them.
_RESERVED_NAMES = frozenset({"self", "super", "caller", "varargs", "kwargs"})
_LOOP_FACTS = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length"})


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise RenderError("String formatting with % is not available; use {{ variable }} instead.")
        if operator == "**" and (not isinstance(right, int | float) or abs(right) > 64):
            raise RenderError("Powers are limited to exponents up to 64.")
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() * abs(right) > _MAX_INT_BITS
        ):
            raise RenderError("A number grew too large.")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT_CHARS:
                    raise RenderError(f"A value grew past {MAX_OUTPUT_CHARS:,} characters.")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise RenderError("A number grew too large.")
        if (
            operator == "+"
            and isinstance(left, str | list | tuple)
            and isinstance(right, str | list | tuple)
            and len(left) + len(right) > MAX_OUTPUT_CHARS
        ):
            raise RenderError(f"A value grew past {MAX_OUTPUT_CHARS:,} characters.")
        return _check_size(super().call_binop(context, operator, left, right))


_ENV = _Environment(
    undefined=StrictUndefined,
    autoescape=False,
    # Tags never eat the newline after them: what a manager sees on a line is what collectors read.
    trim_blocks=False,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    finalize=lambda v: "" if v is None else v,
)
# No globals at all: range, cycler, joiner, lipsum, dict, namespace are not for scripts.
_ENV.globals.clear()
_ENV.filters.clear()
_ENV.filters.update({name: _sized(fn) for name, fn in _FILTERS.items()})
_ENV.filters.update(_INTERNAL_FILTERS)


# --- static analysis --------------------------------------------------------------------------

_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.If,
    nodes.For,
    nodes.Assign,
    nodes.With,
    nodes.Filter,
    nodes.Test,
    nodes.Keyword,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Neg,
    nodes.Pos,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.CondExpr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Pow,
)

_NODE_WORDS: dict[type[nodes.Node], str] = {
    nodes.Call: "calling a function or method",
    nodes.Getattr: "attribute access",
    nodes.Macro: "macros",
    nodes.CallBlock: "call blocks",
    nodes.Include: "including other templates",
    nodes.Import: "importing templates",
    nodes.FromImport: "importing templates",
    nodes.Extends: "extending templates",
    nodes.Block: "blocks",
    nodes.FilterBlock: "filter blocks",
    nodes.AssignBlock: "block assignments",
    nodes.Dict: "dictionaries",
    nodes.ScopedEvalContextModifier: "autoescape blocks",
}


def _const_index(node: nodes.Node) -> bool:
    if isinstance(node, nodes.Const):
        return isinstance(node.value, int) and not isinstance(node.value, bool)
    if isinstance(node, nodes.Neg):
        return _const_index(node.node)
    if isinstance(node, nodes.Slice):
        return all(part is None or _const_index(part) for part in (node.start, node.stop, node.step))
    return False


def _construct_problems(tree: nodes.Template) -> list[str]:
    problems: list[str] = []

    def visit(node: nodes.Node, in_loop: bool) -> None:
        line = getattr(node, "lineno", None) or 1
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "loop" and in_loop:
            if node.attr not in _LOOP_FACTS:
                problems.append(f"Line {line}: loop.{node.attr} is not available (use {', '.join(sorted(_LOOP_FACTS))}).")
            return
        if not isinstance(node, _ALLOWED_NODES):
            what = next((w for t, w in _NODE_WORDS.items() if isinstance(node, t)), type(node).__name__)
            detail = f" (.{node.attr})" if isinstance(node, nodes.Getattr) else ""
            problems.append(f"Line {line}: {what}{detail} cannot be used in scripts.")
            return
        if isinstance(node, nodes.Name) and node.name in _RESERVED_NAMES:
            problems.append(f"Line {line}: “{node.name}” cannot be used in scripts.")
            return
        if isinstance(node, nodes.Filter) and node.name not in _FILTERS:
            problems.append(f"Line {line}: unknown filter “{node.name}” (available: {', '.join(sorted(_FILTERS))}).")
        if isinstance(node, nodes.Getitem) and not _const_index(node.arg):
            problems.append(f"Line {line}: only numbers and slices may be used in [ ], like invoice_refs[0].")
            return
        if isinstance(node, nodes.For) and node.recursive:
            problems.append(f"Line {line}: recursive loops cannot be used in scripts.")
        for child in node.iter_child_nodes():
            visit(child, in_loop or isinstance(node, nodes.For))

    visit(tree, False)
    return problems


def _unknown_problems(names: Mapping[str, int], allowed: frozenset[str]) -> list[str]:
    problems = []
    for name in sorted(set(names) - allowed):
        close = difflib.get_close_matches(name, sorted(allowed), n=1)
        hint = f" Did you mean “{close[0]}”?" if close else ""
        problems.append(f"Line {names[name]}: unknown variable “{name}”.{hint}")
    return problems


_TOO_DEEP = "The template nests too deeply; simplify it."


@functools.lru_cache(maxsize=256)
def _analyse(body: str) -> tuple[tuple[str, ...], Mapping[str, int], Any]:
    """(problems, names used from outside with their first line, compiled template or None).

    Cached per template text: the call-prep sheet renders the same few scripts all day.
    """
    if len(body) > MAX_TEMPLATE_CHARS:
        return (f"The template is {len(body):,} characters long; the limit is {MAX_TEMPLATE_CHARS:,}.",), {}, None
    try:
        tree = _ENV.parse(body)
        problems = _construct_problems(tree)
        if problems:
            return tuple(problems), {}, None
        undeclared = find_undeclared_variables(tree) - {"loop"}
        names: dict[str, int] = {}
        for node in tree.find_all(nodes.Name):
            if node.name in undeclared and node.name not in names:
                names[node.name] = node.lineno
        _fence(tree)
        code = _ENV.compile(tree)
        template = _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None), None)
    except TemplateSyntaxError as exc:
        return (f"Line {exc.lineno}: {exc.message}",), {}, None
    except (RecursionError, SyntaxError):
        # Deeply nested brackets or blocks exhaust the parser or Python's compiler.
        return (_TOO_DEEP,), {}, None
    return (), names, template


def _fence(tree: nodes.Template) -> None:
    """Route every loop through the iteration budget and every ~ through the size check."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, "__bounded", [], [], None, None, lineno=loop.lineno)
    for parent in [tree, *tree.find_all(nodes.Node)]:
        for field in parent.fields:
            child = getattr(parent, field, None)
            if isinstance(child, nodes.Concat):
                setattr(parent, field, _concat_call(child))
            elif isinstance(child, list):
                child[:] = [_concat_call(item) if isinstance(item, nodes.Concat) else item for item in child]


def _concat_call(node: nodes.Concat) -> nodes.Filter:
    return nodes.Filter(nodes.List(list(node.nodes), lineno=node.lineno), "__concat", [], [], None, None, lineno=node.lineno)


# --- public API -------------------------------------------------------------------------------


def validate(body: str, allowed_variables: Iterable[str] = VARIABLES) -> list[str]:
    """Every problem with a template, each a sentence with its line number; [] when it is fine.

    Besides syntax, constructs and unknown variables, the template is rendered once with
    sample values, so loops that run away or output that is too long are reported on save.
    """
    allowed = frozenset(allowed_variables)
    problems, names, _template = _analyse(body)
    if problems:
        return list(problems)
    unknown = _unknown_problems(names, allowed)
    if unknown:
        return unknown
    sample = {name: SAMPLE_VARIABLES.get(name, f"[{name}]") for name in allowed}
    try:
        render(body, sample, allowed)
    except RenderError as exc:
        return [f"With sample values: {exc}"]
    return []


def _plain(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, str | int | dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RenderError(f"Variable “{name}” must be text, a number, a date or a list of text, not {type(value).__name__}.")


def render(body: str, variables: Mapping[str, Any], allowed_variables: Iterable[str] = VARIABLES) -> str:
    """The template filled with ``variables``; raises RenderError with a readable message.

    Every allowed name is defined (missing ones as ""), names outside the allowed set are not
    passed, and a template that uses one is refused naming it.
    """
    allowed = frozenset(allowed_variables)
    problems, names, template = _analyse(body)
    if problems:
        raise RenderError(problems[0])
    unknown = _unknown_problems(names, allowed)
    if unknown:
        raise RenderError(unknown[0])
    context = {name: _plain(name, variables.get(name, "")) for name in allowed}
    token = _budget.set([MAX_LOOP_ITERATIONS])
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise RenderError(f"The output is longer than {MAX_OUTPUT_CHARS:,} characters.")
            out.append(chunk)
        return "".join(out).strip()
    except RenderError:
        raise
    except RecursionError:
        raise RenderError(_TOO_DEEP) from None
    except Exception as exc:  # a manager's template may fail in any way; the page must not
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise RenderError(message) from None
    finally:
        _budget.reset(token)
