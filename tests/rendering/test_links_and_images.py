"""Links and images: resolution through the resolver, problems with exact lines, remote images."""

from __future__ import annotations

from eduhub.rendering import Problem, render_markdown


class FakeResolver:
    """Knows a fixed set of lessons and images; records what it was asked."""

    def __init__(self) -> None:
        self.lessons = {
            "../02-systems/sizing.md": "/lessons/riverbend/sizing",
            "adding.md": "/lessons/example/adding-fractions",
            "my file.md": "/lessons/example/my-file",
            "über.md": "/lessons/example/uber",
        }
        self.media = {"images/pizza.svg": "/media/example/abc123/pizza.svg"}
        self.asked: list[tuple[str, str]] = []

    def link(self, target: str) -> str | None:
        self.asked.append(("link", target))
        return self.lessons.get(target)

    def image(self, target: str) -> str | None:
        self.asked.append(("image", target))
        return self.media.get(target)


def test_relative_link_is_resolved_and_keeps_its_fragment() -> None:
    resolver = FakeResolver()
    rendered = render_markdown("See [sizing](../02-systems/sizing.md#practice).", resolver)
    assert rendered.html == '<p>See <a href="/lessons/riverbend/sizing#practice">sizing</a>.</p>\n'
    assert resolver.asked == [("link", "../02-systems/sizing.md")]
    assert (rendered.links, rendered.links_resolved) == (1, 1)
    assert rendered.problems == ()


def test_resolver_gets_percent_decoded_paths_without_query_or_fragment() -> None:
    resolver = FakeResolver()
    rendered = render_markdown(
        "[a](my%20file.md?x=1#part) [b](<my file.md>) [c](über.md#sección)", resolver
    )
    assert resolver.asked == [("link", "my file.md"), ("link", "my file.md"), ("link", "über.md")]
    assert '<a href="/lessons/example/my-file#part">a</a>' in rendered.html
    assert '<a href="/lessons/example/my-file">b</a>' in rendered.html
    assert '<a href="/lessons/example/uber#secci%C3%B3n">c</a>' in rendered.html
    assert rendered.links_resolved == 3


def test_reference_style_links_are_resolved() -> None:
    rendered = render_markdown("Try [the next one][next].\n\n[next]: adding.md\n", FakeResolver())
    assert '<a href="/lessons/example/adding-fractions">the next one</a>' in rendered.html


def test_broken_link_is_an_error_on_its_line_and_loses_its_anchor() -> None:
    source = "# Title\n\nFirst line,\nsecond line,\nthird line with [a broken link](missing.md).\n"
    rendered = render_markdown(source, FakeResolver())
    assert rendered.problems == (Problem(5, "error", "broken link: missing.md"),)
    assert "<a" not in rendered.html
    assert "third line with a broken link.</p>" in rendered.html
    assert (rendered.links, rendered.links_resolved) == (1, 0)


def test_line_offset_is_added_to_every_line() -> None:
    source = "Para one\ncontinues\nand [ends](missing.md#x).\n"
    rendered = render_markdown(source, FakeResolver(), line_offset=12)
    assert rendered.problems == (Problem(15, "error", "broken link: missing.md#x"),)


def test_the_same_broken_target_twice_reports_each_line() -> None:
    source = "[a](gone.md) and\nmore text\nthen [b](gone.md) again\n\n- item [c](gone.md)\n"
    rendered = render_markdown(source, FakeResolver())
    assert [problem.line for problem in rendered.problems] == [1, 3, 5]


def test_a_target_mentioned_as_text_first_does_not_mislead_the_line() -> None:
    source = "The file gone.md is\nlinked here: [x](gone.md)\n"
    rendered = render_markdown(source, FakeResolver())
    assert rendered.problems == (Problem(2, "error", "broken link: gone.md"),)


def test_broken_links_in_tables_headings_blockquotes_and_footnotes() -> None:
    source = (
        "## Heading [h](gone1.md)\n"  # 1
        "\n"
        "| a | b |\n"  # 3
        "|---|---|\n"
        "| x | [t](gone2.md) |\n"  # 5
        "\n"
        "> quoted\n"  # 7
        "> [q](gone3.md)\n"  # 8
        "\n"
        "Text[^1].\n"  # 10
        "\n"
        "[^1]: A note with [f](gone4.md).\n"  # 12
    )
    rendered = render_markdown(source, FakeResolver(), line_offset=3)
    assert [(problem.line, problem.message) for problem in rendered.problems] == [
        (4, "broken link: gone1.md"),
        (8, "broken link: gone2.md"),
        (11, "broken link: gone3.md"),
        (15, "broken link: gone4.md"),
    ]


def test_without_a_resolver_relative_links_and_images_are_left_as_written() -> None:
    rendered = render_markdown("[x](missing.md#a) ![alt](images/nowhere.png)")
    assert '<a href="missing.md#a">x</a>' in rendered.html
    assert '<img src="images/nowhere.png" alt="alt" loading="lazy" decoding="async">' in (
        rendered.html
    )
    assert rendered.problems == ()
    assert (rendered.links, rendered.links_resolved) == (1, 0)
    assert (rendered.images, rendered.images_resolved) == (1, 0)


def test_external_links_get_rel_internal_links_do_not() -> None:
    source = (
        "[web](https://example.org/a?b=1) [plain](http://example.org) "
        "[mail](mailto:team@example.org) [here](#setup) [site](/lessons/x) "
        "[proto](//example.org/x) [next](adding.md)"
    )
    html = render_markdown(source, FakeResolver()).html
    assert '<a href="https://example.org/a?b=1" rel="noopener noreferrer">web</a>' in html
    assert '<a href="http://example.org" rel="noopener noreferrer">plain</a>' in html
    assert '<a href="mailto:team@example.org">mail</a>' in html
    assert '<a href="#setup">here</a>' in html
    assert '<a href="/lessons/x">site</a>' in html
    assert '<a href="//example.org/x" rel="noopener noreferrer">proto</a>' in html
    assert '<a href="/lessons/example/adding-fractions">next</a>' in html
    assert html.count("rel=") == 3


def test_only_relative_links_are_counted() -> None:
    rendered = render_markdown("[a](https://x.org) [b](#c) [d](/e) [f](adding.md)", FakeResolver())
    assert (rendered.links, rendered.links_resolved) == (1, 1)


def test_autolinks_are_external_links() -> None:
    html = render_markdown("<https://example.org/docs>").html
    assert html == (
        '<p><a href="https://example.org/docs" rel="noopener noreferrer">'
        "https://example.org/docs</a></p>\n"
    )


def test_relative_image_is_resolved_lazy_and_async() -> None:
    resolver = FakeResolver()
    rendered = render_markdown('![A pizza in four](images/pizza.svg "Quarters")', resolver)
    assert rendered.html == (
        '<p><img src="/media/example/abc123/pizza.svg" alt="A pizza in four" title="Quarters" '
        'loading="lazy" decoding="async"></p>\n'
    )
    assert resolver.asked == [("image", "images/pizza.svg")]
    assert (rendered.images, rendered.images_resolved) == (1, 1)
    assert rendered.problems == ()


def test_image_alt_text_is_plain_text() -> None:
    html = render_markdown("![A *big* `pizza`](images/pizza.svg)", FakeResolver()).html
    assert 'alt="A big pizza"' in html


def test_missing_image_is_an_error_and_shows_its_alt_text() -> None:
    source = "Intro\n\n![A diagram](images/missing.png)\n"
    rendered = render_markdown(source, FakeResolver(), line_offset=4)
    assert rendered.problems == (Problem(7, "error", "missing image: images/missing.png"),)
    assert "<img" not in rendered.html
    assert '<span class="image-missing">A diagram</span>' in rendered.html
    assert (rendered.images, rendered.images_resolved) == (1, 0)


def test_image_without_alt_text_is_a_warning() -> None:
    rendered = render_markdown("Text\nmore ![](images/pizza.svg)\n", FakeResolver())
    assert rendered.problems == (Problem(2, "warning", "image without alt text: images/pizza.svg"),)
    assert '<img src="/media/example/abc123/pizza.svg" alt=""' in rendered.html


def test_remote_images_are_linked_not_loaded() -> None:
    source = "![Sun](https://cdn.example.com/sun.png)\n\n![](//cdn.example.com/moon.png)\n"
    rendered = render_markdown(source, FakeResolver())
    assert "<img" not in rendered.html
    assert (
        '<a href="https://cdn.example.com/sun.png" class="remote-image" '
        'rel="noopener noreferrer">Sun</a>'
    ) in rendered.html
    assert '<a href="//cdn.example.com/moon.png" class="remote-image"' in rendered.html
    assert rendered.problems == (
        Problem(1, "warning", "remote image not embedded: https://cdn.example.com/sun.png"),
        Problem(3, "warning", "image without alt text: //cdn.example.com/moon.png"),
        Problem(3, "warning", "remote image not embedded: //cdn.example.com/moon.png"),
    )
    assert rendered.images == 0


def test_image_inside_a_link() -> None:
    source = "[![Next lesson](images/pizza.svg)](adding.md)"
    rendered = render_markdown(source, FakeResolver())
    assert rendered.html == (
        '<p><a href="/lessons/example/adding-fractions"><img '
        'src="/media/example/abc123/pizza.svg" alt="Next lesson" loading="lazy" '
        'decoding="async"></a></p>\n'
    )
    assert (rendered.links_resolved, rendered.images_resolved) == (1, 1)
