"""render_markdown: the Markdown features lessons use, metadata, and per-call isolation."""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

import eduhub.rendering
from eduhub.rendering import RENDERER_VERSION, Rendered, TocEntry, render_markdown


def test_public_api_is_exactly_the_documented_names() -> None:
    assert set(eduhub.rendering.__all__) == {
        "RENDERER_VERSION",
        "LinkRef",
        "Problem",
        "Rendered",
        "Resolver",
        "TocEntry",
        "highlight_css",
        "render_markdown",
    }
    assert isinstance(RENDERER_VERSION, int)
    assert RENDERER_VERSION >= 1
    assert [field.name for field in dataclasses.fields(Rendered)] == [
        "html",
        "toc",
        "text",
        "headings",
        "problems",
        "math_rendered",
        "math_failed",
        "images",
        "images_resolved",
        "links",
        "links_resolved",
        "admonitions",
        "anchors",
        "lesson_links",
        "quizzes",
    ]


def test_anchors_and_lesson_links_let_the_validator_check_fragments() -> None:
    class Resolver:
        def link(self, target: str) -> str | None:
            return "/lessons/org/two" if target == "two.md" else None

        def image(self, target: str) -> str | None:
            return None

    source = (
        "# Uno\n\n## Cómo regar\n\nSee [two](two.md#práctica),\n"
        "[here](#cómo-regar)[^1].\n\n[^1]: Note.\n"
    )
    rendered = render_markdown(source, Resolver(), line_offset=10)
    assert {"uno", "cómo-regar"} <= set(rendered.anchors)
    assert any(anchor.startswith("fn") for anchor in rendered.anchors)
    assert [(ref.line, ref.url, ref.fragment) for ref in rendered.lesson_links] == [
        (15, "/lessons/org/two", "práctica"),
        (16, "", "cómo-regar"),
    ]


def test_results_are_immutable() -> None:
    rendered = render_markdown("# Title")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rendered.html = "<script>"  # type: ignore[misc]
    assert isinstance(rendered.toc, tuple)
    assert isinstance(rendered.problems, tuple)


def test_empty_document() -> None:
    rendered = render_markdown("")
    assert rendered == Rendered(
        html="",
        toc=(),
        text="",
        headings=(),
        problems=(),
        math_rendered=0,
        math_failed=0,
        images=0,
        images_resolved=0,
        links=0,
        links_resolved=0,
        admonitions=0,
    )


def test_paragraph_emphasis_and_line_breaks() -> None:
    html = render_markdown("Some *em* and **strong** text.  \nNext line").html
    assert html == "<p>Some <em>em</em> and <strong>strong</strong> text.<br>\nNext line</p>\n"


def test_table_alignment_uses_classes_not_style() -> None:
    html = render_markdown("| left | mid | right |\n|:--|:-:|--:|\n| a | b | c |\n").html
    assert '<table tabindex="0" aria-label="Table">' in html
    assert '<th class="align-left">left</th>' in html
    assert '<th class="align-center">mid</th>' in html
    assert '<td class="align-right">c</td>' in html
    assert "style" not in html


def test_strikethrough() -> None:
    html = render_markdown("~~gone~~ kept").html
    assert re.search(r"<(s|del)>gone</\1> kept", html)


def test_footnotes() -> None:
    rendered = render_markdown("Claim[^1] and inline^[a side note].\n\n[^1]: The source.\n")
    html = rendered.html
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>' in html
    assert '<section class="footnotes">' in html
    assert '<li id="fn1" class="footnote-item"><p>The source.' in html
    assert 'href="#fnref1"' in html
    assert "a side note" in html
    assert rendered.text.splitlines() == ["Claim and inline.", "The source.", "a side note"]


def test_task_lists_render_disabled_checkboxes_named_by_their_text() -> None:
    html = render_markdown("- [ ] to do\n- [x] done\n").html
    assert '<ul class="contains-task-list">' in html
    # The label wraps box and text, so assistive technology reads the item's text as its name.
    assert (
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'disabled="disabled" type="checkbox"> to do</label></li>'
    ) in html
    assert 'checked="checked" disabled="disabled" type="checkbox"> done' in html


def test_definition_lists() -> None:
    html = render_markdown("Term\n: The definition.\n").html
    assert html == "<dl>\n<dt>Term</dt>\n<dd>The definition.</dd>\n</dl>\n"


def test_headings_get_unique_ids_and_h2_h3_form_the_toc() -> None:
    rendered = render_markdown(
        "# Lesson\n\n## Setup\n\n### Tools `pip`\n\n#### Deep\n\n## Setup\n\n## Setup\n"
    )
    assert '<h1 id="lesson">Lesson</h1>' in rendered.html
    assert '<h2 id="setup">Setup</h2>' in rendered.html
    assert '<h2 id="setup-1">Setup</h2>' in rendered.html
    assert '<h2 id="setup-2">Setup</h2>' in rendered.html
    assert '<h3 id="tools-pip">Tools <code>pip</code></h3>' in rendered.html
    assert '<h4 id="deep">Deep</h4>' in rendered.html
    assert rendered.toc == (
        TocEntry(2, "setup", "Setup"),
        TocEntry(3, "tools-pip", "Tools pip"),
        TocEntry(2, "setup-1", "Setup"),
        TocEntry(2, "setup-2", "Setup"),
    )
    assert rendered.headings == ("Lesson", "Setup", "Tools pip", "Deep", "Setup", "Setup")


def test_toc_anchors_match_heading_ids_in_the_html() -> None:
    rendered = render_markdown("## ¿Qué es la energía?\n\n### Energía *solar* y eólica\n")
    assert rendered.toc == (
        TocEntry(2, "qué-es-la-energía", "¿Qué es la energía?"),
        TocEntry(3, "energía-solar-y-eólica", "Energía solar y eólica"),
    )
    for entry in rendered.toc:
        assert f'id="{entry.anchor}"' in rendered.html


def test_setext_headings_and_empty_headings() -> None:
    rendered = render_markdown("Title\n=====\n\nSub\n---\n\n## !!!\n\n##\n")
    assert rendered.headings == ("Title", "Sub", "!!!", "")
    assert [entry.anchor for entry in rendered.toc] == ["sub", "section", "section-1"]


def test_text_is_plain_whitespace_normalised_blocks() -> None:
    source = (
        "# The   *title*\n\n"
        "A paragraph with [a link](https://example.org) and `code`,\nover two lines.\n\n"
        "- item **one**\n- item two\n\n"
        "| h1 | h2 |\n|---|---|\n| c1 | c2 |\n\n"
        "```python\nx  =  1\nprint(x)\n```\n\n"
        "Energy $E = mc^2$.\n\n"
        "$$\n\\frac{1}{2}\n$$\n\n"
        "![A diagram](images/d.png)\n"
    )
    rendered = render_markdown(source)
    assert rendered.text == "\n".join(
        [
            "The title",
            "A paragraph with a link and code, over two lines.",
            "item one",
            "item two",
            "h1",
            "h2",
            "c1",
            "c2",
            "x = 1 print(x)",
            "Energy E = mc^2.",
            "\\frac{1}{2}",
            "A diagram",
        ]
    )
    assert "<" not in rendered.text


def test_state_does_not_leak_between_calls() -> None:
    first = render_markdown("## Same\n\nNote[^1].\n\n[^1]: First only.\n")
    second = render_markdown("## Same\n\nNo notes here.\n")
    assert first.toc == second.toc == (TocEntry(2, "same", "Same"),)
    assert "First only" not in second.html
    assert "footnote" not in second.html


def test_concurrent_renders_match_serial_renders() -> None:
    sources = [
        f"## Part {n}\n\nText $x^{n}$ [^a]\n\n::: tip\nTip {n}\n:::\n\n[^a]: note {n}\n"
        for n in range(40)
    ]
    serial = [render_markdown(source) for source in sources]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(render_markdown, sources))
    assert parallel == serial


def _lesson(size: int) -> str:
    section = (
        "## Section {n}\n\n"
        "Panels turn *sunlight* into current: $P = 400\\,\\text{{W}}$ for $h = 4.5$ hours\n"
        "gives $E = P h$[^n{n}]. See [the next lesson](next.md#practice) or\n"
        "[the city](https://energy.example.org/). Panels cost $5 and $10 per watt.\n\n"
        "![Panel {n}](images/panel.svg)\n\n"
        "| quantity | unit |\n|---|--:|\n| power | W |\n\n"
        "- [x] read\n- [ ] try `code`\n\nTerm {n}\n: definition ~~old~~ new\n\n"
        "::: exercise Estimate\nHow many panels fit on $20\\,\\text{{m}}^2$?\n:::\n\n"
        "::: solution\nAbout $\\frac{{20}}{{1.7}} \\approx 11$.\n:::\n\n"
        "```python\ndef energy(p: float, h: float) -> float:\n    return p * h / 1000\n```\n\n"
        "$$\nE = \\sum_{{d=1}}^{{365}} P h_d\n$$\n\n"
        "[^n{n}]: Sun hours vary.\n\n"
    )
    parts = ["# Solar energy\n\n"]
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(section.format(n=n))
    return "".join(parts)


class _AllFound:
    def link(self, target: str) -> str | None:
        return f"/lessons/org/{target}"

    def image(self, target: str) -> str | None:
        return f"/media/org/{target}"


def test_a_20kb_lesson_with_every_feature_renders_cleanly() -> None:
    # Its render time is printed by bench/render.py; timing is not asserted in tests.
    source = _lesson(20_000)
    assert 20_000 <= len(source.encode()) < 22_000
    rendered = render_markdown(source, _AllFound())
    assert rendered.problems == ()
    assert rendered.math_rendered > 50
    assert rendered.math_failed == 0
