"""Code highlighting: Pygments classes on the server, plain code for unknown languages, CSS."""

from __future__ import annotations

import re

from eduhub.rendering import highlight_css, render_markdown
from eduhub.rendering.highlight import MAX_HIGHLIGHT_CHARS


def test_known_language_is_highlighted_with_classes() -> None:
    html = render_markdown('```python\ndef f():\n    return "x"\n```\n').html
    assert html.startswith(
        '<pre class="highlight" tabindex="0" role="region" aria-label="Code">'
        '<code class="language-python">'
    )
    assert '<span class="k">def</span><span class="w"> </span><span class="nf">f</span>' in html
    assert '<span class="k">return</span> <span class="s2">"x"</span>' in html
    assert html.endswith("</code></pre>\n")


def test_language_alias_and_case() -> None:
    html = render_markdown("```JS\nlet x = 1;\n```\n").html
    assert '<code class="language-js">' in html
    assert '<span class="kd">let</span>' in html


def test_unknown_language_is_plain_escaped_code_keeping_its_name() -> None:
    html = render_markdown("```klingon\n<b>qapla'</b> & x\n```\n").html
    assert html == (
        '<pre class="highlight" tabindex="0" role="region" aria-label="Code">'
        '<code class="language-klingon">'
        "&lt;b&gt;qapla'&lt;/b&gt; &amp; x\n</code></pre>\n"
    )


def test_missing_language_and_indented_code_are_plain() -> None:
    fenced = render_markdown("```\n<i>x</i>\n```\n").html
    indented = render_markdown("    <i>x</i>\n").html
    assert (
        fenced == indented == '<pre class="highlight" tabindex="0" role="region" aria-label="Code">'
        "<code>&lt;i&gt;x&lt;/i&gt;\n</code></pre>\n"
    )


def test_info_string_extras_are_ignored() -> None:
    html = render_markdown('```python title="x.py"\npass\n```\n').html
    assert '<code class="language-python"><span class="k">pass</span>' in html


def test_code_is_kept_in_the_search_text() -> None:
    rendered = render_markdown("```python\nprint(  'hello' )\n```\n")
    assert rendered.text == "print( 'hello' )"


def test_huge_blocks_are_not_highlighted() -> None:
    code = "x = 1\n" * (MAX_HIGHLIGHT_CHARS // 6 + 1)
    html = render_markdown(f"```python\n{code}```\n").html
    assert '<code class="language-python">x = 1\n' in html
    assert "<span" not in html


def test_css_is_scoped_under_highlight_and_covers_the_classes_used() -> None:
    css = highlight_css()
    rules = [line for line in css.splitlines() if line.strip()]
    assert rules
    assert all(rule.startswith(".highlight") for rule in rules)
    assert ".highlight { background: #f8f8f8; }" in rules
    for css_class in ("k", "nf", "s2", "kd"):
        assert f".highlight .{css_class} " in css
    assert "pre {" not in css
    assert "linenos" not in css


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_css_token_colours_meet_wcag_aa_contrast() -> None:
    css = highlight_css()
    background = _luminance(re.search(r"\.highlight \{ background: (#\w+)", css).group(1))
    colours = re.findall(r"^\.highlight \.(\w+) \{[^}]*?color: (#\w+)", css, re.MULTILINE)
    assert len(colours) > 20
    for css_class, colour in colours:
        if css_class in ("w", "hll"):  # whitespace is invisible; hll is a background
            continue
        foreground = _luminance(colour)
        ratio = (max(foreground, background) + 0.05) / (min(foreground, background) + 0.05)
        assert ratio >= 4.5, (css_class, colour, ratio)


def test_css_is_computed_once() -> None:
    assert highlight_css() is highlight_css()
