"""The native format's YAML files read with the line of every key: org.yml and typed fields.

Shared by the native reader (org.yml, course.yml, front matter) and by foreign packs that carry
an ``org.yml``, so an organization is read the same way whatever its lessons are written in.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from eduhub.packs.files import display, pack_file, read_text
from eduhub.packs.model import LICENSES, ORG_KINDS, SLUG_RE, URL_RE, Message, OrgSpec, PackTree

# --------------------------------------------------------------------------- YAML with lines


class LineDict(dict[str, Any]):
    """A mapping that remembers the line each key was written on."""

    lines: dict[str, int]
    start_line: int


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    result.start_line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if not isinstance(key, str):
            key = str(key)
        result[key] = loader.construct_object(value_node, deep=True)  # type: ignore[no-untyped-call]
        result.lines[key] = key_node.start_mark.line + 1
    return result


class _LineList(list[Any]):
    """A sequence that remembers the line of each item."""

    lines: list[int]


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    result = _LineList(loader.construct_object(child, deep=True) for child in node.value)  # type: ignore[no-untyped-call]
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class Reporter:
    """Collects messages for one file, offsetting YAML lines into the file's own numbering."""

    def __init__(self, tree: PackTree, display: str, line_offset: int = 0) -> None:
        self.tree = tree
        self.display = display
        self.offset = line_offset

    def error(self, line: int, text: str) -> None:
        self.tree.messages.append(Message(self.display, line + self.offset, "error", text))

    def warning(self, line: int, text: str) -> None:
        self.tree.messages.append(Message(self.display, line + self.offset, "warning", text))


def load_yaml(text: str, report: Reporter) -> LineDict | None:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        report.error(line, f"invalid YAML: {exc.problem or exc}")
        return None
    except yaml.YAMLError as exc:
        report.error(1, f"invalid YAML: {exc}")
        return None
    if data is None:
        data = LineDict()
        data.lines, data.start_line = {}, 1
    if not isinstance(data, LineDict):
        report.error(1, "expected a mapping of keys to values")
        return None
    return data


class Fields:
    """Typed access to a YAML mapping that reports what is missing or wrong, with lines."""

    def __init__(self, data: LineDict, report: Reporter) -> None:
        self.data = data
        self.report = report

    def line(self, key: str) -> int:
        return self.data.lines.get(key, self.data.start_line)

    def text(self, key: str, *, required: bool = True, max_len: int = 300) -> str | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.report.error(self.line(key), f"missing required field '{key}'")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.report.error(self.line(key), f"'{key}' must be text")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.report.error(self.line(key), f"'{key}' is longer than {max_len} characters")
            return value[:max_len]
        return value

    def text_list(self, key: str, *, required: bool = True) -> list[str] | None:
        value = self.data.get(key)
        if value is None or value == []:
            if required:
                self.report.error(self.line(key), f"missing required field '{key}'")
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(item, (str, int, float)) and str(item).strip() for item in value
        ):
            self.report.error(self.line(key), f"'{key}' must be a list of text items")
            return None
        return [str(item).strip() for item in value]

    def unknown_keys(self, known: Iterable[str]) -> None:
        known = set(known)
        for key in self.data:
            if key not in known:
                self.report.warning(
                    self.line(key),
                    f"unknown field '{key}' is ignored; known fields: {', '.join(sorted(known))}",
                )


# --------------------------------------------------------------------------- org.yml


def load_org(tree: PackTree, root: Path) -> OrgSpec | None:
    """The organization an ``org.yml`` describes, or None with its problems in ``tree``."""
    file = root / "org.yml"
    report = Reporter(tree, display(file))
    if not pack_file(root, file):
        report.error(1, "org.yml is outside the pack (a symbolic link); not read")
        return None
    data = load_yaml(read_text(file, root), report)
    if data is None:
        return None
    fields = Fields(data, report)
    fields.unknown_keys(
        ("slug", "name", "kind", "city", "region", "country", "website", "description")
    )
    slug = fields.text("slug", required=False) or root.name
    if not SLUG_RE.match(slug):
        report.error(fields.line("slug"), f"slug '{slug}' must match [a-z0-9-]+ (64 at most)")
    kind = fields.text("kind")
    if kind and kind not in ORG_KINDS:
        report.error(fields.line("kind"), unknown_value("kind", kind, ORG_KINDS))
    website = fields.text("website", required=False, max_len=500)
    if website and not URL_RE.match(website):
        report.error(fields.line("website"), "website must be an http:// or https:// URL")
    name, city, country = fields.text("name"), fields.text("city"), fields.text("country")
    if not (name and city and country and kind):
        return None
    return OrgSpec(
        slug=slug,
        name=name,
        kind=kind,
        city=city,
        region=fields.text("region", required=False),
        country=country,
        website=website,
        description=fields.text("description", required=False, max_len=2000),
        root=root,
    )


def unknown_value(what: str, value: str, allowed: Iterable[str]) -> str:
    """``unknown subject 'maths' (did you mean 'mathematics'?); use one of: …``."""
    allowed = list(allowed)
    close = difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.75)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{value}'{hint}; use one of: {', '.join(allowed)}"


def license_message(license_id: str) -> str:
    return unknown_value("license", license_id, LICENSES)
