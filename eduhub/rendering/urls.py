"""Classify link and image targets: what the hub keeps, resolves, refuses or only links to."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import unquote

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

# Browsers ignore ASCII whitespace and control characters inside a scheme ("java\tscript:"),
# so they are removed before the scheme is read.
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


class Kind(enum.Enum):
    """Where a target points, as far as the hub's policy is concerned."""

    RELATIVE = "relative"  # a file in the content pack: goes through the resolver
    FRAGMENT = "fragment"  # "#heading" in the same lesson
    SITE = "site"  # "/x" on the hub itself
    EXTERNAL = "external"  # http(s) or protocol-relative "//host/x"
    MAILTO = "mailto"
    REFUSED = "refused"  # any other scheme: javascript:, data:, vbscript:, file:, ftp: …


@dataclass(frozen=True)
class Target:
    """A link or image target split the way the resolver needs it."""

    kind: Kind
    scheme: str  # lower-case scheme, "" when there is none
    path: str  # percent-decoded path without query or fragment (RELATIVE only)
    fragment: str  # "#…" as written, or ""


def classify(href: str) -> Target:
    """Classify a target as markdown-it normalised it (entities decoded, percent-encoded)."""
    probe = _IGNORED_BY_BROWSERS.sub("", unquote(href)).lower()
    match = _SCHEME.match(probe)
    if match:
        scheme = match.group(1)
        if scheme in ("http", "https"):
            return Target(Kind.EXTERNAL, scheme, "", "")
        if scheme == "mailto":
            return Target(Kind.MAILTO, scheme, "", "")
        return Target(Kind.REFUSED, scheme, "", "")
    # Browsers read a backslash as a slash, so "/\host" and "\\host" are protocol-relative too.
    if probe[:2].replace("\\", "/") == "//":
        return Target(Kind.EXTERNAL, "", "", "")
    if probe[:1] in ("/", "\\"):
        return Target(Kind.SITE, "", "", "")
    if probe[:1] == "#":
        return Target(Kind.FRAGMENT, "", "", "")
    before_fragment, hash_mark, fragment = href.partition("#")
    path = unquote(before_fragment.partition("?")[0])
    return Target(Kind.RELATIVE, "", path, hash_mark + fragment)
