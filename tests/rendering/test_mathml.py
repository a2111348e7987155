"""Math: $…$ and $$…$$ to MathML with the TeX kept, failures as code, money left alone."""

from __future__ import annotations

import re

import pytest

from eduhub.rendering import Problem, render_markdown
from eduhub.rendering.mathml import MAX_TEX_LENGTH, MathError, tex_to_mathml

ANNOTATION = '<annotation encoding="application/x-tex">{}</annotation></semantics></math>'


def test_inline_math_becomes_inline_mathml_with_the_tex_annotation() -> None:
    rendered = render_markdown("A fraction $\\frac{a}{b}$ here.")
    html = rendered.html
    assert html.startswith(
        '<p>A fraction <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
        "<semantics><mrow>"
    )
    assert "<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi></mrow></mfrac>" in html
    assert ANNOTATION.format("\\frac{a}{b}") + " here.</p>" in html
    assert (rendered.math_rendered, rendered.math_failed) == (1, 0)
    assert rendered.problems == ()


def test_display_math_on_its_own_lines_becomes_block_mathml() -> None:
    rendered = render_markdown("$$\n\\frac{1}{2} + \\frac{1}{4} = \\frac{3}{4}\n$$\n")
    html = rendered.html
    assert html.startswith(
        '<div class="math-block" tabindex="0" role="region" aria-label="Formula">'
        '<math xmlns="http://www.w3.org/1998/Math/MathML" '
        'display="block"><semantics>'
    )
    assert ANNOTATION.format("\\frac{1}{2} + \\frac{1}{4} = \\frac{3}{4}") + "</div>" in html
    assert rendered.math_rendered == 1
    assert rendered.text == "\\frac{1}{2} + \\frac{1}{4} = \\frac{3}{4}"


def test_double_dollars_inside_a_paragraph_are_display_math() -> None:
    html = render_markdown("so $$x^2$$ holds").html
    assert html.startswith(
        '<p>so <math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
    )
    assert "$" not in html


def test_tex_special_characters_are_escaped_in_the_annotation() -> None:
    html = render_markdown("$a < b \\& c$").html
    assert ANNOTATION.format("a &lt; b \\&amp; c") in html
    assert "<mo>&lt;</mo>" in html or "<mo>&#x0003C;</mo>" in html


@pytest.mark.parametrize(
    "source",
    [
        "Panels cost $5 and $10 per watt.",
        "From $5 to $10.",
        "Pay $5, or $10 with delivery.",
        "Prices: $3.50-$4.00 each.",
        "A $ sign alone, and $ another $ one.",
        "It costs 5$ and 10$.",
    ],
)
def test_money_is_not_math(source: str) -> None:
    rendered = render_markdown(source)
    assert "<math" not in rendered.html
    assert rendered.math_rendered == rendered.math_failed == 0
    assert rendered.html == f"<p>{source}</p>\n"


def test_escaped_dollar_is_a_literal_dollar() -> None:
    rendered = render_markdown(r"It costs \$x$ and \$\$ more, then $y$.")
    assert rendered.math_rendered == 1
    assert rendered.html.startswith("<p>It costs $x$ and $$ more, then <math")
    assert ANNOTATION.format("y") in rendered.html


def test_bad_inline_math_is_code_and_a_warning_on_its_exact_line() -> None:
    source = "# Title\n\nFirst line of the paragraph,\nsecond line,\nthird $x^$ line.\n"
    rendered = render_markdown(source, line_offset=10)
    assert '<code class="math-error">x^</code>' in rendered.html
    assert "<math" not in rendered.html
    assert rendered.problems == (
        Problem(
            15,
            "warning",
            "could not render math `x^`: superscript with nothing after `^`",
        ),
    )
    assert (rendered.math_rendered, rendered.math_failed) == (0, 1)


def test_bad_display_math_reports_the_line_of_its_opening_dollars() -> None:
    source = "Intro.\n\n$$\n\\frac{1}{\n$$\n\nAfter $y$."
    rendered = render_markdown(source)
    assert (
        '<div class="math-block" tabindex="0" role="region" aria-label="Formula">'
        '<code class="math-error">\\frac{1}{</code></div>' in (rendered.html)
    )
    assert [(problem.line, problem.severity) for problem in rendered.problems] == [(3, "warning")]
    assert rendered.problems[0].message == (
        "could not render math `\\frac{1}{`: unbalanced braces: a `{` is never closed"
    )
    assert (rendered.math_rendered, rendered.math_failed) == (1, 1)


def test_the_same_bad_formula_twice_reports_both_lines() -> None:
    rendered = render_markdown("a $x^$\nb\nc $x^$\n")
    assert [problem.line for problem in rendered.problems] == [1, 3]


def test_formulas_over_the_length_cap_are_not_converted() -> None:
    tex = "x+" * (MAX_TEX_LENGTH // 2) + "y"
    rendered = render_markdown(f"${tex}$")
    assert rendered.math_failed == 1
    assert "<math" not in rendered.html
    assert "longer than 5,000 characters" in rendered.problems[0].message
    assert len(rendered.problems[0].message) < 200


def test_deeply_nested_braces_fail_cleanly() -> None:
    tex = "{" * 1500 + "x" + "}" * 1500
    rendered = render_markdown(f"$${tex}$$")
    assert rendered.math_failed == 1
    assert "<math" not in rendered.html


def test_text_with_markup_inside_math_is_refused_not_executed() -> None:
    rendered = render_markdown(r"$\text{<script>alert(1)</script>}$")
    assert "<script" not in rendered.html
    assert '<code class="math-error">\\text{&lt;script&gt;alert(1)&lt;/script&gt;}</code>' in (
        rendered.html
    )
    assert rendered.math_failed == 1
    assert "HTML markup" in rendered.problems[0].message


def test_href_inside_math_is_refused() -> None:
    rendered = render_markdown(r"$\href{javascript:alert(1)}{x}$")
    assert "href=" not in rendered.html
    assert rendered.math_failed == 1
    assert "links are not supported" in rendered.problems[0].message


def test_comparison_signs_inside_text_are_fine() -> None:
    rendered = render_markdown(r"$\text{if } x < 3 \text{ and y<3}$")
    assert rendered.math_failed == 0
    assert "<math" in rendered.html


def test_tex_to_mathml_raises_math_error_for_converter_failures() -> None:
    with pytest.raises(MathError, match="superscript with nothing after"):
        tex_to_mathml("x^", display=False)
    with pytest.raises(MathError, match="empty formula"):
        tex_to_mathml("  ", display=True)


def test_tex_to_mathml_output_has_one_presentation_child_and_the_annotation() -> None:
    mathml = tex_to_mathml("a+b", display=True)
    assert re.fullmatch(
        r'<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics>'
        r"<mrow>.*</mrow>"
        r'<annotation encoding="application/x-tex">a\+b</annotation></semantics></math>',
        mathml,
    )


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\frac{1}{", "unbalanced braces: a `{` is never closed"),
        (r"x}", "unbalanced braces: a `}` closes nothing"),
        (r"\frac{1}", r"`\frac` needs two arguments, as in `\frac{a}{b}`"),
        (r"\binom n", r"`\binom` needs two arguments, as in `\binom{a}{b}`"),
        (r"\sqrt[3]", r"`\sqrt` needs an argument, as in `\sqrt{x}`"),
        (r"\foo{x} + 1", r"unknown command `\foo`"),
        (r"x^", "superscript with nothing after `^`"),
        (r"a_{i}^{2}_", "subscript with nothing after `_`"),
        (r"\left( x_ \right)", "subscript with nothing after `_`"),
        (r"x^2^3", "two superscripts on one symbol: group them, as in `x^{ab}` or `{x^a}^b`"),
        (r"x_a_b", "two subscripts on one symbol: group them, as in `x_{ab}` or `{x_a}_b`"),
        (r"\left( x", r"`\left` without a matching `\right`"),
        (r"x \right)", r"`\right` without a matching `\left`"),
        (r"\begin{matrix} a & b", r"`\begin{matrix}` without `\end{matrix}`"),
        (r"a \over", r"`\over` needs something after it"),
    ],
)
def test_broken_tex_says_what_is_wrong_in_plain_words(tex: str, message: str) -> None:
    with pytest.raises(MathError) as caught:
        tex_to_mathml(tex, display=False)
    assert str(caught.value) == message
    assert "token" not in str(caught.value)


@pytest.mark.parametrize(
    "tex",
    [r"\frac12", r"\sqrt[3]{x}", r"\{x\}", r"a\_b", r"\sum\limits_{i=0}^{n} i", r"\binom{n}{k}"],
)
def test_valid_tex_that_looks_unusual_still_converts(tex: str) -> None:
    assert "<math" in tex_to_mathml(tex, display=False)


def test_a_broken_formula_is_reported_on_its_line_and_shown_as_its_source() -> None:
    source = "# Fractions\n\nHalf is $\\frac{1}{2}$.\n\nA third is\n$\\frac{1}{$ and\nmore.\n"
    rendered = render_markdown(source, line_offset=4)
    assert rendered.problems == (
        Problem(
            10,
            "warning",
            "could not render math `\\frac{1}{`: unbalanced braces: a `{` is never closed",
        ),
    )
    assert '<code class="math-error">\\frac{1}{</code>' in rendered.html
    assert (rendered.math_rendered, rendered.math_failed) == (1, 1)
