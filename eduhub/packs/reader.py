"""Read content packs from disk into validated specs, with every problem at its path and line.

Nothing here touches the database: `eduhub content validate` and the importer share this code,
so what the validator accepts is exactly what the importer imports.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from eduhub.packs import foreign, validator
from eduhub.packs.files import display, is_inside, outside_messages, pack_dir, pack_file, read_text
from eduhub.packs.metadata import (
    Fields,
    LineDict,
    Reporter,
    license_message,
    load_org,
    load_yaml,
    unknown_value,
)
from eduhub.packs.model import (
    BCP47_RE,
    IGNORED_MARKDOWN,
    LESSON_ID_RE,
    LEVEL_RE,
    LICENSES,
    MAX_LESSON_BYTES,
    SLUG_RE,
    SUBJECTS,
    URL_RE,
    CourseSpec,
    LessonSpec,
    Message,
    ModuleSpec,
    OrgSpec,
    PackError,
    PackTree,
    file_hash,
    slugify,
)

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
    # Symlinks that leave the pack are errors wherever they are, and every read below is
    # limited to paths inside the pack, so none is ever followed out.
    tree.messages.extend(outside_messages(path))

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
            validator.check(tree, max_media_bytes, render)
            return tree
    else:
        org_roots = sorted(
            p for p in path.iterdir() if pack_dir(path, p) and (p / "org.yml").is_file()
        )
        if not org_roots:
            raise PackError(f"{path}: no org.yml or course.yml here or in its sub-folders")

    for root in org_roots:
        found = load_org(tree, root)
        if found is None or (org_slug and found.slug != org_slug):
            continue
        org = found
        tree.orgs.append(org)
        tree.course_scope[org.slug] = None
        for course_dir in sorted(p for p in root.iterdir() if (p / "course.yml").is_file()):
            if pack_dir(root, course_dir):
                _load_course(tree, org, course_dir)
    if org_slug and not tree.orgs:
        raise PackError(f"{path}: no organization '{org_slug}' here")
    _check_duplicate_orgs(tree)
    if course_slug:
        _limit_to_course(tree, course_slug)
    validator.check(tree, max_media_bytes, render)
    return tree


def _peek_slug(course_file: Path, default: str) -> str:
    if not pack_file(course_file.parent, course_file):
        return default
    try:
        data = yaml.safe_load(read_text(course_file))
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
    keep_dirs = [display(roots[c.org_slug] / c.source_path) for c in kept]
    keep_dirs += [display(roots[slug] / "org.yml") for slug in kept_orgs]
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
                    display(org.root / "org.yml"),
                    1,
                    "error",
                    f"organization slug '{org.slug}' is also used by {seen[org.slug].root}",
                )
            )
        seen[org.slug] = org


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
    report = Reporter(tree, display(file))
    if not pack_file(course_dir, file):
        return  # a link out of the pack, reported where it is
    raw = read_text(file, course_dir)
    data = load_yaml(raw, report)
    if data is None:
        return
    fields = Fields(data, report)
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
            report.error(fields.line("subjects"), unknown_value("subject", subject, SUBJECTS))
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
        report.error(fields.line("license"), license_message(license_id))
    authors = fields.text_list("authors") or []
    featured = data.get("featured", False)
    if not isinstance(featured, bool):
        report.error(fields.line("featured"), "featured must be true or false")
        featured = False

    dialect = fields.text("dialect", required=False) or "eduhub"
    if dialect not in foreign.DIALECTS:
        report.error(
            fields.line("dialect"),
            unknown_value("dialect", dialect, foreign.DIALECTS),
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


def _load_modules(
    tree: PackTree,
    org: OrgSpec,
    course_dir: Path,
    course_rel: str,
    data: LineDict,
    fields: Fields,
    report: Reporter,
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
        if not isinstance(raw, LineDict):
            report.error(fields.line("modules"), "each module must be a mapping with a title")
            continue
        module_fields = Fields(raw, report)
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
            if entry.startswith("/") or rel.startswith("../") or not is_inside(org.root, target):
                report.error(line, f"module '{title}' lists a lesson outside the pack: {entry}")
                continue
            if not target.is_file():
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
                Message(display(md), 1, "warning", "not listed in any module; not imported")
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
    before = len(tree.lessons)
    _read_lesson(tree, org, course, module, position, rel)
    if len(tree.lessons) == before:
        tree.unusable.setdefault(org.slug, {})[rel] = _path_uid(org.slug, course, rel)


def _read_lesson(
    tree: PackTree,
    org: OrgSpec,
    course: CourseSpec,
    module: ModuleSpec,
    position: int,
    rel: str,
) -> None:
    file = org.root / rel
    shown = display(file)
    report = Reporter(tree, shown)
    if not pack_file(org.root, file):
        report.error(1, "lesson file is outside the pack (a symbolic link); not read")
        return
    if file.stat().st_size > MAX_LESSON_BYTES:
        report.error(1, f"lesson file is larger than {MAX_LESSON_BYTES // 1024} KB")
        return
    if course.dialect != "eduhub":
        foreign.convert_listed_lesson(tree, org, course, module, position, rel)
        return
    raw = read_text(file, org.root)
    front, body, offset = _split_front_matter(raw)
    if front is None:
        report.error(1, "missing YAML front matter (a '---' block with title, summary …)")
        return
    data = load_yaml(front, Reporter(tree, shown, line_offset=1))
    if data is None:
        return
    fields = Fields(data, Reporter(tree, shown, line_offset=1))
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
        fields.report.error(fields.line("license"), license_message(license_id))
    license_id = license_id or course.license
    authors = fields.text_list("authors", required=False) or course.authors
    translation_of = fields.text("translation_of", required=False)
    translation_uid = None
    if translation_of:
        translation_uid = (
            translation_of if "/" in translation_of else f"{org.slug}/{translation_of}"
        )
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
            id_line=fields.line("id") + 1 if explicit_id else 1,
            explicit_id=explicit_id is not None,
        )
    )


def _path_uid(org_slug: str, course: CourseSpec, rel: str) -> str:
    inside = posixpath.relpath(rel, course.source_path)
    stem = inside[: -len(".md")] if inside.endswith(".md") else inside
    segments = [slugify(part) for part in stem.split("/")]
    return "/".join([org_slug, course.slug, *segments])
