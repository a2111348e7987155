"""Carpentries Workbench lessons converted to EduHub Markdown, piece by piece and corpus-wide."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from pathlib import Path

import pytest

from eduhub.packs.dialects import Converted, LinkResolver
from eduhub.packs.dialects.carpentries import (
    COUNT_NAMES,
    DIV_KINDS,
    LESSON_INDEX_TITLE,
    MAX_DIV_DEPTH,
    LessonConfig,
    convert,
    read_config,
    spdx_license,
)
from eduhub.rendering import render_markdown

CORPORA = Path(__file__).resolve().parents[4] / "shared" / "corpora"
LESSONS = ("git-novice", "python-novice-inflammation", "r-novice-gapminder", "shell-novice")

# What Workbench syntax looks like if it survived into the page.
DIALECT_IN_HTML = re.compile(
    r":::|\{alt=|\{r[ ,}]|\{\.|\{#|\{\{|\{%|&lt;/?(?:kbd|br|sup|code|pre|p|a|blockquote|script)\b"
)
CODE_IN_HTML = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)
ADMONITION_IN_HTML = re.compile(r'class="admonition admonition-')


def visible_html(markdown: str) -> str:
    """The rendered page without its code blocks and code spans, where syntax may show."""
    return CODE_IN_HTML.sub("", render_markdown(markdown).html)


def body_line(converted: Converted, word: str) -> int:
    """1-based line of the source file that the body line holding ``word`` stands for."""
    for index, line in enumerate(converted.body.split("\n")):
        if word in line:
            return index + 1 + converted.body_line_offset
    raise AssertionError(f"{word!r} not in the converted body")


def source_line(text: str, word: str) -> int:
    for index, line in enumerate(text.split("\n")):
        if word in line:
            return index + 1
    raise AssertionError(f"{word!r} not in the source")


def warnings(converted: Converted) -> list[str]:
    """Warnings other than the missing title most hand-written snippets have."""
    return [
        text
        for _, severity, text in converted.messages
        if severity == "warning" and not text.startswith("no title")
    ]


# --------------------------------------------------------------------------- front matter

EPISODE = """\
---
title: Tracking Changes
teaching: 20
exercises: 5
---

::::::::::::::::::::::::::::::::::::::: objectives

- Go through the modify-add-commit cycle.
- Explain where information is
  stored at each stage.

::::::::::::::::::::::::::::::::::::::::::::::::::

:::::::::::::::::::::::::::::::::::::::: questions

- How do I record changes in Git?
- How do I check the [status](../learners/reference.md#status)?

::::::::::::::::::::::::::::::::::::::::::::::::::

First paragraph of the episode MARKER.

:::::::::::::::::::::::::::::::::::::::: keypoints

- `git status` shows the status of a repository.

::::::::::::::::::::::::::::::::::::::::::::::::::
"""


def test_front_matter_of_an_episode() -> None:
    converted = convert(EPISODE, path="episodes/04-changes.md")
    front = converted.front
    assert front["title"] == "Tracking Changes"
    assert front["minutes"] == 25
    assert front["objectives"] == [
        "Go through the modify-add-commit cycle.",
        "Explain where information is stored at each stage.",
    ]
    assert front["summary"] == "How do I record changes in Git? How do I check the status?"
    assert front["extra"]["keypoints"] == ["`git status` shows the status of a repository."]
    assert front["extra"]["teaching"] == 20
    assert front["tags"] == []
    assert front["authors"] == []
    assert front["translators"] == []
    assert front["license"] is None
    assert front["translation_of"] is None
    assert front["date"] is None
    assert front["retired"] is False
    assert converted.body_line_offset == 5
    assert converted.messages == []


def test_objectives_div_stays_in_the_body() -> None:
    converted = convert(EPISODE, path="episodes/04-changes.md")
    assert "::: important Objectives" in converted.body
    assert "- Go through the modify-add-commit cycle." in converted.body
    assert "Key points" in render_markdown(converted.body).html


def test_minutes_and_summary_fall_back_without_schedule_or_questions() -> None:
    converted = convert("---\ntitle: Setup\n---\n\nInstall Python first.\n", path="learners/a.md")
    assert converted.front["minutes"] == 5  # estimated_minutes' floor for a short page
    assert converted.front["summary"] == "Install Python first."
    assert converted.front["objectives"] == []


def test_minutes_are_capped_and_accept_numbers_written_as_strings() -> None:
    text = "---\ntitle: Long\nteaching: '500'\nexercises: 400\n---\nText\n"
    assert convert(text, path="episodes/a.md").front["minutes"] == 600


def test_objectives_from_yaml_when_there_is_no_div() -> None:
    text = "---\ntitle: Old style\nobjectives:\n- Learn one thing\nquestions: [Why?]\n---\nHi\n"
    front = convert(text, path="episodes/a.md").front
    assert front["objectives"] == ["Learn one thing"]
    assert front["summary"] == "Why?"


def test_broken_front_matter_is_recovered_with_a_warning() -> None:
    text = "---\ntitle: Broken: yes\nteaching: 10\n  bad indent: [\n---\nBody MARKER\n"
    converted = convert(text, path="episodes/a.md")
    assert converted.front["title"] == "Broken: yes"
    assert converted.front["minutes"] == 10
    assert any("not valid YAML" in text for text in warnings(converted))
    assert body_line(converted, "MARKER") == source_line(text, "MARKER")


def test_title_falls_back_to_heading_then_index_then_file_name() -> None:
    assert convert("# git-novice\n\nText\n", path="README.md").front["title"] == "git-novice"
    index = convert("---\nsite: sandpaper::sandpaper_site\n---\nHello\n", path="index.md")
    assert index.front["title"] == LESSON_INDEX_TITLE
    assert index.front["extra"]["site"] == "sandpaper::sandpaper_site"
    unnamed = convert("Text only\n", path="learners/old-notes.md")
    assert unnamed.front["title"] == "old notes"
    assert unnamed.messages == [(1, "warning", "no title in the front matter; using 'old notes'")]


def test_empty_file() -> None:
    converted = convert("", path="episodes/empty.md")
    assert converted.body == ""
    assert converted.front["minutes"] == 5
    assert converted.front["summary"] == ""
    assert all(converted.counts[name] == 0 for name in COUNT_NAMES)


# --------------------------------------------------------------------------- fenced divs


@pytest.mark.parametrize(("source_class", "expected"), sorted(DIV_KINDS.items()))
def test_each_div_class_maps_to_its_admonition(
    source_class: str, expected: tuple[str, str]
) -> None:
    kind, title = expected
    converted = convert(f"::::: {source_class}\n\nInside\n\n:::::\n", path="episodes/a.md")
    assert converted.body.split("\n")[0] == f"::: {kind} {title}".rstrip()
    assert converted.counts["divs"] == 1
    assert converted.counts["divs_unknown"] == 0
    rendered = render_markdown(converted.body)
    assert rendered.admonitions == 1
    assert not rendered.problems


def test_braced_div_syntax_and_title_attribute() -> None:
    text = '::: {.callout}\nA\n:::\n\n:::::: {.challenge title="Count the files"}\nB\n::::::\n'
    body = convert(text, path="episodes/a.md").body.split("\n")
    assert body[0] == "::: note"
    assert body[4] == "::: exercise Count the files"
    title_with_escape = convert('::: {#x .hint title="say \\"hi\\""}\nC\n:::\n', path="e/a.md")
    assert title_with_escape.body.startswith('::: tip say "hi"')


def test_nested_divs_give_outer_fences_more_colons() -> None:
    text = (
        ":::::::::::::::::::::::::::::::::::::::  challenge\n"
        "\n"
        "## Choosing a Commit Message\n"
        "\n"
        ":::::::::::::::  solution\n"
        "\n"
        "Answer MARKER\n"
        "\n"
        ":::::::::::::::::::::::::\n"
        "\n"
        "::: hint\nA hint\n:::\n"
        "::::::::::::::::::::::::::::::::::::::::::::::::::\n"
    )
    converted = convert(text, path="episodes/a.md")
    lines = converted.body.split("\n")
    assert lines[0] == ":::: exercise Challenge"
    assert lines[4] == "::: solution"
    assert lines[8] == ":::"
    assert lines[-2] == "::::"
    html = render_markdown(converted.body).html
    # The solution and the hint sit inside the challenge, not after it.
    aside = html.index('admonition-exercise"')
    assert aside < html.index("<details") < html.index("Answer MARKER") < html.index("</aside>")
    assert html.index("A hint") < html.rindex("</aside>")
    assert converted.counts["divs"] == 3


def test_three_levels_and_closing_fences_of_any_length() -> None:
    text = "::: challenge\n::: solution\n::: spoiler\ndeep\n:::::::::::::\n:::\n::\n:::\n"
    converted = convert(text, path="episodes/a.md")
    lines = converted.body.split("\n")
    assert lines[:3] == ["::::: exercise Challenge", ":::: solution", "::: solution Spoiler"]
    assert lines[4:6] == [":::", "::::"]
    assert lines[6] == "::"  # two colons are text, not a fence
    assert lines[7] == ":::::"
    assert render_markdown(converted.body).admonitions == 3


def test_sibling_divs_keep_three_colons() -> None:
    text = "::: callout\nA\n:::\n::: callout\nB\n:::\n"
    assert convert(text, path="episodes/a.md").body == "::: note\nA\n:::\n::: note\nB\n:::\n"


def test_unclosed_div_is_closed_at_the_end_with_a_warning() -> None:
    text = "Intro\n\n:::::: challenge\n\n::: solution\nanswer\n"
    converted = convert(text, path="episodes/a.md")
    assert converted.body.endswith("answer\n\n:::\n::::")
    assert len([t for t in warnings(converted) if "never closed" in t]) == 2
    assert {line for line, _, text in converted.messages if "challenge" in text} == {3}
    assert render_markdown(converted.body).admonitions == 2
    assert ":::" not in visible_html(converted.body)


def test_stray_closing_fence_is_dropped_with_a_warning() -> None:
    text = "Text\n\n::::::::\n\nMore MARKER\n"
    converted = convert(text, path="episodes/a.md")
    assert converted.body == "Text\n\n\n\nMore MARKER\n"
    assert (3, "warning", "closing ':::' without an open div removed") in converted.messages
    assert warnings(converted) == ["closing ':::' without an open div removed"]


def test_unknown_div_becomes_a_titled_note_with_a_warning() -> None:
    text = "::::: group-tab\n\n### Windows\n\n:::::\n::: {#only-an-id}\nx\n:::\n"
    converted = convert(text, path="episodes/a.md")
    assert converted.body.split("\n")[0] == "::: note group-tab"
    assert converted.body.split("\n")[5] == "::: note"
    assert converted.counts["divs"] == 2
    assert converted.counts["divs_unknown"] == 2
    assert "unknown div 'group-tab' shown as a note" in warnings(converted)
    assert render_markdown(converted.body).admonitions == 2


def test_text_after_the_class_becomes_the_title() -> None:
    converted = convert("::: callout Mind the gap :::\nx\n:::\n", path="episodes/a.md")
    assert converted.body.startswith("::: note Mind the gap\n")
    assert any("taken as its title" in text for text in warnings(converted))


def test_colons_inside_code_are_not_fences_and_cannot_close_the_box() -> None:
    text = "::: callout\n```markdown\n::::: challenge\n::::::\n```\nAfter the code\n:::\n"
    converted = convert(text, path="episodes/a.md")
    lines = converted.body.split("\n")
    assert lines[0] == "::::::: note"  # more colons than the code's "::::::" line
    assert lines[2:4] == ["::::: challenge", "::::::"]  # code is never touched
    assert converted.counts["divs"] == 1
    html = render_markdown(converted.body).html
    assert html.index("After the code") < html.index("</aside>")


def test_div_fence_interrupting_a_paragraph_keeps_the_order() -> None:
    converted = convert("Before\n::: callout\nInside\n:::\nAfter\n", path="episodes/a.md")
    assert converted.body == "Before\n::: note\nInside\n:::\nAfter\n"


def test_colons_before_a_non_word_stay_text() -> None:
    converted = convert(":::: 3 colons\n", path="episodes/a.md")
    assert converted.body == ":::: 3 colons\n"
    assert converted.counts["divs"] == 0


# --------------------------------------------------------------------------- images, spans


@pytest.mark.parametrize(
    "source",
    [
        "![](fig/x.png){alt='A diagram'}",
        '![](fig/x.png){alt="A diagram"}',
        "![](fig/x.png){alt='A diagram' width=\"50%\"}",
        "![](fig/x.png){ width=50%  alt='A   diagram' }",
    ],
)
def test_image_alt_attribute_becomes_the_alt_text(source: str) -> None:
    converted = convert(source + "\n", path="episodes/a.md")
    assert converted.body == "![A diagram](fig/x.png)\n"
    assert converted.counts["attributes_removed"] == 1


def test_image_alt_in_brackets_wins_over_the_attribute() -> None:
    converted = convert("![Caption](fig/x.png){alt='other'}\n", path="episodes/a.md")
    assert converted.body == "![Caption](fig/x.png)\n"


def test_image_alt_attribute_escapes() -> None:
    source = "![](fig/x.png){alt='The repository\\'s URL, veg\\[1\\] and $5'}\n"
    body = convert(source, path="episodes/a.md").body
    assert body == "![The repository's URL, veg\\[1\\] and \\$5](fig/x.png)\n"
    alt = re.search(r'alt="([^"]*)"', render_markdown(body).html)
    assert alt is not None
    assert alt.group(1).replace("&#x27;", "'") == "The repository's URL, veg[1] and $5"


def test_image_title_and_attribute_spanning_lines_keep_line_count() -> None:
    source = "![](fig/x.png \"Title\"){alt='A long\ndescription'}\nAfter MARKER\n"
    converted = convert(source, path="episodes/a.md")
    assert converted.body == '![A long description](fig/x.png "Title")\n\nAfter MARKER\n'
    assert body_line(converted, "MARKER") == source_line(source, "MARKER")


@pytest.mark.parametrize("folder", ["learners", "instructors", "profiles"])
def test_workbench_rule_for_figures_outside_episodes(folder: str) -> None:
    seen: list[str] = []

    def resolve(target: str) -> str | None:
        seen.append(target)
        return None

    body = convert(
        "![](fig/a.svg){alt='A'}\n", path=f"{folder}/discuss.md", resolve_link=resolve
    ).body
    assert body == "![A](../episodes/fig/a.svg)\n"
    assert seen == ["../episodes/fig/a.svg"]


def test_workbench_rule_for_a_pack_of_lessons_and_the_lesson_index() -> None:
    body = convert("![A](fig/a.svg)\n", path="git-novice/learners/setup.md").body
    assert body == "![A](../episodes/fig/a.svg)\n"
    assert convert("![A](fig/a.svg)\n", path="index.md").body == "![A](episodes/fig/a.svg)\n"
    assert convert("![A](fig/a.svg)\n", path="episodes/01.md").body == "![A](fig/a.svg)\n"
    data = convert("[zip]: data/x.zip\n", path="learners/setup.md").body
    assert data == "[zip]: ../episodes/data/x.zip\n"


def test_spans_and_other_attribute_lists_are_removed() -> None:
    source = (
        "Press [Ctrl]{.kbd}+[C]{.kbd} and see [term]{#term}.\n"
        "A [link](https://example.org){.external target=_blank} and `x`{.r}.\n"
        "## Setup {#setup .unnumbered}\n"
    )
    converted = convert(source, path="episodes/a.md")
    assert converted.body == (
        "Press Ctrl+C and see term.\nA [link](https://example.org) and `x`.\n## Setup\n"
    )
    assert converted.counts["attributes_removed"] == 6
    assert not DIALECT_IN_HTML.search(visible_html(converted.body))


def test_braces_that_are_not_attributes_stay() -> None:
    source = "Use `{}` for a body, [a][b] links and {curly words} in text.\n"
    assert convert(source, path="episodes/a.md").body == source


# --------------------------------------------------------------------------- R Markdown


@pytest.mark.parametrize(
    ("header", "fence"),
    [
        ("```{r}", "```r"),
        ("```{r, eval=FALSE}", "```r"),
        ("```{r chunk-name, echo=FALSE}", "```r"),
        ('```{r lm-fit, fig.alt="Scatter {plot}"}', "```r"),
        ("```{python}", "```python"),
        ("```{bash}", "```bash"),
        ('```{r, engine="bash"}', "```bash"),
        ("``` {r}", "```r"),
        ("```{.python}", "```python"),
        ("```{.language-r .numberLines}", "```r"),
    ],
)
def test_chunk_headers_become_languages(header: str, fence: str) -> None:
    converted = convert(f"{header}\nx <- 1  # {{r}} stays\n```\n", path="episodes/a.Rmd")
    assert converted.body == f"{fence}\nx <- 1  # {{r}} stays\n```\n"


def test_chunks_are_counted_and_pandoc_code_attributes_too() -> None:
    source = "```{r}\n1\n```\n\n```{r, include=FALSE}\n2\n```\n\n```{.sh}\nls\n```\n"
    counts = convert(source, path="episodes/a.Rmd").counts
    assert counts["chunks"] == 2
    assert counts["attributes_removed"] == 1


def test_inline_r_shows_the_expression() -> None:
    source = "The mass is `r mass` and `r age + 20 `; ``r not_inline`` and `code`.\n"
    converted = convert(source, path="episodes/a.Rmd")
    assert converted.body == "The mass is `mass` and `age + 20`; ``r not_inline`` and `code`.\n"
    assert converted.counts["inline_r"] == 2


def test_comments_are_removed_keeping_lines() -> None:
    source = (
        "Before <!-- a note --> after\n"
        "<!--\n"
        "```{r}\n"
        "hidden()\n"
        "```\n"
        "-->\n"
        "  <!-- vertical spacer -->\n"
        "Kept MARKER\n"
        "```html\n"
        "<!-- code keeps its comment -->\n"
        "```\n"
        "`<!-- code span too -->`\n"
    )
    converted = convert(source, path="episodes/a.Rmd")
    assert converted.body.split("\n")[:8] == [
        "Before  after",
        "",
        "",
        "",
        "",
        "",
        "",
        "Kept MARKER",
    ]
    assert "<!-- code keeps its comment -->" in converted.body
    assert "`<!-- code span too -->`" in converted.body
    assert converted.counts["chunks"] == 0  # the commented-out chunk is gone
    assert body_line(converted, "MARKER") == source_line(source, "MARKER")


def test_unterminated_comment_keeps_the_text() -> None:
    converted = convert("Text <!-- never closed\nMore\n", path="episodes/a.md")
    assert converted.body == "Text  never closed\nMore\n"
    assert warnings(converted) == ["HTML comment never closed; '<!--' removed"]


# --------------------------------------------------------------------------- links


class RecordingResolver:
    """A LinkResolver that knows a fixed set of targets and remembers what it was asked."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.calls: list[str] = []

    def __call__(self, target: str) -> str | None:
        self.calls.append(target)
        return self.known.get(target)


def test_relative_links_go_through_the_resolver() -> None:
    resolve = RecordingResolver(
        {
            "03-create.md": "03-create.md",
            "../episodes/03-create.md": "../episodes/03-create.md",
            "03-create.html": "03-create.md",
            "../learners/setup.md": "../learners/setup.md",
        }
    )
    source = (
        "[a](03-create.md) [b](03-create.html) [c](../learners/setup.md#windows)\n"
        "[d](https://example.org/x.md) [e](#local) [f](mailto:a@b.c)\n"
    )
    body = convert(source, path="episodes/04.md", resolve_link=resolve).body
    assert body.split("\n")[0] == (
        "[a](03-create.md) [b](03-create.md) [c](../learners/setup.md#windows)"
    )
    assert resolve.calls == ["03-create.md", "03-create.html", "../learners/setup.md"]


def test_unresolved_links() -> None:
    resolve = RecordingResolver({})
    source = "[data](data/x.csv) and [guide](/guide/#top) and ![logo](/img/a.png)\n"
    converted = convert(source, path="episodes/a.md", resolve_link=resolve)
    assert converted.body == "[data](data/x.csv) and guide and logo\n"
    assert warnings(converted) == [
        "site link not in this pack: /guide/",
        "site image not in this pack: /img/a.png",
    ]


def test_links_between_pages_as_the_built_site_sees_them() -> None:
    resolve = RecordingResolver(
        {
            "../episodes/02-numpy.html": "../episodes/02-numpy.md",
            "../episodes/01-intro.Rmd": "../episodes/01-intro.Rmd",
        }
    )
    source = "[numpy](02-numpy.html#x) and [intro](episodes/01-intro.Rmd)\n"
    converted = convert(source, path="instructors/notes.md", resolve_link=resolve)
    assert converted.body == (
        "[numpy](../episodes/02-numpy.md#x) and [intro](../episodes/01-intro.Rmd)\n"
    )


def test_reference_definitions_are_resolved() -> None:
    resolve = RecordingResolver({"../learners/rubric.md": "../learners/rubric.md"})
    source = (
        "See the [rubric] and [site][link-name].\n\n"
        "[rubric]: ../learners/rubric.md\n"
        "[link-name]: https://carpentries.org\n"
        "[gone]: /old/page\n"
    )
    converted = convert(source, path="episodes/a.md", resolve_link=resolve)
    assert converted.body == source
    assert resolve.calls == ["../learners/rubric.md", "/old/page"]
    assert warnings(converted) == ["site link not in this pack: /old/page"]


def test_link_text_with_code_images_and_nested_brackets() -> None:
    resolve = RecordingResolver({"x.md": "y.md"})
    source = "[`git add` [and] ![i](fig/i.png){alt='x'}](x.md \"Title (1)\"){.c}\n"
    converted = convert(source, path="episodes/a.md", resolve_link=resolve)
    assert converted.body == '[`git add` [and] ![i](fig/i.png)](y.md "Title (1)")\n'
    assert converted.counts["attributes_removed"] == 2


def test_liquid_is_removed_with_a_warning() -> None:
    source = (
        "{% include links.md %}\n"
        "The [notes]({{ page.root }}/guide) and {{ site.email }}.\n"
        "```liquid\n{% raw %}\n```\n"
        "`{{ kept }}`\n"
    )
    converted = convert(source, path="README.md")
    assert converted.body.split("\n")[:2] == ["", "The notes and ."]
    assert "{% raw %}" in converted.body
    assert "`{{ kept }}`" in converted.body
    assert converted.counts["liquid_dropped"] == 3
    assert warnings(converted) == [
        "Liquid tag {% include links.md %} removed",
        "Liquid expression {{ page.root }} removed",
        "Liquid expression {{ site.email }} removed",
        "site link not in this pack: /guide",
    ]
    assert [line for line, _, text in converted.messages if "Liquid" in text] == [1, 2, 2]


# --------------------------------------------------------------------------- raw HTML


def test_inline_html_becomes_markdown() -> None:
    source = (
        "Press <kbd>Ctrl</kbd>\\+<kbd>C</kbd>, 2<sup>8</sup>, a<br>b, <em>x</em>.\n"
        "Between <code>\\`\\`\\`{r chunk\\_name}</code> and <code>\\`r</code>.\n"
        '(use "git add <file>...") and <commit message here>\n'
    )
    converted = convert(source, path="episodes/a.md")
    assert converted.body.split("\n")[:3] == [
        "Press Ctrl\\+C, 2^8, a b, *x*.",
        "Between ```` ```{r chunk_name} ```` and `` `r ``.",
        '(use "git add <file>...") and <commit message here>',
    ]
    html = visible_html(converted.body)
    assert not DIALECT_IN_HTML.search(html)
    code = render_markdown(converted.body).html
    assert "<code>```{r chunk_name}</code>" in code


def test_html_blocks_become_markdown() -> None:
    source = (
        '<blockquote class="twitter-tweet"><p>Managing projects.</p>— Vince '
        '<a href="https://twitter.com/x">April 15, 2013</a></blockquote>\n'
        '<script async src="//platform.twitter.com/widgets.js"></script>\n'
        "\n"
        "<pre>\n&#96;&#96;&#96;{r}\nsummary(cars)\n&#96;&#96;&#96;\n</pre>\n"
        "<br />\n"
        "## Integer Division\n"
        '<div class="x">boxed</div> <img src="fig/a.png" alt="An image">\n'
    )
    converted = convert(source, path="episodes/a.md")
    assert converted.body.split("\n") == [
        "> Managing projects. — Vince [April 15, 2013](https://twitter.com/x)",
        "",
        "",
        "````",
        "```{r}",
        "summary(cars)",
        "```",
        "````",
        "",
        "## Integer Division",
        "boxed ![An image](fig/a.png)",
        "",
    ]
    assert warnings(converted) == [
        "HTML <script> element removed",
        "HTML tag <div> removed",
        "HTML tag </div> removed",
    ]
    assert not DIALECT_IN_HTML.search(visible_html(converted.body))


def test_grid_table_is_shown_as_preformatted_text() -> None:
    source = (
        "Intro\n\n"
        "+------+-------------+\n"
        "| Code | Rendered    |\n"
        "+======+=============+\n"
        "| ```  | <p></p>     |\n"
        "+------+-------------+\n"
        "\nAfter MARKER\n"
    )
    converted = convert(source, path="episodes/a.md")
    assert converted.body.split("\n")[2:7] == [
        "```text",
        "| Code | Rendered    |",
        "+======+=============+",
        "| ```  | <p></p>     |",
        "```",
    ]
    assert converted.counts["grid_tables"] == 1
    assert body_line(converted, "MARKER") == source_line(source, "MARKER")
    assert "&lt;p&gt;" not in visible_html(converted.body)


# --------------------------------------------------------------------------- line numbers


def test_line_numbers_survive_every_construct() -> None:
    source = (
        "---\ntitle: Lines\nteaching: 1\n---\n"
        "<!-- a\nmulti-line\ncomment -->\n"
        "::::::: challenge\n\n"
        "![](fig/a.png){alt='a\nb'}\n"
        "{% include links.md %}\n"
        ":::: solution\n```{r, eval=FALSE}\nx\n```\n::::::::::\n:::::::\n"
        "<pre>\n&#96;\n</pre>\n"
        "::::\n"
        "Final MARKER with a problem ![](missing.png)\n"
    )
    converted = convert(source, path="episodes/a.Rmd")
    assert body_line(converted, "MARKER") == source_line(source, "MARKER")
    problems = render_markdown(converted.body, line_offset=converted.body_line_offset).problems
    assert [problem.line for problem in problems] == [source_line(source, "MARKER")]
    stray = [line for line, _, text in converted.messages if "without an open div" in text]
    assert stray == [source.split("\n").index("::::") + 1]
    liquid = [line for line, _, text in converted.messages if "Liquid" in text]
    assert liquid == [source_line(source, "{% include")]


# --------------------------------------------------------------------------- hostile input


def test_divs_nested_too_deep_lose_their_fences() -> None:
    depth = MAX_DIV_DEPTH + 3
    text = "::: callout\n" * depth + "Deep MARKER\n" + ":::\n" * depth
    converted = convert(text, path="episodes/a.md")
    assert converted.counts["divs"] == MAX_DIV_DEPTH
    assert len([t for t in warnings(converted) if "nested more than" in t]) == 3
    assert body_line(converted, "MARKER") == source_line(text, "MARKER")
    rendered = render_markdown(converted.body)
    assert rendered.admonitions == MAX_DIV_DEPTH
    assert "Deep MARKER" in rendered.html
    assert ":::" not in visible_html(converted.body)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000,
        "![" * 5000,
        "[a](" * 5000,
        '[a](b "' * 5000,
        "{{ a " * 5000,
        "{% a " * 5000,
        "<code>" * 5000,
        "<a " * 5000,
        "<!--\n" * 500,
        "`" + "``" * 2000,
        ":::: challenge\n" * 500,
        ":::\n" * 500,
        "```{r\n" * 500,
        "\ue0000\ue001 `x` \ue0009\ue001 [y]{.z}\n",
        "[x]{" * 5000,
        "+--+\n|" * 500,
    ],
)
def test_hostile_input_converts_and_keeps_its_lines(text: str) -> None:
    converted = convert(text, path="learners/a.md", resolve_link=lambda target: None)
    assert len(converted.body.split("\n")) >= len(text.split("\n"))
    assert all(severity == "warning" for _, severity, _ in converted.messages)
    render_markdown(converted.body)


def test_private_use_placeholders_in_the_source_do_not_leak_code() -> None:
    converted = convert("A \ue0000\ue001 and `code`\n", path="episodes/a.md")
    assert converted.body == "A \ufffd0\ufffd and `code`\n"


def test_normalised_crlf_file_converts_like_lf() -> None:
    crlf = "---\r\ntitle: Licensing\r\nteaching: 5\r\n---\r\n\r\n"
    crlf += "::: objectives\r\n- Choose\r\n:::\r\n"
    converted = convert(crlf.replace("\r\n", "\n"), path="episodes/11-licensing.md")
    assert converted.front["objectives"] == ["Choose"]
    assert converted.body_line_offset == 4
    assert converted.body == "\n::: important Objectives\n- Choose\n:::\n"


# --------------------------------------------------------------------------- config.yaml

CONFIG = """\
carpentry: 'swc'
title: 'Version Control with Git'
created: 2014-12-04
keywords: 'software, data, lesson'
life_cycle: 'stable'
license: 'CC-BY 4.0'
source: 'https://github.com/swcarpentry/git-novice'
contributors:
- Ada Lovelace
- name: Grace Hopper
  orcid: 0000
episodes:
- 01-basics.md
- 02-setup.md
learners:
instructors:
profiles:
url: 'https://swcarpentry.github.io/git-novice'
lang: en
"""


def test_read_config() -> None:
    config = read_config(CONFIG)
    assert config == LessonConfig(
        title="Version Control with Git",
        license="CC-BY-4.0",
        source="https://github.com/swcarpentry/git-novice",
        url="https://swcarpentry.github.io/git-novice",
        lang="en",
        contributors=("Ada Lovelace", "Grace Hopper"),
        episodes=("01-basics.md", "02-setup.md"),
        carpentry="swc",
        created="2014-12-04",
        keywords=("software", "data", "lesson"),
        life_cycle="stable",
    )
    with pytest.raises(AttributeError):
        config.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("written", "spdx"),
    [
        ("CC-BY 4.0", "CC-BY-4.0"),
        ("CC BY 4.0", "CC-BY-4.0"),
        ("cc-by-4.0", "CC-BY-4.0"),
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("CC0", "CC0-1.0"),
        ("MIT", "MIT"),
        ("Apache 2.0", "Apache-2.0"),
        ("CC-BY-NC 4.0", "CC-BY-NC-4.0"),
        ("All rights reserved", None),
    ],
)
def test_license_spellings(written: str, spdx: str | None) -> None:
    assert spdx_license(written) == spdx


def test_read_config_without_license_or_lists() -> None:
    config = read_config("title: X\nepisodes:\n")
    assert config.license is None
    assert config.episodes == ()
    assert config.lang == "en"
    assert config.messages == ()
    assert read_config("").title is None


def test_read_config_unknown_license_and_broken_yaml() -> None:
    unknown = read_config("title: X\nlicense: 'Some License'\n")
    assert unknown.license is None
    assert unknown.messages == ((2, "warning", "license 'Some License' not recognised"),)
    broken = read_config("title: 'Broken\nlicense: CC-BY 4.0\nepisodes:\n- a.md\n  - [x\n")
    assert broken.license == "CC-BY-4.0"
    assert broken.episodes[0] == "a.md"
    assert any("not valid YAML" in message for _, _, message in broken.messages)


# --------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def corpus() -> Path:
    folder = CORPORA / "carpentries"
    if not folder.is_dir():
        pytest.skip(f"Carpentries corpus not found at {folder}")
    return folder


def lesson_files(corpus: Path) -> list[tuple[str, str, str]]:
    """(lesson, path inside the lesson, text as the importer decodes it) for every page."""
    found = []
    for lesson in LESSONS:
        for file in sorted((corpus / lesson).rglob("*")):
            if file.suffix in (".md", ".Rmd"):
                text = file.read_text(encoding="utf-8").lstrip("\ufeff")
                text = text.replace("\r\n", "\n").replace("\r", "\n")
                found.append((lesson, file.relative_to(corpus / lesson).as_posix(), text))
    return found


class DiskResolver:
    """The renderer's resolver over the corpus folder, to count what really resolves."""

    def __init__(self, lesson_dir: Path, rel: str) -> None:
        self.lesson_dir = lesson_dir
        self.base = posixpath.dirname(rel)

    def _file(self, target: str) -> Path | None:
        path = self.lesson_dir / posixpath.normpath(posixpath.join(self.base, target))
        return path if path.is_file() else None

    def link(self, target: str) -> str | None:
        return "/lessons/x" if self._file(target) else None

    def image(self, target: str) -> str | None:
        return "/media/x" if self._file(target) else None


def disk_link_resolver(lesson_dir: Path, rel: str) -> LinkResolver:
    """resolve_link over the corpus: a lesson page by its .md/.Rmd/.html name, relative."""
    base = posixpath.dirname(rel)

    def resolve(target: str) -> str | None:
        stem = re.sub(r"\.(md|Rmd|html)$", "", target)
        for suffix in (".md", ".Rmd"):
            candidate = posixpath.normpath(posixpath.join(base, stem + suffix))
            if (lesson_dir / candidate).is_file():
                return posixpath.relpath(candidate, base or ".")
        return None

    return resolve


@pytest.fixture(scope="module")
def converted_corpus(corpus: Path) -> list[tuple[str, str, str, Converted]]:
    return [
        (
            lesson,
            rel,
            text,
            convert(text, path=rel, resolve_link=disk_link_resolver(corpus / lesson, rel)),
        )
        for lesson, rel, text in lesson_files(corpus)
    ]


@pytest.mark.corpora
def test_corpus_every_file_converts_and_keeps_its_lines(
    converted_corpus: list[tuple[str, str, str, Converted]],
) -> None:
    assert len(converted_corpus) == 83
    for lesson, rel, text, converted in converted_corpus:
        source_lines = text.split("\n")[converted.body_line_offset :]
        body_lines = converted.body.split("\n")
        # A conversion adds lines only to close divs left open, and the corpus leaves none.
        assert len(body_lines) == len(source_lines), f"{lesson}/{rel}"
        assert converted.front["title"], f"{lesson}/{rel}"
        assert 1 <= converted.front["minutes"] <= 600
        assert all(severity == "warning" for _, severity, _ in converted.messages)


@pytest.mark.corpora
def test_corpus_renders_without_workbench_syntax(
    converted_corpus: list[tuple[str, str, str, Converted]],
) -> None:
    for lesson, rel, _, converted in converted_corpus:
        html = visible_html(converted.body)
        leftover = DIALECT_IN_HTML.search(html)
        assert leftover is None, f"{lesson}/{rel}: {html[leftover.start() - 60 : leftover.end()]}"


@pytest.mark.corpora
def test_corpus_every_div_opens_and_closes(
    converted_corpus: list[tuple[str, str, str, Converted]],
) -> None:
    opening = re.compile(r"^:{3,}[ \t]*[{A-Za-z]", re.MULTILINE)
    for lesson, rel, text, converted in converted_corpus:
        rendered = render_markdown(converted.body)
        assert rendered.admonitions == converted.counts["divs"], f"{lesson}/{rel}"
        assert len(ADMONITION_IN_HTML.findall(rendered.html)) == converted.counts["divs"]
        assert rendered.html.count("<aside") == rendered.html.count("</aside>")
        assert rendered.html.count("<details") == rendered.html.count("</details>")
        # No fence is inside a code block in this corpus, so every opening line is a div.
        assert converted.counts["divs"] == len(opening.findall(text)), f"{lesson}/{rel}"
        assert not any("never closed" in message for _, _, message in converted.messages)


@pytest.mark.corpora
def test_corpus_objectives_for_every_episode_with_an_objectives_div(
    converted_corpus: list[tuple[str, str, str, Converted]],
) -> None:
    episodes = [item for item in converted_corpus if item[1].startswith("episodes/")]
    assert len(episodes) == 48
    with_div = [item for item in episodes if re.search(r"^:{3,}[ \t]*objectives", item[2], re.M)]
    assert len(with_div) == 48
    for lesson, rel, _, converted in with_div:
        assert converted.front["objectives"], f"{lesson}/{rel}"
        assert converted.front["summary"], f"{lesson}/{rel}"
        assert converted.front["extra"]["keypoints"], f"{lesson}/{rel}"
    first = next(c for lesson, rel, _, c in with_div if rel == "episodes/04-changes.md")
    assert (
        first.front["objectives"][0]
        == "Go through the modify-add-commit cycle for one or more files."
    )
    assert first.front["minutes"] == 20


@pytest.mark.corpora
def test_corpus_images_resolve_under_the_workbench_rule(
    corpus: Path, converted_corpus: list[tuple[str, str, str, Converted]]
) -> None:
    referenced = resolved = 0
    for lesson, rel, _, converted in converted_corpus:
        rendered = render_markdown(converted.body, DiskResolver(corpus / lesson, rel))
        referenced += rendered.images
        resolved += rendered.images_resolved
        if rel.startswith(("learners/", "instructors/", "profiles/")):
            for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", converted.body):
                if "fig/" in target:
                    assert target.startswith("../episodes/fig/")
                    assert (corpus / lesson / Path(rel).parent / target).resolve().is_file()
    assert (referenced, resolved) == (94, 72)  # the corpus README's numbers


@pytest.mark.corpora
def test_corpus_lesson_links_resolve(
    corpus: Path, converted_corpus: list[tuple[str, str, str, Converted]]
) -> None:
    broken = []
    for lesson, rel, _, converted in converted_corpus:
        rendered = render_markdown(converted.body, DiskResolver(corpus / lesson, rel))
        broken += [
            problem.message
            for problem in rendered.problems
            if problem.message.startswith("broken link")
            and re.search(r"\.(md|Rmd)$", problem.message)
        ]
    # Only a link to a file the lesson repository has but the corpus left out.
    assert broken == ["broken link: CONTRIBUTING.md"]


@pytest.mark.corpora
def test_corpus_math_renders_as_mathml(
    converted_corpus: list[tuple[str, str, str, Converted]],
) -> None:
    loop = next(
        c
        for lesson, rel, _, c in converted_corpus
        if rel == "episodes/05-loop.md" and lesson.startswith("python")
    )
    rendered = render_markdown(loop.body)
    assert rendered.math_rendered == 1
    assert rendered.math_failed == 0
    assert "<math" in rendered.html
    total_failed = sum(render_markdown(c.body).math_failed for *_, c in converted_corpus)
    assert total_failed == 0


@pytest.mark.corpora
def test_corpus_counts_add_up(converted_corpus: list[tuple[str, str, str, Converted]]) -> None:
    totals: Counter[str] = Counter()
    messages = 0
    for _, _, text, converted in converted_corpus:
        totals.update(converted.counts)
        messages += len(converted.messages)
        chunk_headers = re.findall(r"^[ \t]*```+[ \t]*\{[A-Za-z]", text, re.MULTILINE)
        assert converted.counts["chunks"] == len(chunk_headers)
        assert converted.counts["attributes_removed"] >= text.count("{alt=")
    assert totals["divs"] == 701
    assert totals["divs_unknown"] == 0
    assert totals["chunks"] == 403
    assert totals["attributes_removed"] == 241
    assert totals["liquid_dropped"] == 1
    assert totals["inline_r"] == 9
    assert totals["grid_tables"] == 1
    assert messages == 4


@pytest.mark.corpora
def test_corpus_configs(corpus: Path) -> None:
    for lesson in LESSONS:
        config = read_config((corpus / lesson / "config.yaml").read_text(encoding="utf-8"))
        assert config.license == "CC-BY-4.0"
        assert config.lang == "en"
        assert config.source == f"https://github.com/swcarpentry/{lesson}"
        assert config.learners == config.instructors == config.profiles == ()
        on_disk = {f.name for f in (corpus / lesson / "episodes").iterdir() if f.is_file()}
        assert config.episodes
        assert set(config.episodes) == on_disk
        assert config.messages == ()
