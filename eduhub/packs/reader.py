"""Read content packs from disk into validated specs, with every problem at its path and line.

Nothing here touches the database: `eduhub content validate` and the importer share this code,
so what the validator accepts is exactly what the importer imports.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from eduhub.packs.model import (
    BCP47_RE,
    IGNORED_MARKDOWN,
    IMAGE_TYPES,
    LESSON_ID_RE,
    LEVEL_RE,
    LICENSES,
    MAX_LESSON_BYTES,
    ORG_KINDS,
    SLUG_RE,
    SUBJECTS,
    URL_RE,
    CourseSpec,
    LessonSpec,
    MediaSpec,
    Message,
    ModuleSpec,
    OrgSpec,
    PackError,
    PackTree,
    file_hash,
    lesson_url,
    slugify,
)
from eduhub.rendering import render_markdown

# --------------------------------------------------------------------------- YAML with lines


class _LineDict(dict[str, Any]):
    """A mapping that remembers the line each key was written on."""

    lines: dict[str, int]
    start_line: int


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
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


class _Reporter:
    """Collects messages for one file, offsetting YAML lines into the file's own numbering."""

    def __init__(self, tree: PackTree, display: str, line_offset: int = 0) -> None:
        self.tree = tree
        self.display = display
        self.offset = line_offset

    def error(self, line: int, text: str) -> None:
        self.tree.messages.append(Message(self.display, line + self.offset, "error", text))

    def warning(self, line: int, text: str) -> None:
        self.tree.messages.append(Message(self.display, line + self.offset, "warning", text))


def _load_yaml(text: str, report: _Reporter) -> _LineDict | None:
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
        data = _LineDict()
        data.lines, data.start_line = {}, 1
    if not isinstance(data, _LineDict):
        report.error(1, "expected a mapping of keys to values")
        return None
    return data


class _Fields:
    """Typed access to a YAML mapping that reports what is missing or wrong, with lines."""

    def __init__(self, data: _LineDict, report: _Reporter) -> None:
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
                self.report.warning(self.line(key), f"unknown field '{key}' is ignored")


# --------------------------------------------------------------------------- discovery


def load_tree(
    path: Path,
    *,
    org_slug: str | None = None,
    course_slug: str | None = None,
    max_media_bytes: int = 5 * 1024 * 1024,
    known_orgs: Callable[[str], OrgSpec | None] | None = None,
    known_lessons: Callable[[str], dict[str, str]] | None = None,
    render: bool = True,
) -> PackTree:
    """Find, parse and check every organization, course and lesson under ``path``.

    ``path`` may hold several organizations, be one organization (``org.yml``) or one course
    (``course.yml``). ``org_slug`` limits a tree to one organization, or names the organization
    of a course folder that has no ``org.yml`` above it; ``course_slug`` limits the import to
    one course. The rest of the organization is still read so links into it resolve.
    ``known_orgs`` and ``known_lessons`` look organizations and their lessons up in the
    database for a course folder imported on its own.
    """
    path = Path(path)
    if not path.is_dir():
        raise PackError(f"{path}: not a folder")
    tree = PackTree()

    if (path / "org.yml").is_file():
        org_roots = [path]
    elif (path / "course.yml").is_file():
        parent = path.resolve().parent
        if (parent / "org.yml").is_file():
            org_roots = [parent]
            course_slug = course_slug or _peek_slug(path / "course.yml", path.name)
        else:
            org = _org_from_database(path, org_slug, known_orgs)
            tree.orgs.append(org)
            tree.course_scope[org.slug] = {_peek_slug(path / "course.yml", path.name)}
            _load_course(tree, org, path)
            if known_lessons:
                tree.link_targets[org.slug] = dict(known_lessons(org.slug))
            _finish(tree, max_media_bytes, render)
            return tree
    else:
        org_roots = sorted(p for p in path.iterdir() if (p / "org.yml").is_file())
        if not org_roots:
            raise PackError(f"{path}: no org.yml or course.yml here or in its sub-folders")

    for root in org_roots:
        found = _load_org(tree, root)
        if found is None or (org_slug and found.slug != org_slug):
            continue
        org = found
        tree.orgs.append(org)
        tree.course_scope[org.slug] = None
        for course_dir in sorted(p for p in root.iterdir() if (p / "course.yml").is_file()):
            _load_course(tree, org, course_dir)
    if org_slug and not tree.orgs:
        raise PackError(f"{path}: no organization '{org_slug}' here")
    _check_duplicate_orgs(tree)
    if course_slug:
        _limit_to_course(tree, course_slug)
    _finish(tree, max_media_bytes, render)
    return tree


def _display(path: Path) -> str:
    return str(path)


def _peek_slug(course_file: Path, default: str) -> str:
    try:
        data = yaml.safe_load(_read_text(course_file))
    except yaml.YAMLError:
        return default
    slug = data.get("slug") if isinstance(data, dict) else None
    return slug if isinstance(slug, str) and slug else default


def _limit_to_course(tree: PackTree, course_slug: str) -> None:
    """Keep one course for import, having read its organization for link resolution."""
    for lesson in tree.lessons:
        tree.link_targets.setdefault(lesson.org_slug, {})[lesson.source_path] = lesson.uid
    kept = [c for c in tree.courses if c.slug == course_slug]
    if not kept:
        raise PackError(f"no course '{course_slug}' here")
    kept_orgs = {c.org_slug for c in kept}
    roots = {org.slug: org.root for org in tree.orgs}
    keep_dirs = [_display(roots[c.org_slug] / c.source_path) for c in kept]
    keep_dirs += [_display(roots[slug] / "org.yml") for slug in kept_orgs]
    tree.courses = kept
    tree.lessons = [le for le in tree.lessons if le.course_slug == course_slug]
    tree.orgs = [org for org in tree.orgs if org.slug in kept_orgs]
    tree.messages = [m for m in tree.messages if m.path.startswith(tuple(keep_dirs))]
    tree.course_scope = {slug: {course_slug} for slug in kept_orgs}


def _org_from_database(
    course_dir: Path, org_slug: str | None, known_orgs: Callable[[str], OrgSpec | None] | None
) -> OrgSpec:
    if not org_slug:
        raise PackError(
            f"{course_dir}: no org.yml in the parent folder; pass --org SLUG to name the "
            "organization this course belongs to"
        )
    org = known_orgs(org_slug) if known_orgs else None
    if org is None:
        raise PackError(f"unknown organization '{org_slug}': import its org.yml first")
    org.root = course_dir.resolve().parent
    return org


def _check_duplicate_orgs(tree: PackTree) -> None:
    seen: dict[str, OrgSpec] = {}
    for org in tree.orgs:
        if org.slug in seen:
            tree.messages.append(
                Message(
                    _display(org.root / "org.yml"),
                    1,
                    "error",
                    f"organization slug '{org.slug}' is also used by {seen[org.slug].root}",
                )
            )
        seen[org.slug] = org


def _load_org(tree: PackTree, root: Path) -> OrgSpec | None:
    file = root / "org.yml"
    report = _Reporter(tree, _display(file))
    data = _load_yaml(_read_text(file), report)
    if data is None:
        return None
    fields = _Fields(data, report)
    fields.unknown_keys(
        ("slug", "name", "kind", "city", "region", "country", "website", "description")
    )
    slug = fields.text("slug", required=False) or root.name
    if not SLUG_RE.match(slug):
        report.error(fields.line("slug"), f"slug '{slug}' must match [a-z0-9-]+ (64 at most)")
    kind = fields.text("kind")
    if kind and kind not in ORG_KINDS:
        report.error(fields.line("kind"), f"kind '{kind}' is not one of {', '.join(ORG_KINDS)}")
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


def _read_text(file: Path) -> str:
    """Decode a pack file: UTF-8 with or without BOM, any line endings."""
    data = file.read_bytes()
    text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def _valid_level(level: str) -> bool:
    if level == "adult":
        return True
    match = LEVEL_RE.match(level)
    if not match:
        return False
    low, high = (0 if g == "K" else int(g) for g in (match[1], match[2] or match[1]))
    return 0 <= low <= high <= 12


def _load_course(tree: PackTree, org: OrgSpec, course_dir: Path) -> None:
    file = course_dir / "course.yml"
    report = _Reporter(tree, _display(file))
    raw = _read_text(file)
    data = _load_yaml(raw, report)
    if data is None:
        return
    fields = _Fields(data, report)
    fields.unknown_keys(
        (
            "slug",
            "title",
            "summary",
            "subjects",
            "level",
            "language",
            "license",
            "authors",
            "featured",
            "modules",
            "dialect",
            "source",
        )
    )
    slug = fields.text("slug", required=False) or course_dir.name
    if not SLUG_RE.match(slug):
        report.error(fields.line("slug"), f"slug '{slug}' must match [a-z0-9-]+ (64 at most)")
    if any(c.org_slug == org.slug and c.slug == slug for c in tree.courses):
        report.error(fields.line("slug"), f"course slug '{slug}' is used twice in '{org.slug}'")
        return
    title = fields.text("title")
    summary = fields.text("summary", max_len=1000)
    subjects = fields.text_list("subjects") or []
    subjects = [s.lower() for s in subjects]
    for subject in subjects:
        if subject not in SUBJECTS:
            report.error(fields.line("subjects"), f"unknown subject '{subject}'")
    level = fields.text("level")
    if level and not _valid_level(level):
        report.error(
            fields.line("level"), f"level '{level}' must be a grade band like 6-8, K-2 or 'adult'"
        )
    language = fields.text("language")
    if language and not BCP47_RE.match(language):
        report.error(fields.line("language"), f"language '{language}' is not a BCP 47 tag")
    license_id = fields.text("license")
    if license_id and license_id not in LICENSES:
        report.error(fields.line("license"), _license_message(license_id))
    authors = fields.text_list("authors") or []
    featured = data.get("featured", False)
    if not isinstance(featured, bool):
        report.error(fields.line("featured"), "featured must be true or false")
        featured = False

    dialect = fields.text("dialect", required=False) or "eduhub"
    if dialect not in ("eduhub", "jekyll", "carpentries", "d2l"):
        report.error(
            fields.line("dialect"), f"dialect '{dialect}' is not eduhub, jekyll, carpentries or d2l"
        )
        dialect = "eduhub"
    source_url = fields.text("source", required=False, max_len=500)
    if source_url and not URL_RE.match(source_url):
        report.error(fields.line("source"), "source must be an http:// or https:// URL")
    course_rel = course_dir.resolve().relative_to(org.root.resolve()).as_posix()
    modules = _load_modules(tree, org, course_dir, course_rel, data, fields, report)
    if not (title and summary and subjects and level and language and license_id and authors):
        return
    course = CourseSpec(
        org_slug=org.slug,
        slug=slug,
        title=title,
        summary=summary,
        subjects=subjects,
        level=level,
        language=language,
        license=license_id,
        authors=authors,
        featured=featured,
        modules=modules,
        source_path=course_rel,
        content_hash=file_hash(raw.encode()),
        source_url=source_url,
        dialect=dialect,
    )
    tree.courses.append(course)
    _warn_unlisted(tree, course_dir, modules, course_rel)
    for module in modules:
        for position, lesson_rel in enumerate(module.lesson_paths):
            _load_lesson(tree, org, course, module, position, lesson_rel)


def _license_message(license_id: str) -> str:
    return f"unknown license '{license_id}'; use one of: {', '.join(LICENSES)}"


def _load_modules(
    tree: PackTree,
    org: OrgSpec,
    course_dir: Path,
    course_rel: str,
    data: _LineDict,
    fields: _Fields,
    report: _Reporter,
) -> list[ModuleSpec]:
    raw_modules = data.get("modules")
    if not raw_modules:
        report.error(fields.line("modules"), "missing required field 'modules'")
        return []
    if not isinstance(raw_modules, list):
        report.error(fields.line("modules"), "'modules' must be a list")
        return []
    modules: list[ModuleSpec] = []
    listed: dict[str, int] = {}
    for raw in raw_modules:
        if not isinstance(raw, _LineDict):
            report.error(fields.line("modules"), "each module must be a mapping with a title")
            continue
        module_fields = _Fields(raw, report)
        module_fields.unknown_keys(("title", "slug", "summary", "lessons"))
        title = module_fields.text("title")
        slug = module_fields.text("slug", required=False) or slugify(title or "module")
        if any(m.slug == slug for m in modules):
            report.error(module_fields.line("slug"), f"module slug '{slug}' is used twice")
            continue
        lesson_list = raw.get("lessons")
        if not isinstance(lesson_list, list) or not lesson_list:
            report.error(module_fields.line("lessons"), "a module needs a list of lessons")
            lesson_list = []
        paths: list[str] = []
        item_lines = getattr(lesson_list, "lines", [])
        for index, entry in enumerate(lesson_list):
            line = item_lines[index] if index < len(item_lines) else module_fields.line("lessons")
            if not isinstance(entry, str) or not entry.endswith(".md"):
                report.error(line, f"lesson entry {entry!r} must be a path to a .md file")
                continue
            rel = posixpath.normpath(posixpath.join(course_rel, entry))
            target = org.root / rel
            if rel.startswith("../") or not target.is_file():
                report.error(line, f"module '{title}' lists a missing lesson file: {entry}")
                continue
            if rel in listed:
                report.error(line, f"lesson {entry} is listed twice (also on line {listed[rel]})")
                continue
            listed[rel] = line
            paths.append(rel)
        if title:
            modules.append(
                ModuleSpec(slug, title, module_fields.text("summary", required=False), paths)
            )
    return modules


def _warn_unlisted(
    tree: PackTree, course_dir: Path, modules: list[ModuleSpec], course_rel: str
) -> None:
    listed = {p for m in modules for p in m.lesson_paths}
    for md in sorted(course_dir.rglob("*.md")):
        if md.name.lower() in IGNORED_MARKDOWN:
            continue
        rel = posixpath.join(course_rel, md.relative_to(course_dir).as_posix())
        if rel not in listed:
            tree.messages.append(
                Message(_display(md), 1, "warning", "not listed in any module; not imported")
            )


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter, body, number of lines before the body)."""
    if not text.startswith("---\n"):
        return None, text, 0
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        return None, text, 0
    front = text[4 : 4 + end.start()]
    body_start = 4 + end.end() + 1
    return front, text[body_start:], front.count("\n") + 2


def _load_lesson(
    tree: PackTree,
    org: OrgSpec,
    course: CourseSpec,
    module: ModuleSpec,
    position: int,
    rel: str,
) -> None:
    file = org.root / rel
    display = _display(file)
    report = _Reporter(tree, display)
    if file.stat().st_size > MAX_LESSON_BYTES:
        report.error(1, f"lesson file is larger than {MAX_LESSON_BYTES // 1024} KB")
        return
    if course.dialect != "eduhub":
        from eduhub.packs import foreign

        foreign.convert_listed_lesson(tree, org, course, module, position, rel)
        return
    raw = _read_text(file)
    front, body, offset = _split_front_matter(raw)
    if front is None:
        report.error(1, "missing YAML front matter (a '---' block with title, summary …)")
        return
    data = _load_yaml(front, _Reporter(tree, display, line_offset=1))
    if data is None:
        return
    fields = _Fields(data, _Reporter(tree, display, line_offset=1))
    fields.unknown_keys(
        (
            "id",
            "title",
            "summary",
            "objectives",
            "minutes",
            "tags",
            "license",
            "authors",
            "translation_of",
        )
    )
    explicit_id = fields.text("id", required=False, max_len=128)
    if explicit_id is not None and not LESSON_ID_RE.match(explicit_id):
        fields.report.error(fields.line("id"), f"id '{explicit_id}' must match [a-z0-9-]+")
        explicit_id = None
    uid = f"{org.slug}/{explicit_id}" if explicit_id else _path_uid(org.slug, course, rel)
    title = fields.text("title")
    summary = fields.text("summary", max_len=1000)
    objectives = fields.text_list("objectives")
    minutes = data.get("minutes")
    if minutes is None:
        fields.report.error(fields.line("minutes"), "missing required field 'minutes'")
    elif isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600:
        fields.report.error(fields.line("minutes"), "minutes must be a whole number from 1 to 600")
        minutes = None
    tags = fields.text_list("tags", required=False) or []
    license_id = fields.text("license", required=False)
    if license_id and license_id not in LICENSES:
        fields.report.error(fields.line("license"), _license_message(license_id))
    license_id = license_id or course.license
    authors = fields.text_list("authors", required=False) or course.authors
    translation_of = fields.text("translation_of", required=False)
    translation_uid = None
    if translation_of:
        translation_uid = (
            translation_of if "/" in translation_of else f"{org.slug}/{translation_of}"
        )
    if any(le.uid == uid for le in tree.lessons):
        other = next(le for le in tree.lessons if le.uid == uid)
        fields.report.error(
            fields.line("id"), f"duplicate lesson id '{uid}' (also in {other.file})"
        )
        return
    if not (title and summary and objectives and minutes):
        return
    tree.lessons.append(
        LessonSpec(
            uid=uid,
            org_slug=org.slug,
            course_slug=course.slug,
            module_slug=module.slug,
            position=position,
            title=title,
            summary=summary,
            objectives=objectives,
            minutes=minutes,
            tags=tags,
            language=course.language,
            license=license_id,
            authors=authors,
            translation_of_uid=translation_uid,
            source_path=rel,
            file=file,
            content_hash=file_hash(raw.encode()),
            markdown=body,
            body_line_offset=offset,
            translation_line=fields.line("translation_of") + 1,
        )
    )


def _path_uid(org_slug: str, course: CourseSpec, rel: str) -> str:
    inside = posixpath.relpath(rel, course.source_path)
    stem = inside[: -len(".md")] if inside.endswith(".md") else inside
    segments = [slugify(part) for part in stem.split("/")]
    return "/".join([org_slug, course.slug, *segments])


# --------------------------------------------------------------------------- rendering


class OrgResolver:
    """Resolves a lesson's relative links and images inside its organization's files.

    Used by the validator and importer (files on disk) and by re-rendering (paths recorded in
    the database), so the same link resolves the same way in both.
    """

    def __init__(
        self,
        lesson_path: str,
        lesson_uids: dict[str, str],
        media: Callable[[str], str | None],
    ) -> None:
        self.base = posixpath.dirname(lesson_path)
        self.lesson_uids = lesson_uids
        self.media = media

    def _target(self, target: str) -> str | None:
        if target.startswith("/"):  # site-absolute: from the pack root
            rel = posixpath.normpath(target.lstrip("/"))
        else:
            rel = posixpath.normpath(posixpath.join(self.base, target))
        if rel.startswith(("../", "/")) or rel in ("..", "."):
            return None
        return rel

    def link(self, target: str) -> str | None:
        rel = self._target(target)
        if rel is None:
            return None
        uid = self.lesson_uids.get(rel)
        return lesson_url(uid) if uid else None

    def image(self, target: str) -> str | None:
        rel = self._target(target)
        return self.media(rel) if rel else None


def _media_lookup(
    tree: PackTree, org: OrgSpec, max_bytes: int, rejections: dict[str, str]
) -> Callable[[str], str | None]:
    def lookup(rel: str) -> str | None:
        key = (org.slug, rel)
        if key in tree.media:
            return tree.media[key].url
        file = org.root / rel
        suffix = file.suffix.lower()
        if not file.is_file():
            return None
        if suffix not in IMAGE_TYPES:
            rejections[rel] = f"image type '{suffix}' is not allowed (use {', '.join(IMAGE_TYPES)})"
            return None
        size = file.stat().st_size
        if size > max_bytes:
            rejections[rel] = f"image is larger than {max_bytes // (1024 * 1024)} MB"
            return None
        spec = MediaSpec(
            org.slug, rel, file, file_hash(file.read_bytes()), IMAGE_TYPES[suffix], size
        )
        tree.media[key] = spec
        return spec.url

    return lookup


def _finish(tree: PackTree, max_media_bytes: int, render: bool) -> None:
    """Render every lesson against its organization's files; collect links, images, math."""
    orgs = {org.slug: org for org in tree.orgs}
    uids_by_org = {slug: dict(targets) for slug, targets in tree.link_targets.items()}
    for lesson in tree.lessons:
        uids_by_org.setdefault(lesson.org_slug, {})[lesson.source_path] = lesson.uid
    known_uids = {uid for targets in uids_by_org.values() for uid in targets.values()}
    for lesson in tree.lessons:
        if lesson.translation_of_uid and lesson.translation_of_uid not in known_uids:
            tree.messages.append(
                Message(
                    _display(lesson.file),
                    lesson.translation_line,
                    "warning",
                    f"translation_of names a lesson not in this pack: {lesson.translation_of_uid}",
                )
            )
        if not render:
            continue
        org = orgs[lesson.org_slug]
        rejections: dict[str, str] = {}
        resolver = OrgResolver(
            lesson.source_path,
            uids_by_org.get(lesson.org_slug, {}),
            _media_lookup(tree, org, max_media_bytes, rejections),
        )
        lesson.rendered = render_markdown(
            lesson.markdown, resolver, line_offset=lesson.body_line_offset
        )
        base = posixpath.dirname(lesson.source_path)
        for problem in lesson.rendered.problems:
            text = problem.message
            if text.startswith("missing image: "):
                target = text.removeprefix("missing image: ")
                reason = rejections.get(posixpath.normpath(posixpath.join(base, target)))
                if reason:
                    text = f"{reason}: {target}"
            severity = "warning" if lesson.lenient else problem.severity
            tree.messages.append(Message(_display(lesson.file), problem.line, severity, text))
    if render:
        _check_fragments(tree)
    tree.messages.sort(key=lambda m: (m.path, m.line))


def _check_fragments(tree: PackTree) -> None:
    """Links to ``#heading`` must name a heading that exists in the lesson they point to."""
    anchors = {
        lesson_url(lesson.uid): set(lesson.rendered.anchors)
        for lesson in tree.lessons
        if lesson.rendered
    }
    for lesson in tree.lessons:
        if lesson.rendered is None:
            continue
        own = set(lesson.rendered.anchors)
        for ref in lesson.rendered.lesson_links:
            if not ref.fragment:
                continue
            known = own if not ref.url else anchors.get(ref.url)
            if known is not None and ref.fragment not in known:
                where = "this lesson" if not ref.url else ref.url
                tree.messages.append(
                    Message(
                        _display(lesson.file),
                        ref.line,
                        "warning",
                        f"link to a missing heading: #{ref.fragment} in {where}",
                    )
                )
