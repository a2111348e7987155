"""The last step of rendering: an explicit nh3 allowlist that keeps MathML and nothing risky."""

from __future__ import annotations

import re

import nh3

from eduhub.rendering.mathml import MATHML_TAGS
from eduhub.rendering.urls import ALLOWED_SCHEMES

_HTML_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "s", "code",
    "pre", "span", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
    "tbody", "tr", "th", "td", "a", "img", "input", "sup", "sub", "section", "aside",
    "details", "summary", "label",
}  # fmt: skip

# Harmless presentation attributes latex2mathml emits (and MathML Core defines).
_MATHML_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
    "accentunder", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines",
    "rowlines", "frame", "linethickness", "width", "height", "depth", "voffset", "minsize",
    "maxsize", "movablelimits", "symmetric", "largeop", "scriptlevel", "displaystyle",
    "notation", "form", "mathcolor", "mathbackground", "mathsize",
}  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "loading", "decoding", "width", "height"},
    "input": {"class"},
    "ol": {"start", "class"},
    "ul": {"class"},
    "li": {"id", "class"},
    "p": {"class"},
    "div": {"class", "id"},  # id: only a quiz slot's, see _attribute_filter
    "span": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "th": {"class"},
    "td": {"class"},
    "hr": {"class"},
    "sup": {"class", "id"},
    "section": {"class"},
    "aside": {"class"},
    "details": {"class"},
    **{tag: set(_MATHML_ATTRIBUTES) for tag in MATHML_TAGS},
}
_ATTRIBUTES["math"].add("xmlns")
_ATTRIBUTES["annotation"] = {"encoding"}

# Attributes allowed only with these exact values.
_ATTRIBUTE_VALUES = {
    "a": {"rel": {"noopener noreferrer"}},
    # Wide tables, code and formulas scroll sideways on a phone; tabindex="0" lets keyboard
    # users scroll them too (WCAG 2.1.1).
    # Each such box is named, so a screen reader says what the focused box holds.
    "table": {"tabindex": {"0"}, "aria-label": {"Table"}},
    "pre": {"tabindex": {"0"}, "role": {"region"}, "aria-label": {"Code"}},
    "div": {"tabindex": {"0"}, "role": {"region"}, "aria-label": {"Formula"}},
    "aside": {"role": {"note"}},
    "input": {
        "type": {"checkbox"},
        "checked": {"checked", ""},
        "disabled": {"disabled", ""},
    },
}

# The one element id the renderer puts on a div: <div class="quiz-slot" id="quiz-ID">.
_QUIZ_SLOT_ID = re.compile(r"quiz-[a-z0-9-]+\Z")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and element == "div":
        return value if _QUIZ_SLOT_ID.match(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=_HTML_TAGS | MATHML_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    tag_attribute_values=_ATTRIBUTE_VALUES,
    url_schemes=set(ALLOWED_SCHEMES),
    # render_markdown sets rel on external links itself; internal links need none.
    link_rel=None,
    strip_comments=True,
)


def sanitize(html: str) -> str:
    """Clean rendered HTML; the renderer's output is trusted no more than the author's input."""
    return _CLEANER.clean(html)
