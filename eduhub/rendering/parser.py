"""The one markdown-it parser every lesson goes through, built once per process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from eduhub.rendering.admonitions import admonitions_plugin
from eduhub.rendering.highlight import code_block_html
from eduhub.rendering.mathml import math_error_html
from eduhub.rendering.slugs import UniqueSlugs, slugify

# Render rules below read only their tokens: render_markdown decides everything per call and
# records it in token.meta, so this shared parser holds no per-lesson state.


class LessonMarkdown(MarkdownIt):
    """MarkdownIt that lets every link through the parser so render_markdown can judge it.

    The stock validator makes ``[x](javascript:…)`` plain text, which hides it from the
    link policy (and from the problems an author sees); render_markdown removes such hrefs and
    the sanitizer checks schemes again.
    """

    def validateLink(self, url: str) -> bool:
        return True


def _math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return str(token.meta.get("html") or math_error_html(token.content.strip()))


def _math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # The wrapper lets the stylesheet scroll a wide equation instead of the whole page.
    opening = '<div class="math-block" tabindex="0" role="region" aria-label="Formula">'
    return f"{opening}{_math(self, tokens, idx, options, env)}</div>\n"


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    language = fence_language(token)
    if language == "quiz":
        return _quiz(token)
    return code_block_html(token.content, language)


def fence_language(token: Token) -> str:
    """The first word of a fence's info string: ```python, ```quiz."""
    info = unescapeAll(token.info).strip()
    return info.split(maxsplit=1)[0] if info else ""


def _quiz(token: Token) -> str:
    """A slot the lesson page fills with the quiz form at request time, or a notice."""
    quiz_id = token.meta.get("quiz_id")
    if quiz_id:
        # quiz ids are [a-z0-9-]+ (checked by parse_quiz), so they need no escaping.
        return f'<div class="quiz-slot" id="quiz-{quiz_id}"></div>\n'
    messages = "".join(
        f"<li>line {problem.line}: {escapeHtml(problem.message)}</li>\n"
        for problem in token.meta.get("quiz_problems", ())
    )
    return (
        '<aside class="admonition admonition-warning quiz-error" role="note">\n'
        '<p class="admonition-title">This quiz cannot be shown</p>\n'
        "<p>It has errors that its authors need to fix.</p>\n"
        + (f"<ul>\n{messages}</ul>\n" if messages else "")
        + "</aside>\n"
    )


def _code_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return code_block_html(tokens[idx].content, "")


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = escapeHtml(self.renderInlineAsText(token.children, options, env))
    src = escapeHtml(str(token.attrGet("src") or ""))
    shown_as = token.meta.get("shown_as", "img")
    if shown_as == "link":
        # The hub loads no third-party assets: a remote image becomes a link to it.
        return f'<a href="{src}" class="remote-image" rel="noopener noreferrer">{alt or src}</a>'
    if shown_as == "alt":
        return f'<span class="image-missing">{alt}</span>'
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
    return f'<img src="{src}" alt="{alt}"{title_attr} loading="lazy" decoding="async">'


def _heading_ids(state: StateCore) -> None:
    """Give every heading an id from its text (mdit-py-plugins' anchors rule, made linear)."""
    tokens = state.tokens
    slugs = UniqueSlugs(
        {str(t.attrGet("id")) for t in tokens if t.type == "heading_open" and t.attrGet("id")}
    )
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id"):
            continue
        children = tokens[index + 1].children or []
        title = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        token.attrSet("id", slugs.add(slugify(title)))


def build_parser() -> LessonMarkdown:
    """CommonMark (raw HTML off) plus the syntax docs/content-format.md specifies."""
    md = LessonMarkdown("js-default", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    # label=True wraps each checkbox and its text in a <label>, so screen readers name it.
    md.use(tasklists_plugin, label=True)
    md.use(deflist_plugin)
    md.use(
        dollarmath_plugin,
        # "$5 and $10" is money, not math: no space inside the dollars, no digit outside them.
        allow_space=False,
        allow_digits=False,
        # A stray "$$" must not swallow the rest of the lesson.
        allow_blank_lines=False,
        # "$$x$$" inside a paragraph is display math too, not "$" around inline math.
        double_inline=True,
    )
    md.core.ruler.push("anchor", _heading_ids)
    md.use(admonitions_plugin)
    for rule in ("math_inline", "math_inline_double"):
        md.add_render_rule(rule, _math)
    for rule in ("math_block", "math_block_label"):
        md.add_render_rule(rule, _math_block)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _code_block)
    md.add_render_rule("image", _image)
    return md


PARSER = build_parser()


def plain_text(children: Sequence[Token]) -> str:
    """What a reader sees of an inline run, without markup or footnote markers."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(plain_text(child.children or []))
    return " ".join("".join(parts).split())
