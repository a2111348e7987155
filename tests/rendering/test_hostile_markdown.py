"""Hostile input: nothing executable reaches the HTML, and nothing crashes or hangs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from eduhub.rendering import render_markdown

DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data|file):")
ALWAYS_FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "form", "svg", "base"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    """No executable markup: checked on the parsed tags and on the raw string."""
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*\sstyle\s*=", html, re.IGNORECASE)
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag not in ALWAYS_FORBIDDEN_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            if name in ("href", "src"):
                probe = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert not DANGEROUS_SCHEME.match(probe), (tag, name, value)
                assert not (tag == "img" and probe.startswith(("http:", "https:", "//"))), value


HOSTILE_LINKS = {
    "javascript": "[x](javascript:alert(1))",
    "mixed case": "[x](JaVaScRiPt:alert(1))",
    "entity": "[x](jav&#x61;script:alert(1))",
    "named entity colon": "[x](javascript&colon;alert(1))",
    "tab entity": "[x](java&#09;script:alert(1))",
    "percent colon": "[x](javascript%3Aalert(1))",
    "leading space": "[x]( javascript:alert(1))",
    "data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data html": "[x](data:text/html,%3Cscript%3Ealert(1)%3C/script%3E)",
    "vbscript": "[x](vbscript:msgbox(1))",
    "file": "[x](file:///etc/passwd)",
    "reference": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "image javascript": "![x](javascript:alert(1))",
    "image data": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "image vbscript": "![x](VBScript:alert(1))",
}


@pytest.mark.parametrize("source", HOSTILE_LINKS.values(), ids=HOSTILE_LINKS.keys())
def test_dangerous_link_schemes_never_produce_an_href(source: str) -> None:
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    for word in ("javascript", "vbscript", "data:", "file:", "href=", "src="):
        assert word not in rendered.html.lower()
    assert rendered.html in ("<p>x</p>\n", '<p><span class="image-missing">x</span></p>\n')
    assert len(rendered.problems) == 1
    assert rendered.problems[0].severity == "warning"
    assert "removed" in rendered.problems[0].message


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Text <script>alert(1)</script> inline",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<div onclick='alert(1)'>\n\n*md*\n\n</div>",
        "<style>body{display:none}</style>",
        "<iframe src=https://evil.example></iframe>",
        "<svg onload=alert(1)>",
        "<!-- comment --> <?php echo 1; ?> <![CDATA[x]]>",
    ],
)
def test_raw_html_is_shown_as_text(source: str) -> None:
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert "&lt;" in rendered.html
    # The only tags are the ones Markdown itself made.
    assert set(re.findall(r"<(\w+)", rendered.html)) <= {"p", "em"}


def test_javascript_autolink_is_text_without_a_link() -> None:
    rendered = render_markdown("<javascript:alert(1)>")
    assert rendered.html == "<p>javascript:alert(1)</p>\n"
    assert [problem.message for problem in rendered.problems] == [
        "link with scheme 'javascript:' removed"
    ]


def test_script_source_is_visible_text() -> None:
    html = render_markdown("<script>alert(1)</script>").html
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_attribute_syntax_is_not_enabled() -> None:
    source = "[x](https://example.org){onclick=alert(1)}\n\n# Title {style=color:red}\n"
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert "{onclick=alert(1)}</p>" in rendered.html
    assert '<h1 id="title-stylecolorred">Title {style=color:red}</h1>' in rendered.html


def test_code_blocks_cannot_smuggle_markup() -> None:
    source = '```html\n<script>alert(1)</script>\n```\n\n```"><script>x</script>\n<b>\n```'
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert '<span class="nt">script</span>' in rendered.html
    assert '<code class="language-scriptxscript">&lt;b&gt;' in rendered.html
    assert "<b>" not in rendered.html


def test_math_cannot_smuggle_markup_or_links() -> None:
    source = (
        "$\\href{javascript:alert(1)}{x}$ and $\\text{<script>alert(1)</script>}$\n\n"
        "$$\n\\text{</math><img src=https://evil.example/t.png>}\n$$\n"
    )
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert "href=" not in rendered.html
    assert "<img" not in rendered.html
    assert rendered.math_failed == 3


def test_remote_image_tracking_pixels_are_not_loaded() -> None:
    source = (
        "![x](https://evil.example/t.png) ![y](//evil.example/t.png) ![z](/\\evil.example/t.png)"
    )
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert "<img" not in rendered.html


@pytest.mark.parametrize(
    "source",
    [
        "- " * 1000 + "deep",
        "\n".join("  " * level + "- item" for level in range(1000)),
        ">" * 1000 + " deep",
        "\n".join("> " * level + "- x" for level in range(300)),
        "1. " * 1000 + "deep",
        "*" * 5000 + "x" + "*" * 5000,
        "[" * 5000 + "x" + "]" * 5000,
        "\n".join(":" * (203 - level) + " note" for level in range(200)),
        "::: note\n" * 1000,
        "$" * 10000,
        "$$\n" * 1000,
        "```\n" * 1000,
        "[^1]" * 1000 + "\n\n[^1]: x",
    ],
    ids=[
        "bullets",
        "indented-lists",
        "blockquotes",
        "quoted-lists",
        "ordered",
        "emphasis",
        "brackets",
        "admonitions",
        "unclosed-admonitions",
        "dollars",
        "display-dollars",
        "fences",
        "footnote-refs",
    ],
)
def test_deep_nesting_and_runs_render_safely(source: str) -> None:
    # How long these take is measured by bench/render.py, not asserted here.
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert rendered.html


def test_a_200kb_document_renders() -> None:
    paragraph = "Energy $E = mc^2$ with [a link](other.md) and `code` and *emphasis*.\n\n"
    source = paragraph * (200_000 // len(paragraph) + 1)
    assert len(source) > 200_000
    rendered = render_markdown(source)
    assert rendered.math_rendered == source.count("$E")
    assert rendered.links == source.count("](other.md)")


def test_nul_bytes_become_replacement_characters() -> None:
    rendered = render_markdown("a\x00b\n\n# T\x00tle\n\n[x](y\x00.md)")
    assert "\x00" not in rendered.html
    assert "a\ufffdb" in rendered.html
    assert rendered.headings == ("T\ufffdtle",)


def test_lone_surrogates_do_not_crash() -> None:
    rendered = render_markdown("a\ud800b \udfff\n\n## \ud83d heading\n")
    assert "\ufffd" in rendered.html
    rendered.html.encode("utf-8")  # would raise on a surviving surrogate
    rendered.text.encode("utf-8")
    assert rendered.toc[0].anchor == "heading"


@pytest.mark.parametrize("source", ["\r\n\r\n", "\t", " \n \n", "\ufeff", "\x0b\x0c", "\u2028"])
def test_odd_whitespace_documents(source: str) -> None:
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert rendered.problems == ()


def test_every_feature_together_stays_free_of_style_and_event_attributes() -> None:
    source = (
        "# T\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n- [x] done\n\nTerm\n: def\n\n"
        "::: solution\n$x$\n:::\n\n```python\nx = 1\n```\n\n$$\n\\color{red}{x}\n$$\n\n"
        "Note[^1]\n\n[^1]: n\n"
    )
    rendered = render_markdown(source)
    assert_safe(rendered.html)
    assert "<mstyle" in rendered.html  # MathML's element, not the attribute
    assert not re.search(r"\sstyle\s*=", rendered.html)
