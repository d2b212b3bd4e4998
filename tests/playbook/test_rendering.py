"""The sandboxed renderer: escapes refused, unknown variables named, syntax lines, size limits."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.playbook import rendering
from recoup.playbook.rendering import RenderError, render, validate

FULL = dict(rendering.SAMPLE_VARIABLES)


def test_renders_variables_lists_and_loops() -> None:
    body = (
        "Hello {{ contact_name }} of {{ customer_name|upper }}.\n"
        "{% for ref in invoice_refs %}{{ loop.index }}. {{ ref }}{% if not loop.last %}; {% endif %}{% endfor %}\n"
        "{{ invoice_refs|join(', ') }} {{ invoice_refs[0] }} {{ customer_ref[:2] }} {{ 'x' ~ days_overdue }}"
    )
    assert validate(body) == []
    assert render(body, FULL) == (
        "Hello Jane Miller of NORTHWIND TRADERS.\n1. INV-1042; 2. INV-1077\nINV-1042, INV-1077 INV-1042 C- x45"
    )


def test_autoescape_is_off_the_output_is_text() -> None:
    assert render("{{ customer_name }}", {"customer_name": "Smith & Sons <Ltd>"}) == "Smith & Sons <Ltd>"


def test_missing_allowed_variables_are_empty() -> None:
    assert render("[{{ promised_date }}]{% if promised_date %}x{% endif %}", {}) == "[]"
    assert render('{{ promised_date|default("no date") }}', {"promised_date": ""}) == "no date"


def test_dates_and_numbers_are_plain_values() -> None:
    assert render("{{ promised_date }} {{ days_overdue + 1 }}", {"promised_date": dt.date(2026, 11, 27), "days_overdue": 4}) == (
        "2026-11-27 5"
    )


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ lipsum.__globals__ }}",
        "{{ namespace }}",
        "{{ range(10) }}",
        "{{ customer_name.__class__ }}",
        "{{ customer_name.upper() }}",
        "{{ customer_name.format(1) }}",
        "{{ customer_name['__class__'] }}",
        "{{ invoice_refs|attr('__class__') }}",
        "{{ customer_name|center(1000000000) }}",
        "{{ '%1000000000s' % customer_name }}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{% include 'x.html' %}",
        "{% extends 'x.html' %}",
        "{% import 'x.html' as x %}",
        "{% set x %}{{ customer_name }}{% endset %}",
        "{{ self }}",
        "{{ config }}",
        "{{ request }}",
        "{% for x in invoice_refs recursive %}{{ loop(x) }}{% endfor %}",
        "{{ loop.cycle }}",
    ],
)
def test_sandbox_escapes_are_refused(body: str) -> None:
    problems = validate(body)
    assert problems, body
    with pytest.raises(RenderError):
        render(body, FULL)


def test_unknown_variable_is_named_with_its_line_and_a_hint() -> None:
    problems = validate("Hello\n{{ custmer_name }}")
    assert problems == ["Line 2: unknown variable “custmer_name”. Did you mean “customer_name”?"]
    with pytest.raises(RenderError, match="custmer_name"):
        render("Hello\n{{ custmer_name }}", FULL)


def test_a_variable_outside_the_allowed_set_is_named_even_if_passed() -> None:
    with pytest.raises(RenderError, match="“secret”"):
        render("{{ secret }}", {**FULL, "secret": "x"})
    assert validate("{{ customer_name }}", allowed_variables=["contact_name"]) == ["Line 1: unknown variable “customer_name”."]


def test_template_set_and_loop_variables_are_not_unknown() -> None:
    assert validate("{% set n = invoice_refs|length %}{% for r in invoice_refs %}{{ r }}{{ n }}{% endfor %}") == []


def test_syntax_error_names_its_line() -> None:
    # An unclosed block is reported at the line that opened it.
    problems = validate("Hello {{ contact_name }}\n\n{% if promised_date %}\nno end")
    assert len(problems) == 1 and problems[0].startswith("Line 3:") and "endif" in problems[0], problems
    assert validate("one\n{{ }")[0].startswith("Line 2:")


def test_template_size_limit() -> None:
    body = "x" * (rendering.MAX_TEMPLATE_CHARS + 1)
    assert "limit" in validate(body)[0]
    with pytest.raises(RenderError):
        render(body, FULL)
    assert validate("x" * rendering.MAX_TEMPLATE_CHARS) == []


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'x' * 1000000 }}",
        "{% set a = 'abcdefghij' * 1000 %}{% set a = a ~ a %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a }}",
        "{% set a = 'abcdefghij' * 1000 %}{% set a = a + a + a + a + a %}{{ a }}",
        "{{ 'a'" + "|replace('a', 'aaaaaaaa')" * 8 + " }}",
        "{{ 9 ** 9 ** 9 }}",
        "{% set n = 99999999999999999999 %}{{ n * n * n * n * n * n * n * n * n * n * n * n * n * n }}",
        "{% for a in invoice_refs * 100 %}{% for b in invoice_refs * 100 %}{% for c in invoice_refs * 100 %}x{% endfor %}{% endfor %}{% endfor %}",
        "{% for a in 'abcdefghij' * 1000 %}{{ customer_name }}{% endfor %}",
    ],
)
def test_size_and_work_limits(body: str) -> None:
    with pytest.raises(RenderError):
        render(body, FULL)
    assert validate(body), body


def test_output_limit_on_long_variables() -> None:
    long_name = "n" * (rendering.MAX_OUTPUT_CHARS + 1)
    with pytest.raises(RenderError, match="longer than"):
        render("{{ customer_name }}", {"customer_name": long_name})


def test_only_plain_values_may_be_passed() -> None:
    class Thing:
        secret = "s"

    with pytest.raises(RenderError, match="customer_name"):
        render("{{ customer_name }}", {"customer_name": Thing()})
    with pytest.raises(RenderError):
        render("{{ invoice_refs }}", {"invoice_refs": [Thing()]})


def test_runtime_errors_become_render_errors() -> None:
    with pytest.raises(RenderError):
        render("{{ 1 / 0 }}", FULL)
    assert validate("{{ 1 / 0 }}")[0].startswith("With sample values:")


def test_unknown_filter_is_reported() -> None:
    assert "unknown filter “center”" in validate("{{ customer_name|center(9) }}")[0]


@pytest.mark.parametrize(
    "body",
    [
        "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}",
        "{% for a in invoice_refs %}" * 25 + "x" + "{% endfor %}" * 25,
        "{{ " + "-" * 4000 + "1 }}",
    ],
)
def test_deep_nesting_is_refused_not_a_crash(body: str) -> None:
    assert validate(body) == ["The template nests too deeply; simplify it."]
    with pytest.raises(RenderError):
        render(body, FULL)


def test_every_unknown_variable_is_listed_once_at_its_first_line() -> None:
    assert validate("{{ x }}\n{{ y }} {{ x }}") == ["Line 1: unknown variable “x”.", "Line 2: unknown variable “y”."]


_FRAGMENTS = [
    "{{ ",
    " }}",
    "{% ",
    " %}",
    "if ",
    "for x in ",
    "endif",
    "endfor",
    "customer_name",
    "invoice_refs",
    "x",
    "loop.index",
    ".__class__",
    "()",
    "[0]",
    "|join(', ')",
    "|upper",
    " ~ ",
    " * ",
    " + ",
    " % ",
    " ** ",
    "9",
    "'a'",
    "\n",
    "Hello ",
    "{#",
    "#}",
    "set y = ",
    "else",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25).map("".join) | st.text(max_size=200))
def test_arbitrary_templates_give_problems_or_text_never_another_exception(body: str) -> None:
    problems = validate(body)
    assert all(isinstance(p, str) and p for p in problems)
    try:
        out = render(body, FULL)
    except RenderError as exc:
        assert str(exc)
    else:
        assert isinstance(out, str) and len(out) <= rendering.MAX_OUTPUT_CHARS
