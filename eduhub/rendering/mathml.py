"""TeX to MathML on the server, keeping the TeX as an annotation; no JavaScript on the page."""

from __future__ import annotations

import re

from latex2mathml import commands as latex_commands
from latex2mathml import exceptions as latex_errors
from latex2mathml.converter import convert
from latex2mathml.symbols_parser import SYMBOLS
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


def _commands_of(module: object) -> frozenset[str]:
    names: set[str] = set()
    for value in vars(module).values():
        values = value.keys() if isinstance(value, dict) else value
        if isinstance(values, str):
            values = (values,)
        if isinstance(values, tuple | list | set | frozenset | type({}.keys())):
            names.update(v for v in values if isinstance(v, str) and v.startswith("\\"))
    return frozenset(names)


#: Every command latex2mathml converts; any other it would show as its own name, in italics.
KNOWN_COMMANDS = _commands_of(latex_commands) | frozenset(s for s in SYMBOLS if s[:1] == "\\")
_TWO_ARGUMENTS = frozenset(latex_commands.COMMANDS_WITH_TWO_PARAMETERS)
_ONE_ARGUMENT = frozenset(latex_commands.COMMANDS_WITH_ONE_PARAMETER) | {r"\sqrt"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_BEGIN = re.compile(r"\\begin\s*\{([^}]*)\}")
_BRACE = re.compile(r"\\.|[{}]", re.DOTALL)  # escaped characters are skipped whole
_SCRIPT_AT_END = re.compile(r"(?<!\\)([\^_])\s*(?:\Z|[}&]|\\\\|\\right\b|\\end\b)")
_LAST_COMMAND = re.compile(r"(\\[A-Za-z]+)\s*\Z")


def shown_tex(tex: str) -> str:
    """A formula as a message quotes it: whole up to 40 characters, else its start."""
    return tex if len(tex) <= 40 else tex[:39] + "…"


def _arguments_after(tex: str, pos: int, wanted: int) -> int:
    """How many of ``wanted`` arguments follow position ``pos`` (a group, command or symbol)."""
    found = 0
    while found < wanted:
        while pos < len(tex) and tex[pos].isspace():
            pos += 1
        if pos >= len(tex) or tex[pos] in "}&^_":
            break
        if tex[pos] == "{":
            depth = 0
            for end in range(pos, len(tex)):
                depth += {"{": 1, "}": -1}.get(tex[end], 0) if tex[end - 1 : end] != "\\" else 0
                if depth == 0:
                    break
            pos = end + 1
        elif tex[pos] == "\\":
            match = _COMMAND.match(tex, pos)
            pos = match.end() if match else pos + 1
        else:
            pos += 1
        found += 1
    return found


def diagnose(tex: str) -> str | None:
    """What is wrong with a formula, in the author's terms, or None if nothing is found.

    latex2mathml accepts much broken TeX silently (``{x``, ``\\frac{1}``, ``\\foo``), so these
    checks run before it; its own exceptions are translated in :func:`_explain`.
    """
    depth = 0
    for match in _BRACE.finditer(tex):
        brace = match.group()
        if brace == "{":
            depth += 1
        elif brace == "}":
            depth -= 1
            if depth < 0:
                return "unbalanced braces: a `}` closes nothing"
    if depth > 0:
        return "unbalanced braces: a `{` is never closed"
    script = _SCRIPT_AT_END.search(tex)
    if script:
        kind = "superscript" if script.group(1) == "^" else "subscript"
        return f"{kind} with nothing after `{script.group(1)}`"
    for match in _COMMAND.finditer(tex):
        name = match.group()
        if not name[1:].isalpha():
            continue
        if name not in KNOWN_COMMANDS:
            return f"unknown command `{name}`"
        if name in _TWO_ARGUMENTS and _arguments_after(tex, match.end(), 2) < 2:
            return f"`{name}` needs two arguments, as in `{name}{{a}}{{b}}`"
        if name in _ONE_ARGUMENT:
            pos = match.end()
            if name == r"\sqrt" and tex[pos : pos + 1] == "[":
                close = tex.find("]", pos)
                pos = close + 1 if close > 0 else len(tex)
            if _arguments_after(tex, pos, 1) < 1:
                return f"`{name}` needs an argument, as in `{name}{{x}}`"
    return None


def _explain(tex: str, exc: Exception) -> str:
    """latex2mathml's exception (which carries no message) as what the author should fix."""
    if isinstance(exc, latex_errors.MissingSuperScriptOrSubscriptError):
        match = _SCRIPT_AT_END.search(tex)
        mark = match.group(1) if match else "^"
        kind = "superscript" if mark == "^" else "subscript"
        return f"{kind} with nothing after `{mark}`"
    if isinstance(exc, latex_errors.DoubleSuperscriptsError):
        return "two superscripts on one symbol: group them, as in `x^{ab}` or `{x^a}^b`"
    if isinstance(exc, latex_errors.DoubleSubscriptsError):
        return "two subscripts on one symbol: group them, as in `x_{ab}` or `{x_a}_b`"
    if isinstance(exc, latex_errors.ExtraLeftOrMissingRightError):
        if tex.count(r"\left") > tex.count(r"\right"):
            return r"`\left` without a matching `\right`"
        return r"`\right` without a matching `\left`"
    if isinstance(exc, latex_errors.MissingEndError):
        begin = _BEGIN.search(tex)
        name = begin.group(1) if begin else "…"
        return rf"`\begin{{{name}}}` without `\end{{{name}}}`"
    if isinstance(exc, latex_errors.NumeratorNotFoundError | latex_errors.DenominatorNotFoundError):
        return r"a fraction (`\over`, `\choose`, `\atop`) needs something on both sides"
    if isinstance(exc, latex_errors.LimitsMustFollowMathOperatorError):
        return r"`\limits` must follow an operator such as `\sum` or `\int`"
    if isinstance(exc, latex_errors.InvalidAlignmentError):
        return "invalid column alignment: use l, c or r"
    if isinstance(exc, latex_errors.NoAvailableTokensError):
        last = _LAST_COMMAND.search(tex)
        if last:
            return f"`{last.group(1)}` needs something after it"
        return "the formula ends too soon: something is missing at its end"
    return str(exc) or _describe(type(exc).__name__)


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
    problem = diagnose(tex)
    if problem:
        raise MathError(problem)
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except RecursionError:
        raise MathError("formula nested too deeply") from None
    except Exception as exc:  # latex2mathml raises many unrelated types on bad input
        raise MathError(_explain(tex, exc)) from exc
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
