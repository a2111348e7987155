"""Server-side syntax highlighting of fenced code with Pygments CSS classes (no inline styles)."""

from __future__ import annotations

import functools
import re

from markdown_it.common.utils import escapeHtml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# "default" passes WCAG AA (4.5:1) for every token colour on its #f8f8f8 background.
PYGMENTS_STYLE = "default"
CSS_SCOPE = ".highlight"

# Some lexers are slow on huge inputs; beyond this a block is shown unhighlighted.
MAX_HIGHLIGHT_CHARS = 100_000

_FORMATTER = HtmlFormatter(style=PYGMENTS_STYLE, nowrap=True)
_LANGUAGE_CLASS_CHARS = re.compile(r"[^\w+#.-]")


@functools.lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer | None:
    """Look lexers up once per process: creating one costs more than highlighting a block."""
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def code_block_html(code: str, language: str) -> str:
    """Render one code block; an unknown or missing language gives escaped plain code."""
    language = language.strip()
    css_language = _LANGUAGE_CLASS_CHARS.sub("", language)[:40]
    code_attr = f' class="language-{css_language.lower()}"' if css_language else ""
    lexer = _lexer(language.lower()) if language and len(code) <= MAX_HIGHLIGHT_CHARS else None
    body = highlight(code, lexer, _FORMATTER) if lexer is not None else escapeHtml(code)
    # Focusable and named: a long line scrolls inside this box on a phone.
    opening = '<pre class="highlight" tabindex="0" role="region" aria-label="Code">'
    return f"{opening}<code{code_attr}>{body}</code></pre>\n"


@functools.cache
def highlight_css() -> str:
    """Pygments CSS for the classes code blocks use, every rule scoped under ``.highlight``.

    Pygments' full stylesheet also styles bare ``pre`` and line numbers; the hub uses neither,
    and a stylesheet for lessons must not restyle the rest of the page.
    """
    rules = _FORMATTER.get_background_style_defs(CSS_SCOPE)
    rules += _FORMATTER.get_token_style_defs(CSS_SCOPE)
    return "\n".join(rules) + "\n"
