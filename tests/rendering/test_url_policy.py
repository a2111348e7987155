"""Classifying link and image targets, including the tricks browsers fall for."""

from __future__ import annotations

import pytest

from eduhub.rendering.urls import Kind, Target, classify


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://example.org/x", Target(Kind.EXTERNAL, "https", "", "")),
        ("HTTP://EXAMPLE.ORG", Target(Kind.EXTERNAL, "http", "", "")),
        ("//example.org/x.png", Target(Kind.EXTERNAL, "", "", "")),
        ("/%5Cexample.org/x.png", Target(Kind.EXTERNAL, "", "", "")),
        ("mailto:a@example.org", Target(Kind.MAILTO, "mailto", "", "")),
        ("#setup", Target(Kind.FRAGMENT, "", "", "")),
        ("/lessons/x", Target(Kind.SITE, "", "", "")),
        ("javascript:alert(1)", Target(Kind.REFUSED, "javascript", "", "")),
        ("JaVaScRiPt:alert(1)", Target(Kind.REFUSED, "javascript", "", "")),
        ("java%09script:alert(1)", Target(Kind.REFUSED, "javascript", "", "")),
        ("%20javascript:alert(1)", Target(Kind.REFUSED, "javascript", "", "")),
        ("javascript%3Aalert(1)", Target(Kind.REFUSED, "javascript", "", "")),
        ("vbscript:x", Target(Kind.REFUSED, "vbscript", "", "")),
        ("data:text/html,x", Target(Kind.REFUSED, "data", "", "")),
        ("file:///etc/passwd", Target(Kind.REFUSED, "file", "", "")),
        ("ftp://example.org", Target(Kind.REFUSED, "ftp", "", "")),
        ("../02-systems/sizing.md", Target(Kind.RELATIVE, "", "../02-systems/sizing.md", "")),
        ("a%20b.md?x=1#frag", Target(Kind.RELATIVE, "", "a b.md", "#frag")),
        ("%C3%BCber.md#secci%C3%B3n", Target(Kind.RELATIVE, "", "über.md", "#secci%C3%B3n")),
        ("?only=query", Target(Kind.RELATIVE, "", "", "")),
        ("", Target(Kind.RELATIVE, "", "", "")),
    ],
)
def test_classify(href: str, expected: Target) -> None:
    assert classify(href) == expected
