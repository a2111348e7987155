"""d2lbook dialect: BibTeX reading, label numbering, and each construct's conversion."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from eduhub.packs.dialects.d2l import (
    BibEntry,
    Label,
    convert,
    index_labels,
    parse_bibliography,
)
from eduhub.packs.foreign import make_link_resolver
from eduhub.rendering import render_markdown

# tests/catalog/dialects/ is one folder deeper than the other corpus tests: parents[4] is the
# folder holding both the project and shared/.
CORPORA = Path(__file__).resolve().parents[4] / "shared" / "corpora"
BOOK = CORPORA / "d2l-math"

# d2lbook syntax that must never reach the reader (HTML outside code, with TeX annotations cut).
LEAKS = re.compile(
    r":(?:label|eqlabel|eqref|numref|cite|citet|begin_tab|end_tab|width|height):"
    r"|\{\.python|\[\*\*|\*\*\]|\(\*\*|\*\*\)|eval_rst|```"
)
_CODE = re.compile(r"<(pre|code|annotation)\b.*?</\1>", re.DOTALL)
_ROLE = re.compile(r":(label|eqlabel|eqref|numref|cite|citet|width|height):`")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def shown_html(markdown: str) -> str:
    """Rendered HTML without code blocks, inline code and math annotations."""
    return _CODE.sub("", render_markdown(markdown).html)


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.split("\n")) if marker in line)


BIB = r"""
@string{ mlp = "Machine Learning Press" }

@comment{ this is ignored @article{nope, title={x}} }

@Article{	  Kingma.Ba.2014,
  title		= {Adam: A method for stochastic optimization},
  author	= {Kingma, Diederik P and Ba, Jimmy},
  journal	= {ArXiv:1412.6980},
  year		= {2014}
}

@InProceedings{He.Zhang.Ren.ea.2016,
  title = "Deep residual {L}earning with {\em nested {B}races}",
  author = "He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian",
  booktitle = {Proceedings of {CVPR}},
  pages = {770--778},
  year = 2016,
  doi = {10.1109/CVPR.2016.90}
}

@book(Shannon.1948,
  author = {Claude E. Shannon},
  title = {A *mathematical* theory of_communication [draft] <b>},
  publisher = mlp # ", " # "Bell",
  month = jun,
  year = {1948},
  url = {https://example.org/shannon}
)

@article{Abadi.ea.2016,
  author = {Abadi, Mart{\'\i}n and Kaiser, {\L}ukasz and Yvon, Fran{\c{c}}ois and others},
  title = {Tensor{F}low at $16\times 16$},
  journal = {Sankhy{\=a}},
  volume = 22, number = {10},
  year = {2016}
}

@misc{institution,
  author = {{Barnes and Noble Team} and Ludwig van Beethoven},
  title = {Quoted "inside" braces},
  howpublished = {\url{https://example.org/misc}},
  year = {2020}
}

@book{edited,
  editor = {F. Hutter and L. Kotthoff},
  title = {Automated Machine Learning},
  publisher = {Springer},
  year = {2019}
}

@article{Kingma.Ba.2014, title = {duplicate: ignored}, year = {1999}}

@article{broken, title = {never closed, year = 2000

@article{after.broken, author = {Vapnik, V.~N.}, title = {Still read}, year = {1998}}
"""


# --------------------------------------------------------------------------- bibliography


def test_bibliography_reads_every_value_form() -> None:
    bib = parse_bibliography(BIB)
    assert set(bib) == {
        "Kingma.Ba.2014",
        "He.Zhang.Ren.ea.2016",
        "Shannon.1948",
        "Abadi.ea.2016",
        "institution",
        "edited",
        "after.broken",
    }
    kingma = bib["Kingma.Ba.2014"]
    assert kingma.kind == "article"
    assert kingma.authors == ["Diederik P Kingma", "Jimmy Ba"]
    assert kingma.year == "2014"  # the duplicate entry did not replace it
    assert kingma.venue == "ArXiv:1412.6980"
    he = bib["He.Zhang.Ren.ea.2016"]
    assert he.title == "Deep residual Learning with nested Braces"
    assert he.venue == "Proceedings of CVPR"
    assert he.fields["pages"] == "770–778"
    assert he.year == "2016"
    assert he.doi == "10.1109/CVPR.2016.90"
    shannon = bib["Shannon.1948"]
    assert shannon.kind == "book"
    assert shannon.venue == "Machine Learning Press, Bell"  # macro # literal # literal
    assert shannon.fields["month"] == "June"
    assert shannon.url == "https://example.org/shannon"


def test_bibliography_turns_latex_into_letters_and_keeps_math() -> None:
    abadi = parse_bibliography(BIB)["Abadi.ea.2016"]
    assert abadi.authors == ["Martín Abadi", "Łukasz Kaiser", "François Yvon"]
    assert abadi.et_al
    assert abadi.title == r"TensorFlow at $16\times 16$"
    assert abadi.venue == "Sankhyā"


def test_bibliography_names_and_short_citations() -> None:
    bib = parse_bibliography(BIB)
    assert bib["Kingma.Ba.2014"].short() == "Kingma and Ba, 2014"
    assert bib["He.Zhang.Ren.ea.2016"].short() == "He et al., 2016"
    assert bib["Shannon.1948"].short() == "Shannon, 1948"
    assert bib["Abadi.ea.2016"].short() == "Abadi et al., 2016"  # three named + "others"
    institution = bib["institution"]
    assert institution.authors == ["Barnes and Noble Team", "Ludwig van Beethoven"]
    assert institution.surnames == ["Barnes and Noble Team", "van Beethoven"]
    assert institution.url == "https://example.org/misc"
    assert bib["after.broken"].authors == ["V. N. Vapnik"]
    edited = bib["edited"]
    assert edited.edited
    assert edited.short() == "Hutter and Kotthoff, 2019"
    assert edited.full().startswith("F. Hutter and L. Kotthoff (Eds.) (2019).")


def test_bibliography_survives_hostile_input() -> None:
    assert parse_bibliography("") == {}
    assert parse_bibliography("no entries @ all, just an email a@b.org") == {}
    assert parse_bibliography("@article{x, title = {unclosed") == {}
    assert parse_bibliography("@article{x, title = }") == {}
    only_key = parse_bibliography("@misc{lonely}")
    assert only_key["lonely"].short() == "lonely, n.d."


def test_full_reference_is_one_markdown_safe_line() -> None:
    bib = parse_bibliography(BIB)
    shannon = bib["Shannon.1948"].full()
    assert "\n" not in shannon
    assert shannon.startswith("Claude E. Shannon (1948). A \\*mathematical\\* theory of\\_comm")
    assert shannon.endswith("<https://example.org/shannon>")
    html = shown_html(f"Text[^s].\n\n[^s]: {shannon}\n")
    assert "A *mathematical* theory of_communication [draft] &lt;b&gt;" in html
    assert '<a href="https://example.org/shannon"' in html
    assert "<b>" not in html
    abadi = shown_html(f"Text[^a].\n\n[^a]: {bib['Abadi.ea.2016'].full()}\n")
    assert "<math" in abadi  # the title's formula stays a formula
    assert "et al." in abadi
    he = bib["He.Zhang.Ren.ea.2016"].full()
    assert he.endswith("<https://doi.org/10.1109/CVPR.2016.90>")
    assert "*Proceedings of CVPR*, 770–778." in he
    assert "*Sankhyā*, 22(10)." in bib["Abadi.ea.2016"].full()


# --------------------------------------------------------------------------- labels

ROOT_INDEX = """Tiny Book
=========

```toc
:maxdepth: 1

chapter_notation/index
```

```toc
:maxdepth: 2
:numbered:

chapter_missing/index
chapter_b/index
```
"""

NOTATION = """# Notation
:label:`chap_notation`

$$x$$
:eqlabel:`eq_notation`
"""

CHAPTER_B = """# Chapter B
:label:`chap_b`

Intro.

```toc
:maxdepth: 2

first
second
```
"""

FIRST = """# First Section
:label:`sec_first`

Text.
"""

SECOND = """```{.python .input}
%load_ext d2lbook.tab
```

# Second Section
:label:`sec_second`

## The $\\ell_2$ *Norm*

:label:`subsec_norm`

$$a = b$$
:eqlabel:`eq_ab`

$$c = d$$

$$e = f$$
:label:`eq_ef`

![A figure.](../img/one.svg)

![A labelled figure.](../img/two.svg)
:width:`300px`
:label:`fig_two`

### Deeper

## Summary

| a | b |
|---|---|
| 1 | 2 |
:label:`tab_ab`

## Summary

A paragraph.
:label:`par_other`

```python
:label:`in_code`
```
"""


def tiny_book() -> dict[str, str]:
    return {
        "index.md": ROOT_INDEX,
        "chapter_notation/index.md": NOTATION,
        "chapter_b/index.md": CHAPTER_B,
        "chapter_b/first.md": FIRST,
        "chapter_b/second.md": SECOND,
    }


def test_labels_are_numbered_from_the_toc_tree() -> None:
    labels = index_labels(tiny_book())
    assert labels["chap_b"] == Label(
        "chapter_b/index.md", "section", "chapter-b", "2", "Chapter B", level=1, line=2
    )
    assert labels["sec_first"].number == "2.1"
    second = labels["sec_second"]
    assert (second.path, second.number, second.anchor, second.level) == (
        "chapter_b/second.md",
        "2.2",
        "second-section",
        1,
    )
    norm = labels["subsec_norm"]  # after a blank line, still the heading's
    assert (norm.kind, norm.number, norm.title) == ("section", "2.2.1", r"The $\ell_2$ *Norm*")
    assert labels["eq_ab"] == Label(
        "chapter_b/second.md", "equation", norm.anchor, "(2.2.1)", "", line=13
    )
    assert labels["eq_ef"].number == "(2.2.2)"  # the unlabelled $$c = d$$ takes no number
    assert labels["eq_ef"].kind == "equation"
    two = labels["fig_two"]
    assert (two.kind, two.number, two.title) == ("figure", "2.2.2", "A labelled figure.")
    assert labels["tab_ab"].kind == "table"
    assert labels["tab_ab"].number == "2.2.1"
    other = labels["par_other"]
    assert (other.kind, other.number) == ("other", "")
    assert "in_code" not in labels


def test_label_anchors_are_the_rendered_heading_ids() -> None:
    book = tiny_book()
    labels = index_labels(book)
    body = convert(book["chapter_b/second.md"], path="chapter_b/second.md").body
    anchors = render_markdown(body).anchors
    assert labels["subsec_norm"].anchor == "the-norm"  # math is not part of the id
    assert labels["tab_ab"].anchor == "summary"
    assert labels["par_other"].anchor == "summary-1"  # the duplicate heading's id
    for label in labels.values():
        if label.path == "chapter_b/second.md":
            assert label.anchor in anchors


def test_unnumbered_chapters_and_books_without_numbered_tocs() -> None:
    labels = index_labels(tiny_book())
    assert labels["chap_notation"].number == ""
    assert labels["eq_notation"].number == "(1)"  # counted within the file alone
    chapter_only = index_labels({"chapter_b/index.md": CHAPTER_B, "chapter_b/second.md": SECOND})
    assert chapter_only["chap_b"].number == ""
    assert chapter_only["sec_second"].number == "2"  # its position in the chapter toc
    assert chapter_only["eq_ab"].number == "(2.1)"


def test_first_definition_of_a_label_wins() -> None:
    labels = index_labels({"a.md": "# A\n:label:`x`\n", "b.md": "# B\n:label:`x`\n"})
    assert labels["x"].path == "a.md"
    assert index_labels({}) == {}
    assert index_labels({"empty.md": ""}) == {}


# --------------------------------------------------------------------------- conversion


def book_convert(path: str, text: str | None = None, **kwargs: object) -> object:
    book = tiny_book()
    return convert(
        book[path] if text is None else text,
        path=path,
        labels=index_labels(book),
        bibliography=parse_bibliography(BIB),
        **kwargs,  # type: ignore[arg-type]
    )


def test_label_lines_become_blank_and_lines_keep_their_place() -> None:
    source = "# Title\n:label:`sec_t`\n\n$$x$$\n:eqlabel:`eq_x`\n:width:`200px`\n\nMARKER here\n"
    result = convert(source, path="chapter_x/t.md")
    lines = result.body.split("\n")
    assert lines[1] == lines[4] == lines[5] == ""
    assert line_of(result.body, "MARKER") == line_of(source, "MARKER")
    assert result.counts["roles_handled"] == 3
    assert result.body_line_offset == 0
    assert result.messages == []


def test_eqref_and_numref_link_to_the_labels() -> None:
    calls: list[str] = []

    def resolve(target: str) -> str | None:
        calls.append(target)
        return target if target.endswith(".md") else None

    text = (
        "See :eqref:`eq_ab` and :numref:`fig_two`,\n"
        ":numref:`sec_first`, :numref:`chap_b`, :numref:`tab_ab`,\n"
        ":numref:`chap_notation`, :eqref:`eq_notation` and :numref:`Figure %s <fig_two>`.\n"
    )
    result = book_convert("chapter_b/second.md", text, resolve_link=resolve)
    assert result.body.split("\n") == [
        "See [(2.2.1)](#the-norm) and [Fig. 2.2.2](#the-norm),",
        "[Section 2.1](first.md#first-section), [Section 2](index.md#chapter-b), "
        "[Table 2.2.1](#summary),",
        "[Notation](../chapter_notation/index.md#notation), "
        "[(1)](../chapter_notation/index.md#notation) and [Figure 2.2.2](#the-norm).",
        "",
    ]
    assert calls == [
        "first.md",
        "index.md",
        "../chapter_notation/index.md",
        "../chapter_notation/index.md",
    ]
    assert result.counts["roles_handled"] == 8
    assert result.counts["roles_unresolved"] == 0


def test_unknown_labels_stay_readable_with_a_warning() -> None:
    text = "Intro.\n\nSee :numref:`sec_elsewhere` and :eqref:``eq_ab``.\n"
    result = book_convert("chapter_b/first.md", text)
    assert (
        result.body.split("\n")[2] == "See \\[sec\\_elsewhere\\] and [(2.2.1)](second.md#the-norm)."
    )
    assert result.messages == [
        (3, "warning", "unknown label in :numref:`sec_elsewhere`; shown as text")
    ]
    assert result.counts["roles_unresolved"] == 1
    assert result.counts["roles_handled"] == 1
    html = shown_html(result.body)
    assert "[sec_elsewhere]" in html
    assert not LEAKS.search(html)


def test_citations_become_footnotes_at_the_end() -> None:
    text = (
        "# T\n\nAdam :cite:`Kingma.Ba.2014,He.Zhang.Ren.ea.2016` works.\n"
        "As :citet:`Kingma.Ba.2014` said, and :cite:`nobody.2020`.\n\nMARKER\n"
    )
    result = book_convert("chapter_b/first.md", text)
    lines = result.body.split("\n")
    assert lines[2] == "Adam [^Kingma.Ba.2014][^He.Zhang.Ren.ea.2016] works."
    assert lines[3] == "As Kingma and Ba (2014)[^Kingma.Ba.2014] said, and \\[nobody.2020\\]."
    assert line_of(result.body, "MARKER") == line_of(text, "MARKER")
    bib = parse_bibliography(BIB)
    assert lines[-3:] == [
        f"[^Kingma.Ba.2014]: {bib['Kingma.Ba.2014'].full()}",
        f"[^He.Zhang.Ren.ea.2016]: {bib['He.Zhang.Ren.ea.2016'].full()}",
        "",
    ]
    assert result.counts["citations"] == 3
    assert result.counts["references"] == 2
    assert result.counts["roles_handled"] == 2
    assert result.counts["roles_unresolved"] == 1
    assert result.messages == [(4, "warning", "citation key not in the bibliography: nobody.2020")]
    html = shown_html(result.body)
    assert html.count('class="footnote-item"') == 2
    assert "Adam: A method for stochastic optimization" in html
    assert not LEAKS.search(html)


def test_citations_without_a_bibliography_are_warnings() -> None:
    result = convert("A :cite:`x`, :citet:`y` and :cite:``.\n", path="a.md")
    assert result.body == "A \\[x\\], y and .\n"
    assert result.counts["roles_unresolved"] == 3
    assert len(result.messages) == 3


def test_fences_get_a_plain_language() -> None:
    source = (
        "```{.python .input}\n#@tab pytorch\nx = 1  # :label:`no`\n```\n\n"
        "```{.python .input  n=3}\n%%tab all\n```\n\n"
        "```{.python .input #@tab pytorch}\n#@save\n```\n\n"
        "```{.bash}\nls\n```\n\n"
        "~~~python\n```{.python .input}\n~~~\n\n"
        "```{}\nplain\n```\n"
    )
    result = convert(source, path="x.md")
    lines = result.body.split("\n")
    assert [line for line in lines if line.startswith(("```", "~~~"))] == [
        "```python",
        "```",
        "```python",
        "```",
        "```python",
        "```",
        "```bash",
        "```",
        "~~~python",
        "```{.python .input}",  # inside the tilde fence: code, left alone
        "~~~",
        "```",
        "```",
    ]
    assert "#@tab pytorch" in lines
    assert "x = 1  # :label:`no`" in lines
    assert "#@save" in lines
    assert result.counts["code_blocks"] == 6
    assert result.counts["roles_handled"] == 0


def test_unclosed_fence_is_closed_before_the_footnotes() -> None:
    text = "Cited :cite:`Kingma.Ba.2014`.\n\n```{.python .input}\nx = 1\n"
    result = book_convert("chapter_b/first.md", text)
    assert result.body.split("\n")[2:6] == ["```python", "x = 1", "", "```"]
    assert (3, "warning", "code block never closed; closed at the end of the file") in (
        result.messages
    )
    html = shown_html(result.body)
    assert 'class="footnote-item"' in html


def test_tabs_become_notes() -> None:
    source = (
        "Before.\n:begin_tab:`pytorch`\nTorch text.\n:end_tab:\n\n"
        ":begin_tab:`mxnet, tensorflow`\nBoth.\n:end_tab:\n\n"
        ":begin_tab:`jax`\n```{.python .input}\nimport jax\n```\n:end_tab:\n\n"
        ":begin_tab:`toc`\nx\n:end_tab:\n\nMARKER\n"
    )
    result = convert(source, path="x.md")
    lines = result.body.split("\n")
    assert lines[1:4] == ["::: note PyTorch", "Torch text.", ":::"]
    assert lines[5] == "::: note MXNet, TensorFlow"
    assert lines[9:14] == ["::: note JAX", "```python", "import jax", "```", ":::"]
    assert lines[15] == "::: note Contents"
    assert line_of(result.body, "MARKER") == line_of(source, "MARKER")
    assert result.counts["tabs"] == 4
    rendered = render_markdown(result.body)
    assert rendered.admonitions == 4
    assert not [p for p in rendered.problems if p.severity == "error"]
    assert not LEAKS.search(_CODE.sub("", rendered.html))


def test_broken_tabs_are_repaired_with_warnings() -> None:
    source = ":end_tab:\n:begin_tab:`pytorch`\nOne.\n:begin_tab:`mxnet`\nTwo.\n"
    result = convert(source, path="x.md")
    assert result.body.split("\n") == [
        "",
        "::: note PyTorch",
        "One.",
        ":::",
        "::: note MXNet",
        "Two.",
        "",
        ":::",
    ]
    assert [m[0] for m in result.messages] == [1, 4, 4]
    assert "never ended" in result.messages[2][2]
    html = shown_html(result.body)
    assert html.count("admonition-note") == 2
    assert not LEAKS.search(html)


def test_toc_blocks_become_lists_of_links() -> None:
    source = "# Chapter\n\n```toc\n:maxdepth: 2\n\nfirst\nsecond\nmissing\n```\n\nMARKER\n"
    calls: list[str] = []

    def resolve(target: str) -> str | None:
        calls.append(target)
        return None if target == "missing.md" else target

    plain = convert(source, path="chapter_b/index.md")
    assert plain.body.split("\n")[2:9] == [
        "",
        "",
        "",
        "- [First](first.md)",
        "- [Second](second.md)",
        "- [Missing](missing.md)",
        "",
    ]
    known = book_convert("chapter_b/index.md", source, resolve_link=resolve)
    assert known.body.split("\n")[5:8] == [
        "- [2.1 First Section](first.md)",
        "- [2.2 Second Section](second.md)",
        "- Missing",
    ]
    assert calls == ["first.md", "second.md", "missing.md"]
    assert known.messages == [(8, "warning", "toc entry not in this pack: missing")]
    assert known.counts["toc_entries"] == 3
    assert line_of(known.body, "MARKER") == line_of(source, "MARKER")


def test_root_index_title_and_eval_rst() -> None:
    source = "Dive\n====\n\n```eval_rst\n.. raw:: html\n   :file: x.html\n```\n\n" + ROOT_INDEX[20:]
    result = convert(source, path="index.md")
    assert result.front["title"] == "Dive"
    assert result.front["summary"] == "Dive"  # nothing but lists: the title stands in
    assert result.front["tags"] == []
    assert result.body.split("\n")[3:7] == ["", "", "", ""]
    assert result.messages[0] == (4, "warning", "reStructuredText block (eval_rst) removed")
    assert not LEAKS.search(shown_html(result.body))


def test_slide_marks_show_their_content() -> None:
    source = (
        "### [**Training without Regularization**]\n\n"
        "We (**create a file**) and [**change the shape\nof a tensor**] with `x[**kw**]`.\n"
        "(**We can access a tensor's *shape***)\n\n"
        "(**$$f'(x) = 1.$$**)\n:eqlabel:`eq_d`\n\n"
        "A [**bold link**](https://example.org) stays.\n"
    )
    result = convert(source, path="x.md")
    lines = result.body.split("\n")
    assert lines[0] == "### Training without Regularization"
    assert lines[2:5] == [
        "We create a file and change the shape",
        "of a tensor with `x[**kw**]`.",
        "We can access a tensor's *shape*",
    ]
    assert lines[6] == "$$f'(x) = 1.$$"
    assert lines[-2] == "A [**bold link**](https://example.org) stays."
    assert result.counts["slide_marks"] == 5
    rendered = render_markdown(result.body)
    assert rendered.math_rendered == 1
    assert rendered.toc[0].anchor == "training-without-regularization"


def test_links_are_resolved_or_reported() -> None:
    def resolve(target: str) -> str | None:
        return {"other.ipynb": "other.md"}.get(target)

    source = (
        "[a](other.ipynb#part) [b](/site/page) [c](https://x.org/y) [d](#here)\n"
        "![fig](../img/x.svg) [e](missing.md)\n"
    )
    result = convert(source, path="chapter_a/x.md", resolve_link=resolve)
    assert result.body.split("\n")[:2] == [
        "[a](other.md#part) b [c](https://x.org/y) [d](#here)",
        "![fig](../img/x.svg) [e](missing.md)",
    ]
    assert result.messages == [(1, "warning", "site link not in this pack: /site/page")]


def test_roles_in_code_and_unknown_roles() -> None:
    source = "Use `` :numref:`x` `` or ``a :cite:`b` c`` literally; :math:`x^2`; :foo:`bar`.\n"
    result = convert(source, path="x.md")
    assert result.body == "Use `` :numref:`x` `` or ``a :cite:`b` c`` literally; $x^2$; bar.\n"
    assert result.messages == [(1, "warning", "unknown role :foo: shown as its text")]
    assert result.counts["roles_handled"] == 1
    assert result.counts["roles_unresolved"] == 1


def test_front_matter_from_the_first_heading_and_folder() -> None:
    source = "```{.python .input}\nx\n```\n\n# Linear Regression\n:label:`sec`\n\nFirst words.\n"
    result = convert(source, path="chapter_linear-regression/linear-regression.md")
    front = result.front
    assert front["title"] == "Linear Regression"
    assert front["summary"] == "First words."
    assert front["tags"] == ["linear regression"]
    assert front["minutes"] == 5
    assert front["license"] is None
    assert front["objectives"] == front["authors"] == front["translators"] == []
    assert front["retired"] is False
    assert front["extra"]["chapter"] == "chapter_linear-regression"


def test_empty_and_odd_files_convert() -> None:
    empty = convert("", path="chapter_x/empty.md")
    assert empty.body == ""
    assert empty.front["title"] == "Empty"
    assert empty.messages == []
    fronted = convert("---\ntitle: [broken\n---\nText.\n", path="a.md")
    assert fronted.body_line_offset == 3
    assert [severity for _, severity, _ in fronted.messages] == ["warning"]
    windows = "# T\r\n:label:`t`\r\n\r\n:begin_tab:`pytorch`\r\nX\r\n:end_tab:\r\n"
    normalised = convert(windows.replace("\r\n", "\n"), path="a.md")  # as the caller passes it
    assert normalised.body == "# T\n\n\n::: note PyTorch\nX\n:::\n"
    assert normalised.counts["tabs"] == 1


# --------------------------------------------------------------------------- the corpus


@dataclass
class Book:
    sources: dict[str, str]
    labels: dict[str, Label]
    bibliography: dict[str, BibEntry]


@pytest.fixture(scope="module")
def book() -> Book:
    if not BOOK.is_dir():
        pytest.skip(f"d2l corpus not found at {BOOK} (shared corpora are test data, not shipped)")
    sources = {
        p.relative_to(BOOK).as_posix(): p.read_text("utf-8") for p in sorted(BOOK.rglob("*.md"))
    }
    return Book(
        sources, index_labels(sources), parse_bibliography((BOOK / "d2l.bib").read_text("utf-8"))
    )


class _BookResolver:
    """Resolves what exists in the corpus, as the importer would."""

    def __init__(self, current: str, sources: dict[str, str]) -> None:
        self.base = posixpath.dirname(current)
        self.sources = sources

    def link(self, target: str) -> str | None:
        path = posixpath.normpath(posixpath.join(self.base, target))
        return f"/lessons/{path}" if path in self.sources else None

    def image(self, target: str) -> str | None:
        path = posixpath.normpath(posixpath.join(self.base, target))
        return f"/media/{path}" if (BOOK / path).is_file() else None


def _outside_code(text: str) -> list[str]:
    lines, fence = [], None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and line.strip() and set(line.strip()) == {fence[0]}:
            fence = None
        elif fence is None:
            lines.append(line)
    return lines


@pytest.mark.corpora
def test_corpus_bibliography_and_labels(book: Book) -> None:
    assert len(book.sources) == 42
    assert len(book.bibliography) == 488
    assert book.bibliography["Kingma.Ba.2014"].short() == "Kingma and Ba, 2014"
    assert len(book.labels) == 154  # 89 :label: + 65 :eqlabel:
    expected = {
        "chap_regression": "3",
        "sec_linear_regression": "3.1",
        "subsec_linear_model": "3.1.1.1",
        "eq_mse": "(3.1.4)",
        "fig_fit_linreg": "3.1.1",
        "sec_gd": "12.3",
        "chap_appendix_math": "22",
        "chap_notation": "",
    }
    assert {name: book.labels[name].number for name in expected} == expected
    kinds = [label.kind for label in book.labels.values()]
    assert (kinds.count("section"), kinds.count("equation"), kinds.count("figure")) == (60, 65, 29)


@pytest.mark.corpora
def test_corpus_converts_without_dialect_syntax(book: Book) -> None:
    totals: dict[str, int] = {}
    warnings = math_source = math_html = math_failed = unresolved_expected = 0
    for path, text in book.sources.items():
        result = convert(
            text,
            path=path,
            resolve_link=make_link_resolver(path, set(book.sources)),
            labels=book.labels,
            bibliography=book.bibliography,
        )
        for name, value in result.counts.items():
            totals[name] = totals.get(name, 0) + value
        warnings += len(result.messages)
        assert len(result.body.split("\n")) >= len(text.split("\n")), path
        rendered = render_markdown(result.body, _BookResolver(path, book.sources))
        html = _CODE.sub("", rendered.html)
        leak = LEAKS.search(html)
        assert leak is None, f"{path}: {html[max(0, leak.start() - 80) : leak.end() + 40]}"
        assert not [p for p in rendered.problems if p.severity == "error"], path
        # Math: the source's spans as the renderer counts them, plus any in appended references.
        source_math = render_markdown(text)
        notes = result.body[len(result.body.rstrip("\n").rsplit("\n\n", 1)[0]) :]
        notes_math = render_markdown(notes).math_rendered if result.counts["references"] else 0
        math_source += source_math.math_rendered + source_math.math_failed
        math_html += rendered.html.count("<math")
        math_failed += rendered.math_failed
        assert rendered.html.count("<math") == (
            source_math.math_rendered + source_math.math_failed + notes_math
        ), path
        # Roles: every one outside code is either handled or reported.
        roles = sum(len(_ROLE.findall(line)) for line in _outside_code(text))
        assert result.counts["roles_handled"] + result.counts["roles_unresolved"] == roles, path
        assert result.counts["tabs"] == text.count(":begin_tab:`"), path
        for line in _outside_code(text):
            for match in re.finditer(r":(eqref|numref):`+([^`]*)`+", line):
                unresolved_expected += match.group(2) not in book.labels
        # Citations: one footnote per cited key found in d2l.bib, with its reference text.
        cited = {
            key.strip()
            for line in _outside_code(text)
            for match in re.finditer(r":citet?:`([^`]*)`", line)
            for key in match.group(1).split(",")
        }
        for key in cited & set(book.bibliography):
            entry = book.bibliography[key]
            assert f"[^{key}]: {entry.full()}" in result.body, (path, key)
            assert f"[^{key}]" in result.body.split(f"[^{key}]: ")[0], (path, key)
        assert result.counts["references"] == len(cited & set(book.bibliography)), path
    assert math_html == math_source == 3630
    assert math_failed == 0
    assert totals["roles_unresolved"] == unresolved_expected == 20  # labels of absent chapters
    assert totals["citations"] == 73
    assert totals["tabs"] == 175
    assert totals["code_blocks"] == 827
    assert warnings == 20 + 1 + 22  # unknown labels, eval_rst, toc entries of absent chapters


@pytest.mark.corpora
def test_corpus_references_land_on_rendered_anchors(book: Book) -> None:
    bodies = {
        path: convert(
            text,
            path=path,
            resolve_link=make_link_resolver(path, set(book.sources)),
            labels=book.labels,
            bibliography=book.bibliography,
        ).body
        for path, text in book.sources.items()
    }
    anchors = {path: set(render_markdown(body).anchors) for path, body in bodies.items()}
    checked = 0
    for path, body in bodies.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", body):
            if target.startswith("http") or target.endswith(".svg"):
                continue
            file, _, fragment = target.partition("#")
            linked = (
                posixpath.normpath(posixpath.join(posixpath.dirname(path), file)) if file else path
            )
            assert linked in anchors, (path, target)
            assert not fragment or fragment in anchors[linked], (path, target)
            checked += 1
    assert checked == 256


def test_hostile_inline_input_keeps_its_text_and_lines() -> None:
    cases = [
        "[" * 3000,
        "(** " * 2000 + "[** x " * 2000,
        ":cite:`" * 2000,
        "[a](" * 2000,
        "`" * 3001,
        "[**a `b` [c](d) :numref:`x` " * 500,
    ]
    for text in cases:
        source = f"# T\n\n{text}\nMARKER\n"
        result = convert(source, path="a.md")
        assert line_of(result.body, "MARKER") == line_of(source, "MARKER")
    unclosed = convert("We (**never close [** either.\n", path="a.md")
    assert unclosed.body == "We (**never close [** either.\n"
    assert unclosed.counts["slide_marks"] == 0
