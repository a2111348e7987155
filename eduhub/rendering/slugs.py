"""Heading ids that stay readable in every language the hub's lessons are written in."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\s-]+")


def slugify(title: str) -> str:
    """Lower-case the title, keep letters (with their accents and marks) and digits, join with '-'.

    The anchors plugin's own slugify keeps ``\\w`` only, which drops combining marks (Devanagari,
    decomposed accents); normalising to NFC first keeps "é" one letter.
    """
    kept = []
    for char in unicodedata.normalize("NFC", title).lower():
        category = unicodedata.category(char)
        if category[0] in "LNM" or char in "-_":
            kept.append(char)
        elif category[0] == "Z" or char.isspace():
            kept.append(" ")
    slug = _DASHES.sub("-", "".join(kept)).strip("-")
    # An empty id would be invalid HTML and useless as a fragment.
    return slug or "section"
