"""Plain Markdown: folders of ordinary ``.md`` files, titled by their first ``# heading``.

Districts keep lessons as plain Markdown with no front matter. The title is the first level-1
heading (``# T`` or ``T`` over ``===``), the summary the first paragraph, the reading time
estimated; what was inferred is counted for the fidelity report. A file that does carry front
matter keeps what it says. The body is left as written: its heading stays the lesson's heading.
"""

from __future__ import annotations

import re

from eduhub.packs.dialects import (
    Converted,
    LinkResolver,
    estimated_minutes,
    first_paragraph,
    split_front_matter,
)

#: Counter names, as the fidelity report groups them (fidelity._CONVERTER_COUNTS).
COUNT_NAMES = ("titles_inferred", "titles_from_file_name", "summaries_inferred")

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
_HEADING = re.compile(
    r"^ {0,3}#[ \t]+(?P<atx>.+?)(?:[ \t]+#+)?[ \t]*$"
    r"|^ {0,3}(?P<setext>[^\s#>`\-*=|][^\n]*)\n {0,3}=+[ \t]*$",
    re.M,
)
#: A setext heading (a line over === or ---), which first_paragraph would take for prose.
_SETEXT = re.compile(r"^[^\n]+\n {0,3}(?:=+|-+)[ \t]*$", re.M)
_NUMERIC_PREFIX = re.compile(r"^\d+[-_. ]+")


def first_heading(body: str) -> str | None:
    """The first level-1 heading outside code blocks, ATX or setext; None when there is none."""
    without_code = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    match = _HEADING.search(without_code)
    if match is None:
        return None
    title = (match.group("atx") or match.group("setext")).strip()
    return re.sub(r"[*_`]", "", title).strip() or None


def humanise(name: str) -> str:
    """``01-getting_started`` → ``Getting started``: a title for a folder or file name."""
    words = _NUMERIC_PREFIX.sub("", name).replace("-", " ").replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else name


def convert(text: str, *, path: str, resolve_link: LinkResolver | None = None) -> Converted:
    """One plain Markdown file as EduHub front matter and body (the body is unchanged)."""
    front, body, offset, messages = split_front_matter(text)
    converted = Converted(front={}, body=body, body_line_offset=offset, messages=messages)
    title = front.get("title") if isinstance(front.get("title"), str) else None
    if not title:
        title = first_heading(body)
        if title:
            converted.count("titles_inferred")
        else:
            title = humanise(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
            converted.count("titles_from_file_name")
            converted.warn(1, "no '# heading' to take a title from; titled from the file name")
    summary = front.get("summary") or front.get("description")
    if not summary:
        summary = first_paragraph(_SETEXT.sub("", _FENCE.sub("", body)))
        if summary:
            converted.count("summaries_inferred")
    converted.front = {
        **{k: v for k, v in front.items() if k in ("authors", "tags", "license", "objectives")},
        "title": title,
        "summary": summary or title,
        "minutes": front.get("minutes") or estimated_minutes(body),
    }
    return converted
