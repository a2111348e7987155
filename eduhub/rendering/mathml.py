"""TeX to MathML on the server, keeping the TeX as an annotation; no JavaScript on the page."""

from __future__ import annotations

import re

from latex2mathml.converter import convert
from markdown_it.common.utils import escapeHtml

MAX_TEX_LENGTH = 5_000

# Presentation MathML elements a formula may contain; the sanitizer allows the same set.
PRESENTATION_TAGS = frozenset(
    {
        "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
        "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle",
        "merror", "mpadded", "mphantom", "menclose", "mmultiscripts", "mprescripts", "none",
    }
)  # fmt: skip
MATHML_TAGS = PRESENTATION_TAGS | {"math", "semantics", "annotation"}

_OUTER = re.compile(r"\A<math\b[^>]*>(.*)</math>\Z", re.DOTALL)
# "<" starts markup when followed by a letter, "/", "!" or "?" (HTML tokenizer rules).
_MARKUP_START = re.compile(r"<(/?)([A-Za-z!?][^\s/>]*|(?<=/)[^\s>]*)")
_CAPITALS = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HREF = re.compile(r"\shref\s*=", re.IGNORECASE)


class MathError(Exception):
    """The formula cannot be shown as MathML; the message says why, for the author."""


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """Convert one formula; raise MathError instead of returning anything doubtful.

    latex2mathml copies ``\\text{…}`` verbatim (so ``\\text{<script>}`` would become markup)
    and turns ``\\href`` into an ``href`` attribute. The sanitizer would strip both, but a
    formula that needs either is better reported to its author than silently altered.
    """
    if len(tex) > MAX_TEX_LENGTH:
        raise MathError(f"formula longer than {MAX_TEX_LENGTH:,} characters")
    if not tex.strip():
        raise MathError("empty formula")
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except RecursionError:
        raise MathError("formula nested too deeply") from None
    except Exception as exc:  # latex2mathml raises many unrelated types on bad input
        raise MathError(str(exc) or _describe(type(exc).__name__)) from exc
    outer = _OUTER.match(mathml)
    if outer is None:
        raise MathError("unexpected converter output")
    inner = outer.group(1)
    for tag in _MARKUP_START.finditer(inner):
        if tag.group(2) not in PRESENTATION_TAGS:
            raise MathError("HTML markup inside the formula")
    if _HREF.search(inner):
        raise MathError("links are not supported inside formulas")
    mode = "block" if display else "inline"
    return (
        f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}">'
        f"<semantics><mrow>{inner}</mrow>"
        f'<annotation encoding="application/x-tex">{escapeHtml(tex)}</annotation>'
        "</semantics></math>"
    )


def _describe(class_name: str) -> str:
    """latex2mathml's errors carry no message; "MissingSuperScriptOrSubscriptError" is one."""
    words = _CAPITALS.sub(" ", class_name).lower().split()
    return " ".join(words[:-1] if words[-1:] == ["error"] else words)


def math_error_html(tex: str) -> str:
    """Show a formula that could not be converted as its TeX source, in code style."""
    return f'<code class="math-error">{escapeHtml(tex)}</code>'
