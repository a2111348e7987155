"""The nh3 allowlist: MathML and lesson HTML survive, scripts, styles and handlers do not."""

from __future__ import annotations

from latex2mathml.converter import convert

from eduhub.rendering.sanitizer import sanitize


def test_mathml_survives_with_its_attributes() -> None:
    html = (
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow>'
        '<mo stretchy="true" fence="true" form="prefix">(</mo>'
        '<mfrac linethickness="0"><mi mathvariant="bold">a</mi><mn>2</mn></mfrac>'
        "<msubsup><mi>x</mi><mn>1</mn><mn>2</mn></msubsup><msqrt><mi>y</mi></msqrt>"
        '<mtable columnalign="left"><mtr><mtd><mspace width="1em"></mspace></mtd></mtr></mtable>'
        '<menclose notation="box"><mi>z</mi></menclose>'
        "</mrow>"
        '<annotation encoding="application/x-tex">\\frac{a}{2}</annotation></semantics></math>'
    )
    assert sanitize(html) == html


def test_raw_latex2mathml_output_is_defused() -> None:
    # What latex2mathml emits for \text{<script>…} and \href{javascript:…}, if it ever got here.
    script = convert(r"\text{<script>alert(1)</script>}")
    link = convert(r"\href{javascript:alert(1)}{x}")
    assert "<script>" in script
    assert 'href="javascript:' in link
    assert sanitize(script) == (
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
        "<mrow><mtext></mtext></mrow></math>"
    )
    assert sanitize(link) == (
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
        "<mrow><mrow><mrow><mi>x</mi></mrow></mrow></mrow></math>"
    )


def test_mathml_elements_outside_math_are_dropped() -> None:
    assert sanitize("<p><mrow><mi>x</mi></mrow></p>") == "<p></p>"


def test_no_style_and_no_event_handlers_anywhere() -> None:
    html = (
        '<p style="color:red" onclick="x">a</p><img src="x.png" alt="" onerror="x">'
        '<math display="inline" style="x" onmouseover="y"><mi style="z">b</mi></math>'
    )
    assert sanitize(html) == (
        '<p>a</p><img src="x.png" alt=""><math display="inline"><mi>b</mi></math>'
    )


def test_link_schemes_are_limited_to_http_https_mailto_and_relative() -> None:
    html = (
        '<a href="javascript:alert(1)">a</a><a href="data:text/html,x">b</a>'
        '<a href="https://x.org">c</a><a href="mailto:a@b.org">d</a><a href="../x">e</a>'
        '<img src="data:image/png;base64,AAAA" alt="f">'
    )
    assert sanitize(html) == (
        '<a>a</a><a>b</a><a href="https://x.org">c</a><a href="mailto:a@b.org">d</a>'
        '<a href="../x">e</a><img alt="f">'
    )


def test_no_rel_is_added_and_only_the_renderers_rel_is_kept() -> None:
    html = (
        '<a href="/lessons/x">in</a><a href="https://x.org" rel="noopener noreferrer">out</a>'
        '<a href="https://x.org" rel="opener">bad</a>'
    )
    assert sanitize(html) == (
        '<a href="/lessons/x">in</a><a href="https://x.org" rel="noopener noreferrer">out</a>'
        '<a href="https://x.org">bad</a>'
    )


def test_only_disabled_checkboxes_survive_as_inputs() -> None:
    html = (
        '<input class="task-list-item-checkbox" checked="checked" disabled="disabled" '
        'type="checkbox"><input type="text" value="x" name="n"><input type="submit">'
    )
    assert sanitize(html) == (
        '<input class="task-list-item-checkbox" checked="checked" disabled="disabled" '
        'type="checkbox"><input><input>'
    )


def test_lesson_structure_survives() -> None:
    html = (
        '<h2 id="qué-es">Qué es</h2><aside class="admonition admonition-tip" role="note">'
        '<p class="admonition-title">Tip</p></aside>'
        '<details class="admonition admonition-solution"><summary>Solution</summary></details>'
        '<pre class="highlight"><code class="language-python"><span class="k">def</span></code>'
        '</pre><table><thead><tr><th class="align-right">a</th></tr></thead><tbody><tr>'
        '<td class="align-right">1</td></tr></tbody></table><dl><dt>t</dt><dd>d</dd></dl>'
        '<section class="footnotes"><ol class="footnotes-list"><li id="fn1" class="footnote-item">'
        "n</li></ol></section><hr><blockquote><p><del>x</del><s>y</s><sub>2</sub><br></p>"
        "</blockquote>"
    )
    assert sanitize(html) == html


def test_aside_role_is_limited_and_scripts_lose_their_content() -> None:
    html = '<aside role="alert">a</aside><script>alert(1)</script><style>p{}</style><!-- c -->'
    assert sanitize(html) == "<aside>a</aside>"


def test_only_tabindex_zero_survives_on_scrolling_blocks() -> None:
    from eduhub.rendering.sanitizer import sanitize

    kept = sanitize('<table tabindex="0"><tr><td>1</td></tr></table><pre tabindex="0">x</pre>')
    assert '<table tabindex="0">' in kept
    assert '<pre tabindex="0">' in kept
    dropped = sanitize(
        '<table tabindex="5"></table><p tabindex="0">p</p><div tabindex="-1">d</div>'
    )
    assert "tabindex" not in dropped


def test_scrolling_boxes_keep_only_their_own_names() -> None:
    kept = sanitize('<pre tabindex="0" role="region" aria-label="Code">x</pre>')
    assert 'role="region"' in kept
    assert 'aria-label="Code"' in kept
    dropped = sanitize(
        '<pre role="button" aria-label="Click me">x</pre><p role="region" aria-label="Code">p</p>'
    )
    assert "aria-label" not in dropped
    assert "role" not in dropped
