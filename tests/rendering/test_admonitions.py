"""Admonitions: every kind, titles, nesting, solutions as <details>, unknown kinds."""

from __future__ import annotations

import pytest

from eduhub.rendering import Problem, render_markdown

ASIDE_KINDS = ["note", "tip", "warning", "important", "example", "exercise"]


@pytest.mark.parametrize("kind", ASIDE_KINDS)
def test_each_kind_renders_as_an_aside_with_its_capitalised_title(kind: str) -> None:
    rendered = render_markdown(f"::: {kind}\nBody *text*.\n:::\n")
    assert rendered.html == (
        f'<aside class="admonition admonition-{kind}" role="note">\n'
        f'<p class="admonition-title">{kind.capitalize()}</p>\n'
        "<p>Body <em>text</em>.</p>\n"
        "</aside>\n"
    )
    assert rendered.admonitions == 1
    assert rendered.problems == ()


def test_a_title_may_follow_the_kind() -> None:
    rendered = render_markdown("::: warning Mind the voltage\nTake care.\n:::\n")
    assert '<aside class="admonition admonition-warning" role="note">' in rendered.html
    assert '<p class="admonition-title">Mind the voltage</p>' in rendered.html
    assert rendered.text == "Mind the voltage\nTake care."


def test_kind_is_case_insensitive_and_colons_may_touch_it() -> None:
    html = render_markdown(":::Tip\nx\n:::\n").html
    assert '<aside class="admonition admonition-tip" role="note">' in html


def test_solution_renders_as_details_that_work_without_javascript() -> None:
    rendered = render_markdown("::: solution\nFour equal parts.\n:::\n")
    assert rendered.html == (
        '<details class="admonition admonition-solution">\n'
        "<summary>Solution</summary>\n"
        "<p>Four equal parts.</p>\n"
        "</details>\n"
    )


def test_solution_with_a_title_uses_it_as_the_summary() -> None:
    html = render_markdown("::: solution Show the answer\n42\n:::\n").html
    assert "<summary>Show the answer</summary>" in html
    assert "<aside" not in html


def test_nested_admonitions_use_more_colons_outside() -> None:
    source = (
        ":::: exercise Roof\n"
        "Estimate the roof.\n"
        "\n"
        "::: solution\n"
        "About 11 panels.\n"
        ":::\n"
        "\n"
        "After the solution.\n"
        "::::\n"
        "Outside.\n"
    )
    rendered = render_markdown(source)
    assert rendered.html == (
        '<aside class="admonition admonition-exercise" role="note">\n'
        '<p class="admonition-title">Roof</p>\n'
        "<p>Estimate the roof.</p>\n"
        '<details class="admonition admonition-solution">\n'
        "<summary>Solution</summary>\n"
        "<p>About 11 panels.</p>\n"
        "</details>\n"
        "<p>After the solution.</p>\n"
        "</aside>\n"
        "<p>Outside.</p>\n"
    )
    assert rendered.admonitions == 2


def test_a_solution_inside_an_aside_closes_with_the_right_tags() -> None:
    html = render_markdown(":::: note\n::: solution\nx\n:::\n::: tip\ny\n:::\n::::\n").html
    assert html.count("<details") == html.count("</details>") == 1
    assert html.count("<aside") == html.count("</aside>") == 2
    assert html.index("</details>") < html.index('<aside class="admonition admonition-tip"')


def test_unknown_kind_is_a_warning_with_its_line_and_renders_as_a_note() -> None:
    source = "Intro.\n\n::: danger\nHot.\n:::\n"
    rendered = render_markdown(source, line_offset=7)
    assert rendered.problems == (Problem(10, "warning", "unknown admonition kind 'danger'"),)
    assert '<aside class="admonition admonition-note" role="note">' in rendered.html
    assert '<p class="admonition-title">Note</p>' in rendered.html
    assert "admonition-danger" not in rendered.html
    assert rendered.admonitions == 1


def test_unknown_kind_keeps_an_explicit_title() -> None:
    rendered = render_markdown("::: caution Hot surface\nx\n:::\n")
    assert '<p class="admonition-title">Hot surface</p>' in rendered.html
    assert [problem.message for problem in rendered.problems] == [
        "unknown admonition kind 'caution'"
    ]


def test_title_is_escaped_text() -> None:
    html = render_markdown('::: note <img src=x onerror="alert(1)"> *not em*\nx\n:::\n').html
    assert '<p class="admonition-title">&lt;img src=x onerror="alert(1)"&gt; *not em*</p>' in html
    assert "<img" not in html


def test_bare_colons_are_not_an_admonition() -> None:
    rendered = render_markdown(":::\ntext\n:::\n")
    assert "<aside" not in rendered.html
    assert rendered.admonitions == 0


def test_unclosed_admonition_runs_to_the_end_of_the_document() -> None:
    rendered = render_markdown("::: tip\nStill inside.\n")
    assert rendered.html.endswith("<p>Still inside.</p>\n</aside>\n")


def test_admonition_inside_a_list_item() -> None:
    rendered = render_markdown("- item\n\n  ::: tip\n  inside\n  :::\n")
    assert "<li>" in rendered.html
    assert '<aside class="admonition admonition-tip" role="note">' in rendered.html
    assert rendered.admonitions == 1
