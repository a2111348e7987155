"""Programming Historian (Jekyll + kramdown) lessons converted to EduHub Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest

from eduhub.packs.dialects import Converted
from eduhub.packs.dialects.jekyll import COUNT_NAMES, convert
from eduhub.rendering import render_markdown

# tests/catalog/dialects/test_jekyll.py -> the folder holding main/ and shared/
CORPORA = Path(__file__).resolve().parents[4] / "shared" / "corpora"
PH = CORPORA / "programming-historian"

# What a reader must never see of Jekyll, Liquid, kramdown or raw HTML in a rendered lesson.
_LEFTOVER_MARKUP = re.compile(r"\{%|%\}|\{\{|\{:|&lt;/?table|&lt;/?div")
_CODE_HTML = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)
_FIGURE_INCLUDE = re.compile(r"\{%-?\s*include\s+figure\.html")


def _convert(text: str, **options: object) -> Converted:
    path = str(options.pop("path", "en/lessons/demo.md"))
    return convert(text, path=path, **options)  # type: ignore[arg-type]


def _body(text: str, **options: object) -> str:
    return _convert(text, **options).body


def _html(text: str, **options: object) -> str:
    converted = _convert(text, **options)
    return render_markdown(converted.body, line_offset=converted.body_line_offset).html


def _prose_html(html: str) -> str:
    return _CODE_HTML.sub("", html)


def _line_of(text: str, word: str) -> int:
    """1-based line of the first line containing ``word``."""
    for number, line in enumerate(text.split("\n"), 1):
        if word in line:
            return number
    raise AssertionError(f"{word!r} not found")


_NO_TITLE = "lesson has no title; its file name is used"


def _messages(converted: Converted) -> list[tuple[int, str, str]]:
    """The messages about the body (the small inputs here have no title on purpose)."""
    return [message for message in converted.messages if message[2] != _NO_TITLE]


def _warnings(converted: Converted) -> list[str]:
    return [text for _, severity, text in _messages(converted) if severity == "warning"]


# Front matter ------------------------------------------------------------------------------

LESSON = """---
title: "Counting Frequencies &amp; More"
layout: lesson
date: 2012-07-17
authors:
- William J. Turkel
- Adam Crymble
translator:
- Víctor Gayol
reviewers:
- Jim Clifford
translation-editor: [Maria José Afanador-Llach]
difficulty: 2
activity: analyzing
topics: [python, distant-reading]
abstract: "Count word frequencies in a web page."
original: counting-frequencies
doi: 10.46430/phen0003
avatar_alt: A man counting coins
---

{% include toc.html %}

Some text.
"""


def test_front_matter_maps_ph_keys_to_eduhub_keys() -> None:
    front = _convert(LESSON, path="es/lecciones/contar-frecuencias.md").front
    assert front["title"] == "Counting Frequencies & More"
    assert front["authors"] == ["William J. Turkel", "Adam Crymble"]
    assert front["translators"] == ["Víctor Gayol"]
    assert front["summary"] == "Count word frequencies in a web page."
    assert front["tags"] == ["python", "distant-reading"]
    assert front["date"] == "2012-07-17"
    assert front["translation_of"] == "counting-frequencies"
    assert front["license"] is None
    assert front["retired"] is False
    assert front["objectives"] == []
    assert front["minutes"] == 5
    extra = front["extra"]
    assert extra["difficulty"] == 2
    assert extra["activity"] == "analyzing"
    assert extra["doi"] == "10.46430/phen0003"
    assert extra["reviewers"] == ["Jim Clifford"]
    assert extra["translation-editor"] == ["Maria José Afanador-Llach"]
    assert extra["avatar_alt"] == "A man counting coins"
    assert extra["language"] == "es"


def test_body_line_offset_counts_the_front_matter_lines() -> None:
    converted = _convert(LESSON)
    assert converted.body_line_offset == 20
    source_line = _line_of(LESSON, "Some text.")
    assert converted.body_line_offset + _line_of(converted.body, "Some text.") == source_line


def test_authors_as_one_string_and_translators_key_are_read() -> None:
    front = _convert(
        "---\ntitle: T\nauthors: Ana Gómez, Zo&#235; Smith\ntranslators: [A. B.]\n---\nx\n"
    ).front
    assert front["authors"] == ["Ana Gómez", "Zoë Smith"]
    assert front["translators"] == ["A. B."]


@pytest.mark.parametrize(
    ("path", "front_matter", "retired"),
    [
        ("en/lessons/retired/old.md", "", True),
        ("es/lecciones/retirada/vieja.md", "", True),
        ("en/lessons/old.md", "retired: true\n", True),
        ("en/lessons/retired-lessons-guide.md", "", False),
        ("en/lessons/current.md", "retired: false\n", False),
    ],
)
def test_retired_comes_from_the_folder_or_the_front_matter(
    path: str, front_matter: str, retired: bool
) -> None:
    assert (
        _convert(f"---\ntitle: T\n{front_matter}---\nText.\n", path=path).front["retired"]
        is retired
    )


def test_summary_falls_back_to_the_first_paragraph() -> None:
    front = _convert("---\ntitle: T\n---\n{% include toc.html %}\n\nFirst words here.\n").front
    assert front["summary"] == "First words here."


def test_broken_front_matter_is_recovered_with_a_warning_and_no_error() -> None:
    converted = _convert("---\ntitle: Broken: yes: no\nauthors:\n- A\n---\nBody text.\n")
    assert converted.front["title"] == "Broken: yes: no"
    assert converted.front["authors"] == ["A"]
    assert any("not valid YAML" in text for text in _warnings(converted))
    assert all(severity == "warning" for _, severity, _ in converted.messages)
    assert converted.body == "Body text.\n"


def test_front_matter_opening_line_with_trailing_space_is_accepted_like_jekyll() -> None:
    converted = _convert("--- \ntitle: Spaced\n---\nBody.\n")
    assert converted.front["title"] == "Spaced"
    assert converted.body == "Body.\n"
    assert converted.body_line_offset == 3


def test_empty_file_converts_with_a_warning() -> None:
    converted = _convert("", path="en/lessons/empty.md")
    assert converted.body == ""
    assert converted.front["title"] == "empty"
    assert converted.front["date"] is None
    assert converted.counts == dict.fromkeys(COUNT_NAMES, 0)
    assert converted.messages == [(1, "warning", _NO_TITLE)]


def test_a_date_that_is_not_a_date_is_warned_about() -> None:
    converted = _convert("---\ntitle: T\ndate: sometime in 2019\n---\nx\n")
    assert converted.front["date"] is None
    assert any("is not a date" in text for text in _warnings(converted))


# Liquid ------------------------------------------------------------------------------------


def test_figure_include_becomes_an_image_with_its_caption_on_one_line() -> None:
    converted = _convert(
        'Before.\n\n{% include figure.html filename="fig1.png" alt="A map" '
        'caption="Figure 1: The map" %}\n\nAfter.\n',
        path="en/lessons/mapping.md",
    )
    assert converted.body.split("\n")[2] == (
        '![A map](/images/mapping/fig1.png "Figure 1: The map") *Figure 1: The map*'
    )
    assert converted.counts["figures"] == 1
    assert converted.counts["liquid_handled"] == 1
    assert _messages(converted) == []


def test_figure_attributes_in_any_order_with_either_quotes_and_escaped_quotes() -> None:
    body = _body(
        "{% include figure.html caption='It \\'works\\'' filename='a.png' %}\n"
        '{% include figure.html filename="b.png" caption="Click \\"Save\\"" alt = "Save button"%}\n'
    )
    first, second = body.split("\n")[:2]
    assert first == "![It 'works'](/images/demo/a.png \"It 'works'\") *It 'works'*"
    assert second == ('![Save button](/images/demo/b.png "Click \\"Save\\"") *Click "Save"*')


def test_figure_without_alt_uses_its_caption_and_warns() -> None:
    converted = _convert('\n{% include figure.html filename="x.png" caption="Two *cats*" %}\n')
    assert converted.body.startswith('\n![Two *cats*](/images/demo/x.png "Two cats") *Two *cats**')
    assert _messages(converted) == [
        (2, "warning", "figure x.png has no alt text; its caption is used")
    ]


def test_figure_with_neither_alt_nor_caption_uses_the_file_name() -> None:
    assert _body('{% include figure.html filename="sub/plot.png" %}') == (
        "![plot.png](/images/demo/sub/plot.png)"
    )


def test_figure_caption_markdown_is_plain_text_in_alt_and_title() -> None:
    body = _body(
        '{% include figure.html filename="x.png" '
        'caption="See [the site](http://a.org) | `code` $5" %}'
    )
    assert body == (
        '![See the site \\| code \\$5](/images/demo/x.png "See the site \\| code \\$5") '
        "*See [the site](http://a.org) | `code` \\$5*"
    )
    html = _html(
        '{% include figure.html filename="x.png" caption="See [the site](http://a.org)" %}'
    )
    assert 'alt="See the site"' in html
    assert '<a href="http://a.org" rel="noopener noreferrer">the site</a>' in html


def test_figure_include_spanning_lines_keeps_the_line_count() -> None:
    source = (
        '{% include figure.html caption="Set the interpreter\n" filename="k.png" %}\nMarker line.\n'
    )
    converted = _convert(source)
    assert converted.body.count("\n") == source.count("\n")
    assert _line_of(converted.body, "Marker") == _line_of(source, "Marker")
    assert converted.body.startswith("![Set the interpreter](/images/demo/k.png")


def test_figure_target_goes_through_resolve_link() -> None:
    asked: list[str] = []

    def resolve(target: str) -> str | None:
        asked.append(target)
        return "../../images/demo/x.png" if target == "/images/demo/x.png" else None

    converted = _convert(
        '{% include figure.html filename="x.png" alt="X" %}\n'
        '{% include figure.html filename="y.png" alt="Y" %}\n',
        resolve_link=resolve,
    )
    assert asked == ["/images/demo/x.png", "/images/demo/y.png"]
    assert converted.body == "![X](../../images/demo/x.png)\n![Y](/images/demo/y.png)\n"
    assert converted.counts["links_resolved"] == 1
    assert converted.counts["images_unresolved"] == 1


def test_figure_with_an_external_file_name_is_not_resolved() -> None:
    converted = _convert(
        '{% include figure.html filename="https://imgs.xkcd.com/comics/sandwich.png" '
        'caption="Sandwich" %}',
        resolve_link=lambda target: pytest.fail(f"asked about {target}"),
    )
    assert converted.body.startswith("![Sandwich](https://imgs.xkcd.com/comics/sandwich.png ")


def test_indented_figure_is_an_image_not_a_code_block() -> None:
    html = _html('2\\. Click.\n\n    {% include figure.html filename="x.png" alt="Step" %}\n')
    assert '<img src="/images/demo/x.png" alt="Step"' in html
    assert "<pre" not in html


def test_figure_in_a_code_fence_stays_code() -> None:
    source = '```liquid\n{% include figure.html filename="x.png" %}\n```\n'
    converted = _convert(source)
    assert converted.body == source
    assert converted.counts["figures"] == 0


def test_toc_include_is_removed_and_keeps_its_line() -> None:
    converted = _convert("{% include toc.html %}\n# Title\n")
    assert converted.body == "\n# Title\n"
    assert converted.counts["liquid_handled"] == 1


def test_alert_include_becomes_a_note_blockquote() -> None:
    body = _body('{% include alert.html text="Use `p` for [plots](/en/lessons/bokeh)." %}\n')
    assert body == "> **Note:** Use `p` for [plots](/en/lessons/bokeh).\n"


def test_alert_spanning_paragraphs_keeps_every_line_quoted() -> None:
    source = "{% include alert.html text='First.\n\nSecond \"quoted\".' %}\nMarker\n"
    body = _body(source)
    assert body == '> **Note:** First.\n>\n> Second "quoted".\nMarker\n'
    html = _html(source)
    assert "<blockquote>" in html
    assert "Second" in html.split("</blockquote>")[0]


def test_raw_block_keeps_liquid_text_literally_even_in_code() -> None:
    source = (
        "```python\nq = '{% raw %}WHERE {{ {0} }}{% endraw %}'\n```\n"
        "\n`{% raw %}{{ page.title }}{% endraw %}` is Liquid.\n"
    )
    converted = _convert(source)
    assert (
        converted.body == "```python\nq = 'WHERE {{ {0} }}'\n```\n\n`{{ page.title }}` is Liquid.\n"
    )
    assert converted.counts["liquid_handled"] == 2
    assert _messages(converted) == []


def test_raw_block_across_lines_keeps_the_line_count() -> None:
    source = "{% raw %}\n{% if x %}\n{% endraw %}\nMarker\n"
    body = _body(source)
    assert body.count("\n") == source.count("\n")
    assert "{% if x %}" in body
    assert _line_of(body, "Marker") == 4


def test_unclosed_raw_keeps_the_rest_literally_with_a_warning() -> None:
    converted = _convert("Intro\n{% raw %}{{ x }}\nmore")
    assert converted.body == "Intro\n{{ x }}\nmore"
    assert _warnings(converted) == ["{% raw %} without {% endraw %}"]


@pytest.mark.parametrize("output", ["{{ site.baseurl }}", "{{site.baseurl}}", "{{ root_url }}"])
def test_site_baseurl_disappears_and_the_link_is_site_absolute(output: str) -> None:
    asked: list[str] = []
    body = _body(
        f"[the command line]({output}/lessons/intro-to-bash)",
        resolve_link=lambda target: asked.append(target) or "intro-to-bash.md",
    )
    assert asked == ["/lessons/intro-to-bash"]
    assert body == "[the command line](intro-to-bash.md)"


def test_unknown_liquid_is_removed_with_a_warning_naming_it() -> None:
    converted = _convert("A {% assign x = 1 %}B {{ page.title | upcase }}C\n")
    assert converted.body == "A B C\n"
    assert sorted(_warnings(converted)) == [
        "unknown Liquid output {{ page.title | upcase }} removed",
        "unknown Liquid tag {% assign x = 1 %} removed",
    ]
    assert converted.counts["liquid_dropped"] == 2


def test_unknown_include_is_removed_with_a_warning() -> None:
    converted = _convert('{% include youtube.html id="abc" %}\n')
    assert converted.body == "\n"
    assert _warnings(converted) == [
        'unknown Liquid tag {% include youtube.html id="abc" %} removed'
    ]


def test_liquid_in_code_spans_and_blocks_is_left_alone() -> None:
    source = "Write `{{ site.title }}` or `{% if %}`.\n\n    {% for x in y %}\n"
    converted = _convert(source)
    assert converted.body == source
    assert _messages(converted) == []


def test_unclosed_liquid_tag_is_removed_to_the_end_of_its_line() -> None:
    converted = _convert("Text {% include figure.html filename='x.png'\nNext line\n")
    assert converted.body == "Text \nNext line\n"
    assert _warnings(converted) == [
        "unclosed Liquid tag {% include figure.html filename='x.png' removed"
    ]


# kramdown ----------------------------------------------------------------------------------


def test_block_and_trailing_attribute_lists_are_removed() -> None:
    source = (
        "## Heading {#custom-id}\n"
        "A paragraph. {: .note}\n"
        "{: .alert}\n"
        "{:.no_toc}\n"
        "- item {: #first}\n"
        "Marker\n"
    )
    converted = _convert(source)
    assert converted.body == "## Heading\nA paragraph.\n\n\n- item\nMarker\n"
    assert converted.counts["attributes_removed"] == 5


def test_generated_toc_marker_and_extensions_are_removed() -> None:
    source = (
        "* TOC\n{:toc}\n"
        '{::options parse_block_html="true" /}\n'
        "{::comment}\nnot shown\n{:/comment}\n"
        "Marker\n"
    )
    converted = _convert(source)
    assert converted.body == "\n\n\n\n\n\nMarker\n"
    assert converted.counts["attributes_removed"] == 3


def test_braces_in_code_and_math_are_not_attribute_lists() -> None:
    source = (
        "```ruby\nCSV.parse(x, {:headers => true})\n```\n\n"
        "Use `{: .class}` after a block.\n\n$$\n\\{: x \\}\n$$\n"
    )
    converted = _convert(source)
    assert converted.body == source
    assert converted.counts["attributes_removed"] == 0


# Math --------------------------------------------------------------------------------------


def test_double_dollars_alone_in_their_paragraph_are_display_math() -> None:
    source = "Text.\n\n$$\nY = a + bX\n$$\n\n$$F = G \\frac{m}{r}$$\n\nMore.\n"
    converted = _convert(source)
    assert converted.body == source
    assert converted.counts["math_display"] == 2
    rendered = render_markdown(converted.body)
    assert rendered.math_rendered == 2
    assert rendered.html.count('display="block"') == 2


def test_double_dollars_inside_a_line_become_inline_math() -> None:
    converted = _convert("Label $$A$$ for 99 and $$ B $$ for 1 ($$99/100$$).\n")
    assert converted.body == "Label $A$ for 99 and $B$ for 1 ($99/100$).\n"
    assert converted.counts["math_inline"] == 3
    rendered = render_markdown(converted.body)
    assert (rendered.math_rendered, rendered.math_failed) == (3, 0)
    assert 'display="block"' not in rendered.html


def test_single_dollars_are_literal_outside_code_and_math() -> None:
    source = "It costs $5 or \\$6; run `echo $HOME`.\n\n    $ ls\n\n$$x$$\n"
    converted = _convert(source)
    assert converted.body == "It costs \\$5 or \\$6; run `echo $HOME`.\n\n    $ ls\n\n$$x$$\n"
    html = render_markdown(converted.body).html
    assert "It costs $5 or $6" in html
    assert "\\$" not in html


def test_unclosed_double_dollars_stay_literal_text() -> None:
    converted = _convert("A $$ that never\n\ncloses.\n")
    assert converted.body == "A \\$\\$ that never\n\ncloses.\n"
    assert converted.counts["math_inline"] == converted.counts["math_display"] == 0


def test_mathjax_lessons_keep_single_dollar_and_escaped_parenthesis_math() -> None:
    source = (
        "---\nmathjax: true\n---\n"
        "Here $x_{i}$ and \\\\(\\frac{1}{2}\\\\) cost $5 each.\n\n\\\\[\nE = mc^2\n\\\\]\n"
    )
    converted = _convert(source)
    assert converted.body == "Here $x_{i}$ and $\\frac{1}{2}$ cost \\$5 each.\n\n$$\nE = mc^2\n$$\n"
    assert (converted.counts["math_inline"], converted.counts["math_display"]) == (2, 1)
    rendered = render_markdown(converted.body)
    assert (rendered.math_rendered, rendered.math_failed) == (3, 0)


def test_without_mathjax_escaped_parentheses_are_not_math() -> None:
    converted = _convert("Call f\\\\(x\\\\) and pay $x$.\n")
    assert converted.counts["math_inline"] == 0
    assert converted.body == "Call f\\\\(x\\\\) and pay \\$x\\$.\n"


# HTML --------------------------------------------------------------------------------------

TABLE = """Intro:

<table>
<caption>Table 1: Counties</caption>
  <thead>
  <tr>
    <th>County</th>
    <th>Note</th>
  </tr>
  </thead>
  <tr><td>Kent</td><td>a | b<br>c</td></tr>
  <tr><td><code>x|y</code></td><td><i>it</i></td></tr>
</table>
Marker line.
"""


def test_html_table_becomes_a_pipe_table_padded_to_its_line_count() -> None:
    converted = _convert(TABLE)
    lines = converted.body.split("\n")
    assert lines[2:8] == [
        "*Table 1: Counties*",
        "",
        "| County | Note |",
        "|---|---|",
        "| Kent | a \\| b c |",
        "| `x\\|y` | *it* |",
    ]
    assert converted.body.count("\n") == TABLE.count("\n")
    assert _line_of(converted.body, "Marker") == _line_of(TABLE, "Marker")
    html = render_markdown(converted.body).html
    assert "<th>County</th>" in html
    assert "<td>a | b c</td>" in html
    assert "<td><code>x|y</code></td>" in html
    assert "<p>Marker line.</p>" in html
    assert converted.counts["html_converted"] >= 1


def test_html_table_without_a_header_row_uses_its_first_row() -> None:
    body = _body("<table>\n<tr><td>a</td><td>b</td></tr>\n<tr><td>1</td></tr>\n</table>\n")
    assert body.split("\n")[:4] == ["| a | b |", "|---|---|", "| 1 |  |", ""]


def test_html_table_with_spans_is_flattened_with_a_warning() -> None:
    converted = _convert(
        '<table>\n<tr><td rowspan="2">a</td><td>b</td></tr>\n<tr><td>c</td></tr>\n</table>\n'
    )
    assert converted.body == "a · b\nc\n\n\n"
    assert _warnings(converted) == ["HTML table with row or column spans flattened to text"]
    assert converted.counts["html_dropped"] == 1


def test_html_table_in_code_is_left_alone() -> None:
    source = (
        "```html\n<table>\n<tr><td>a</td></tr>\n</table>\n```\n\nUse `<table>` and `</table>`.\n"
    )
    converted = _convert(source)
    assert converted.body == source
    assert converted.counts["html_converted"] == 0


def test_figure_include_inside_a_table_cell_becomes_an_image_in_the_cell() -> None:
    body = _body(
        "<table>\n<tr><th>Image</th></tr>\n"
        '<tr><td>{% include figure.html filename="a.png" alt="A | B" caption="" %}</td></tr>\n'
        "</table>\n"
    )
    assert "| ![A \\| B](/images/demo/a.png) |" in body.split("\n")
    html = render_markdown(body).html
    assert '<td><img src="/images/demo/a.png" alt="A | B"' in html


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("a<br>b<br/>c", "a b c"),
        ("<i>one</i> <em> two </em>", "*one*  *two* "),
        ("<b>bold</b> <strong>strong</strong>", "**bold** **strong**"),
        ("GRE<i>g</i>ORI", "GRE*g*ORI"),
        ("<code>a &lt; b</code>", "`a < b`"),
        ("<code>x`y</code>", "``x`y``"),
        ('<a href="http://x.org/a b">text</a>', "[text](<http://x.org/a b>)"),
        ('<a href="#sec"></a>', "[#sec](#sec)"),
        (
            '<img src="http://x.org/i.png" alt="An [image]">',
            "![An \\[image\\]](http://x.org/i.png)",
        ),
        ("H<sub>2</sub>O and 10<sup>e</sup>", "H2O and 10e"),
        ("<b><i>both</i></b>", "***both***"),
        ("<del>old</del>", "~~old~~"),
        ("Text <!-- hidden --> more", "Text  more"),
        ("\\<div\\> is a tag", "\\<div\\> is a tag"),
    ],
)
def test_inline_html_becomes_markdown(html: str, markdown: str) -> None:
    assert _body(html) == markdown


def test_html_link_or_code_across_paragraphs_loses_its_tags_not_its_paragraphs() -> None:
    converted = _convert('<a href="x">one\n\ntwo</a> <code>a\n\nb</code>\n')
    assert converted.body == "one\n\ntwo a\n\nb\n"
    assert _warnings(converted) == [
        "HTML tag <a> removed (its text is kept)",
        "HTML tag <code> removed (its text is kept)",
    ]


def test_nested_emphasis_renders_as_emphasis() -> None:
    html = _html("<b><i>both</i></b> and <i>a <b>b</b> c</i>")
    assert "<em><strong>both</strong></em>" in html
    assert "<em>a <strong>b</strong> c</em>" in html


def test_alert_div_keeps_its_text_and_drops_the_tags() -> None:
    source = '<div class="alert alert-warning">\nMind the <i>gap</i>.\n</div>\nMarker\n'
    converted = _convert(source)
    assert converted.body == "\nMind the *gap*.\n\nMarker\n"
    assert _messages(converted) == []


def test_multi_line_comment_style_and_unknown_tags() -> None:
    source = (
        "<!-- a comment\nover lines -->\n"
        "<style scoped>\n.x { color: red }\n</style>\n"
        '<span style="color:red">red</span> <foo bar="1">baz</foo>\n'
        "Marker\n"
    )
    converted = _convert(source)
    assert converted.body == "\n\n\n\n\nred baz\nMarker\n"
    assert _warnings(converted) == [
        "HTML <style> element removed",
        "HTML tag <span> removed (its text is kept)",
        "HTML tag <foo> removed (its text is kept)",
    ]
    assert [line for line, _, _ in _messages(converted)] == [3, 6, 6]


def test_unclosed_html_comment_is_removed_to_the_end_of_its_line() -> None:
    converted = _convert("Text <!-- never closed\nNext\n")
    assert converted.body == "Text \nNext\n"
    assert _warnings(converted) == ["unclosed HTML comment removed to the end of its line"]


def test_html_anchor_without_href_is_removed_with_a_warning() -> None:
    converted = _convert('## Setup <a id="section1"></a>\n')
    assert converted.body == "## Setup \n"
    assert _warnings(converted) == ["HTML anchor <a id='section1'> removed"]


def test_multi_line_img_tag_keeps_the_line_count() -> None:
    source = '<img src="/images/l/a.png"\n  alt="A screenshot"/>\nMarker\n'
    converted = _convert(source)
    assert converted.body == "![A screenshot](/images/l/a.png)\n\nMarker\n"


def test_iframe_becomes_a_link_with_a_warning() -> None:
    converted = _convert('<iframe src="https://player.vimeo.com/video/1" width="640"></iframe>')
    assert converted.body == "[https://player.vimeo.com/video/1](https://player.vimeo.com/video/1)"
    assert _warnings(converted) == [
        "embedded frame https://player.vimeo.com/video/1 shown as a link"
    ]


def test_html_lists_and_headings_become_markdown() -> None:
    html = _html("<h3>Glossary</h3>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<hr>\n")
    assert '<h3 id="glossary">Glossary</h3>' in html
    assert "<li>one</li>" in html
    assert "<hr>" in html


def test_html_in_code_is_left_alone() -> None:
    source = '```html\n<div class="alert"><b>x</b></div>\n<!-- c -->\n```\n\nType `<br>`.\n'
    converted = _convert(source)
    assert converted.body == source
    assert _messages(converted) == []


# Links -------------------------------------------------------------------------------------


def _lessons(target: str) -> str | None:
    known = {
        "/en/lessons/intro-to-bash": "../../en/lessons/intro-to-bash.md",
        "/lessons/counting-frequencies.html": "counting-frequencies.md",
        "/es/lecciones/introduccion-a-bash/": "../lecciones/introduccion-a-bash.md",
    }
    return known.get(target)


def test_site_links_are_resolved_and_keep_their_fragment() -> None:
    converted = _convert(
        "[Bash](/en/lessons/intro-to-bash#setup), [count](/lessons/counting-frequencies.html), "
        "[es](/es/lecciones/introduccion-a-bash/)\n",
        resolve_link=_lessons,
    )
    assert converted.body == (
        "[Bash](../../en/lessons/intro-to-bash.md#setup), [count](counting-frequencies.md), "
        "[es](../lecciones/introduccion-a-bash.md)\n"
    )
    assert converted.counts["links_resolved"] == 3


def test_site_link_not_in_the_pack_becomes_its_text_with_a_warning() -> None:
    converted = _convert(
        "\nSee [the *other* lesson](/fr/lecons/autre) now.\n", resolve_link=_lessons
    )
    assert converted.body == "\nSee the *other* lesson now.\n"
    assert _messages(converted) == [(2, "warning", "site link not in this pack: /fr/lecons/autre")]
    assert converted.counts["links_unresolved"] == 1


def test_relative_unknown_links_stay_and_external_links_are_never_resolved() -> None:
    asked: list[str] = []
    source = (
        "[rel](other-lesson.html) [web](https://example.org/x) [mail](mailto:a@b.c) "
        "[top](#top) <https://auto.link/$x>\n"
    )
    converted = _convert(source, resolve_link=lambda target: asked.append(target) or None)
    assert asked == ["other-lesson.html"]
    assert converted.body == source
    assert _messages(converted) == []


def test_without_a_resolver_links_stay_as_written() -> None:
    source = "[a](/en/lessons/x) ![b](/images/x/b.png)\n"
    assert _body(source) == source


def test_nested_image_link_is_resolved_inside_and_out() -> None:
    body = _body(
        "[![Logo](/images/logo.png)](/en/lessons/intro-to-bash)",
        resolve_link=lambda target: "bash.md" if target.endswith("bash") else None,
    )
    assert body == "[![Logo](/images/logo.png)](bash.md)"


def test_reference_definitions_are_resolved_or_dropped_with_their_uses() -> None:
    source = (
        "Read [the bash lesson][bash], [Other][] and [other].\n"
        "![shot][img]\n\n"
        "[bash]: /en/lessons/intro-to-bash\n"
        "[other]: /lessons/missing-lesson\n"
        "[img]: /images/x/shot.png\n"
    )
    converted = _convert(source, resolve_link=_lessons)
    assert converted.body == (
        "Read [the bash lesson][bash], Other and other.\n"
        "![shot][img]\n\n"
        "[bash]: ../../en/lessons/intro-to-bash.md\n"
        "\n"
        "[img]: /images/x/shot.png\n"
    )
    assert _messages(converted) == [
        (5, "warning", "site link not in this pack: /lessons/missing-lesson")
    ]


# Lines, messages, hostile input --------------------------------------------------------------


def test_every_construct_keeps_the_line_of_a_marker_word() -> None:
    source = (
        "---\ntitle: T\n---\n"
        "{% include toc.html %}\n"
        '{% include figure.html filename="f.png"\n  caption="multi\nline" %}\n'
        "<table>\n<tr><th>a</th></tr>\n<tr><td>1</td></tr>\n\n</table>\n"
        "<!--\ncomment\n-->\n"
        "{% include alert.html text='one\n\ntwo' %}\n"
        "{::comment}\nx\n{:/comment}\n"
        "$$\na\n$$\n"
        '<img src="a.png"\n alt="b">\n'
        "MARKER here.\n"
    )
    converted = _convert(source)
    assert converted.body.count("\n") + converted.body_line_offset == source.count("\n")
    assert converted.body_line_offset + _line_of(converted.body, "MARKER") == _line_of(
        source, "MARKER"
    )


def test_message_lines_point_into_the_source_file() -> None:
    source = LESSON + '\nText.\n\n{% include figure.html filename="late.png" %}\n'
    converted = _convert(source)
    assert _messages(converted) == [
        (
            _line_of(source, "late.png"),
            "warning",
            "figure late.png has no alt text; its caption is used",
        )
    ]


def test_private_use_placeholder_characters_in_the_source_are_replaced() -> None:
    converted = _convert("a \ue0000.0\ue001 b `c`\n")
    assert converted.body == "a \ufffd0.0\ufffd b `c`\n"
    assert _warnings(converted) == ["private-use characters U+E000/U+E001 replaced by U+FFFD"]


@pytest.mark.parametrize(
    "source",
    [
        "{% x " * 2000,
        "{{ x " * 2000,
        "<a href='x'>" * 2000,
        "<!--" * 2000,
        "<table>\n" * 2000,
        "<i>" * 500 + "deep" + "</i>" * 500,
        "`" * 3000 + "x",
        "$$" * 3000,
        "[" * 3000 + "](/x)",
        '{% include figure.html caption="' * 500,
    ],
)
def test_hostile_unclosed_constructs_convert_and_render(source: str) -> None:
    converted = _convert(source, resolve_link=lambda target: None)
    assert converted.body.count("\n") == source.count("\n")
    assert all(severity == "warning" for _, severity, _ in converted.messages)
    render_markdown(converted.body)


# The Programming Historian corpus ----------------------------------------------------------


@pytest.fixture(scope="module")
def ph_lessons() -> list[tuple[str, str]]:
    if not PH.is_dir():
        pytest.skip(f"Programming Historian corpus not found at {PH}")
    lessons = sorted(PH.rglob("*.md"))
    return [(path.relative_to(PH).as_posix(), path.read_text(encoding="utf-8")) for path in lessons]


def _pack_resolver(paths: list[str]) -> Callable[[str], str | None]:
    """Maps PH site links (/en/lessons/x, /lessons/x.html, /es/lecciones/x/) to corpus files."""
    by_slug = {(PurePosixPath(path).parts[0], PurePosixPath(path).stem): path for path in paths}

    def resolve(target: str) -> str | None:
        parts = [part for part in target.split("/") if part]
        if len(parts) == 2 and parts[0] == "lessons":
            parts = ["en", *parts]
        if len(parts) != 3 or parts[1] not in ("lessons", "lecciones", "lecons", "licoes"):
            return None
        slug = parts[2].removesuffix(".html")
        found = by_slug.get((parts[0], slug))
        return f"/pack/{found}" if found else None

    return resolve


def _recording(
    resolve: Callable[[str], str | None], asked: list[str]
) -> Callable[[str], str | None]:
    """``resolve``, noting every target it is asked about in ``asked``."""

    def recording(target: str) -> str | None:
        asked.append(target)
        return resolve(target)

    return recording


@pytest.mark.corpora
def test_every_lesson_converts_and_keeps_its_line_count(ph_lessons: list[tuple[str, str]]) -> None:
    assert len(ph_lessons) == 151
    for path, text in ph_lessons:
        converted = convert(text, path=path, resolve_link=lambda target: None)
        assert converted.front["title"], path
        assert set(COUNT_NAMES) <= set(converted.counts), path
        source_lines = text.count("\n") + 1 - converted.body_line_offset
        assert converted.body.count("\n") + 1 == source_lines, path
        last_line = text.count("\n") + 1
        for line, severity, message in converted.messages:
            assert severity == "warning", (path, message)
            assert 1 <= line <= last_line, (path, line, message)


@pytest.mark.corpora
def test_rendered_lessons_show_no_jekyll_kramdown_or_html_markup(
    ph_lessons: list[tuple[str, str]],
) -> None:
    leftovers: list[str] = []
    for path, text in ph_lessons:
        converted = convert(text, path=path)
        rendered = render_markdown(converted.body, line_offset=converted.body_line_offset)
        prose = _prose_html(rendered.html)
        leftovers += [f"{path}: {match[0]}" for match in _LEFTOVER_MARKUP.finditer(prose)]
        assert not [problem for problem in rendered.problems if problem.severity == "error"], path
    assert leftovers == []


@pytest.mark.corpora
def test_math_renders_as_mathml_wherever_the_source_has_it(
    ph_lessons: list[tuple[str, str]],
) -> None:
    lessons_with_math = 0
    for path, text in ph_lessons:
        converted = convert(text, path=path)
        rendered = render_markdown(converted.body)
        formulas = converted.counts["math_inline"] + converted.counts["math_display"]
        # Every dollar that is not a converted formula was escaped: the renderer finds no other.
        assert (rendered.math_rendered, rendered.math_failed) == (formulas, 0), path
        if "$$" in text:
            lessons_with_math += 1
            assert formulas > 0, path
            assert "<math " in rendered.html, path
    assert lessons_with_math == 6


@pytest.mark.corpora
def test_every_figure_include_becomes_one_image(ph_lessons: list[tuple[str, str]]) -> None:
    total = 0
    for path, text in ph_lessons:
        converted = convert(text, path=path, resolve_link=lambda target: None)
        includes = len(_FIGURE_INCLUDE.findall(text))
        assert converted.counts["figures"] == includes, path
        assert converted.counts["liquid_handled"] >= includes, path
        html = render_markdown(converted.body).html
        slug = PurePosixPath(path).stem
        assert html.count(f'src="/images/{slug}/') >= includes - 2, path  # 2 are remote images
        total += includes
    assert total == 1038


@pytest.mark.corpora
def test_counts_add_up_with_a_resolver_for_the_pack(ph_lessons: list[tuple[str, str]]) -> None:
    resolve = _pack_resolver([path for path, _ in ph_lessons])
    totals = dict.fromkeys(COUNT_NAMES, 0)
    for path, text in ph_lessons:
        asked: list[str] = []
        converted = convert(text, path=path, resolve_link=_recording(resolve, asked))
        counts = converted.counts
        answered = counts["links_resolved"] + counts["links_unresolved"]
        assert answered + counts["images_unresolved"] <= len(asked), path
        unresolved_warnings = sum(
            "site link not in this pack" in message for _, _, message in converted.messages
        )
        assert unresolved_warnings >= counts["links_unresolved"], path
        for name in COUNT_NAMES:
            totals[name] += counts[name]
    assert totals["figures"] == 1038
    assert totals["links_resolved"] > 200  # the corpus holds a fraction of PH's lessons
    assert totals["math_inline"] > 0
    assert totals["math_display"] > 0
    assert totals["liquid_dropped"] == 0


@pytest.mark.corpora
def test_corpus_metadata_retired_and_translations(ph_lessons: list[tuple[str, str]]) -> None:
    retired = []
    translations = 0
    for path, text in ph_lessons:
        front = convert(text, path=path).front
        if front["retired"]:
            retired.append(path)
        if front["translation_of"]:
            translations += 1
            assert front["translators"], path
        assert front["license"] is None
        assert isinstance(front["minutes"], int)
        assert front["summary"], path
    assert len(retired) == 8
    assert all("/retired/" in path or "/retirada/" in path for path in retired)
    assert translations == 65
