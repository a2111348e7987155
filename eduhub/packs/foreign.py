"""Packs written for other sites (Jekyll, Carpentries Workbench, d2lbook) read as EduHub packs.

A foreign pack has no ``org.yml`` or ``course.yml``: its organization comes from ``--org``, its
courses from the dialect's own layout (a Carpentries ``config.yaml``, one course per language
folder of The Programming Historian, one course per d2l book), and each file goes through its
dialect's converter before the shared validation and rendering in ``packs``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduhub.packs import reader as packs
from eduhub.packs.dialects import Converted
from eduhub.packs.model import (
    LICENSES,
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

DIALECTS = ("eduhub", "jekyll", "carpentries", "d2l")
#: Bump when a converter's output changes, so unchanged source files are converted again.
CONVERTER_VERSION = 1

#: The Programming Historian keeps lessons in one folder per language edition.
JEKYLL_LESSON_FOLDERS = {"en": "lessons", "es": "lecciones", "fr": "lecons", "pt": "licoes"}
LESSON_SUFFIXES = (".md", ".rmd")

#: License names as foreign packs write them, mapped to SPDX ids.
_LICENSE_PATTERNS = [
    (re.compile(r"attribution[- ]sharealike 4\.0|cc[- ]by[- ]sa[- ]4\.0", re.I), "CC-BY-SA-4.0"),
    (re.compile(r"attribution 4\.0|cc[- ]by[- ]4\.0", re.I), "CC-BY-4.0"),
    (re.compile(r"cc0|public domain dedication", re.I), "CC0-1.0"),
    (re.compile(r"attribution[- ]sharealike 3\.0|cc[- ]by[- ]sa[- ]3\.0", re.I), "CC-BY-SA-3.0"),
    (re.compile(r"attribution 3\.0|cc[- ]by[- ]3\.0", re.I), "CC-BY-3.0"),
    (re.compile(r"\bMIT License\b", re.I), "MIT"),
    (re.compile(r"Apache License,? Version 2\.0", re.I), "Apache-2.0"),
]


@dataclass
class ForeignOptions:
    org_slug: str | None = None
    course_slug: str | None = None
    license: str | None = None
    source: str | None = None
    max_media_bytes: int = 5 * 1024 * 1024
    known_orgs: Callable[[str], OrgSpec | None] | None = None


@dataclass
class _Source:
    """One lesson file waiting to be converted."""

    rel: str  # path relative to the pack root
    course: CourseSpec
    module_slug: str
    position: int
    uid: str
    retired: bool = False


@dataclass
class _Layout:
    courses: list[CourseSpec] = field(default_factory=list)
    sources: list[_Source] = field(default_factory=list)
    #: Dialect-specific keyword arguments for each file's converter.
    convert_kwargs: dict[str, Any] = field(default_factory=dict)


def detect_dialect(path: Path) -> str:
    """Tell how a pack is written from its files; refuse to guess between two."""
    children = [p for p in path.iterdir() if p.is_dir()] if path.is_dir() else []
    if any((p / "org.yml").is_file() for p in [path, *children]) or (path / "course.yml").is_file():
        return "eduhub"
    found = set()
    if any((p / "config.yaml").is_file() and (p / "episodes").is_dir() for p in [path, *children]):
        found.add("carpentries")
    if (path / "d2l.bib").is_file() or any(p.name.startswith("chapter_") for p in children):
        found.add("d2l")
    if _jekyll_language_folders(path) or (path / "_config.yml").is_file():
        found.add("jekyll")
    if len(found) == 1:
        return found.pop()
    if not found:
        raise PackError(
            f"{path}: cannot tell how this pack is written (no org.yml, config.yaml, d2l.bib or "
            "lesson folders); pass --dialect eduhub|jekyll|carpentries|d2l"
        )
    raise PackError(
        f"{path}: looks like more than one dialect ({', '.join(sorted(found))}); "
        "pass --dialect to choose"
    )


def detect_license(text: str) -> str | None:
    """SPDX id of the license a LICENSE file or a config value names, if recognisable."""
    stripped = text.strip()
    if stripped in LICENSES:
        return stripped
    for pattern, spdx in _LICENSE_PATTERNS:
        if pattern.search(text):
            return spdx
    return None


def _license_from_files(*files: Path) -> str | None:
    for file in files:
        if file.is_file():
            found = detect_license(packs._read_text(file)[:5000])
            if found:
                return found
    return None


def load_foreign(path: Path, dialect: str, options: ForeignOptions) -> PackTree:
    """Read a foreign pack rooted at ``path`` into the same PackTree an EduHub pack gives."""
    if dialect not in DIALECTS[1:]:
        raise PackError(f"unknown dialect '{dialect}'; use one of {', '.join(DIALECTS)}")
    if options.source and not packs.URL_RE.match(options.source):
        raise PackError(f"--source {options.source}: give an http:// or https:// URL")
    if options.license and options.license not in LICENSES:
        raise PackError(
            f"--license {options.license} is not allowed; use one of: {', '.join(LICENSES)}"
        )
    path = path.resolve()
    org = _organization(path, options)
    tree = PackTree(orgs=[org], dialect_used=dialect)
    tree.course_scope[org.slug] = None
    layout = {"jekyll": _jekyll_layout, "carpentries": _carpentries_layout, "d2l": _d2l_layout}[
        dialect
    ](tree, org, path, options)
    if options.course_slug:
        layout.courses = [c for c in layout.courses if c.slug == options.course_slug]
        if not layout.courses:
            raise PackError(f"no course '{options.course_slug}' in this pack")
        layout.sources = [s for s in layout.sources if s.course.slug == options.course_slug]
        tree.course_scope[org.slug] = {options.course_slug}
    tree.courses = layout.courses
    files = {source.rel for source in layout.sources}
    for source in layout.sources:
        _convert(tree, org, source, dialect, files, layout.convert_kwargs)
    packs._finish(tree, options.max_media_bytes, render=True)
    return tree


def _organization(path: Path, options: ForeignOptions) -> OrgSpec:
    if (path / "org.yml").is_file():
        probe = PackTree()
        org = packs._load_org(probe, path)
        if org is None:
            raise PackError("; ".join(str(m) for m in probe.messages))
        return org
    if not options.org_slug:
        raise PackError(
            f"{path}: this pack has no org.yml; pass --org SLUG to name the organization "
            "it is imported for (created when new)"
        )
    if not packs.SLUG_RE.match(options.org_slug):
        raise PackError(f"--org {options.org_slug}: a slug is [a-z0-9-]+")
    known = options.known_orgs(options.org_slug) if options.known_orgs else None
    if known is not None:
        known.root = path
        return known
    # A new organization named from its slug; an org.yml imported later fills in the rest.
    return OrgSpec(
        slug=options.org_slug,
        name=options.org_slug.replace("-", " ").title(),
        kind="nonprofit",
        city="Online",
        region=None,
        country="International",
        website=None,
        description=None,
        root=path,
        from_file=True,
    )


def _course(
    org: OrgSpec,
    slug: str,
    title: str,
    *,
    summary: str,
    subjects: list[str],
    language: str,
    license_id: str,
    authors: list[str],
    modules: list[ModuleSpec],
    source_path: str,
    source_url: str | None,
    dialect: str,
    fingerprint: str,
) -> CourseSpec:
    return CourseSpec(
        org_slug=org.slug,
        slug=slug,
        title=title,
        summary=summary,
        subjects=subjects,
        level="adult",
        language=language,
        license=license_id,
        authors=authors or [org.name],
        featured=False,
        modules=modules,
        source_path=source_path,
        content_hash=file_hash(f"{dialect}:{CONVERTER_VERSION}:{fingerprint}".encode()),
        source_url=source_url,
        dialect=dialect,
    )


def _require_license(found: str | None, options: ForeignOptions, where: Path) -> str:
    license_id = options.license or found
    if license_id is None:
        raise PackError(
            f"{where}: cannot tell under which license this content is shared (no license in "
            "front matter, config.yaml or a LICENSE file); pass --license SPDX, one of: "
            + ", ".join(LICENSES)
        )
    return license_id


def _lesson_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in LESSON_SUFFIXES
        and p.name.lower() not in packs.IGNORED_MARKDOWN
    )


# --------------------------------------------------------------------------- Jekyll


def _jekyll_language_folders(path: Path) -> list[tuple[str, Path]]:
    found = []
    for language, folder in JEKYLL_LESSON_FOLDERS.items():
        if (path / language / folder).is_dir():
            found.append((language, path / language / folder))
    if not found and path.name in JEKYLL_LESSON_FOLDERS.values():
        language = next(k for k, v in JEKYLL_LESSON_FOLDERS.items() if v == path.name)
        found.append((language, path))
    return found


def _jekyll_layout(tree: PackTree, org: OrgSpec, path: Path, options: ForeignOptions) -> _Layout:
    from eduhub.catalog.vocabulary import language_name

    folders = _jekyll_language_folders(path)
    if not folders:
        folders = [("en", path)]
    license_id = _require_license(
        _license_from_files(path / "LICENSE", path / "LICENSE.md"), options, path
    )
    layout = _Layout()
    seen_ids: dict[str, str] = {}
    for language, folder in folders:
        files = _lesson_files(folder)
        live = [f for f in files if not _is_retired(f.relative_to(folder).as_posix())]
        retired = [f for f in files if f not in live]
        modules = [ModuleSpec("lessons", "Lessons", None, [_rel(path, f) for f in live])]
        if retired:
            modules.append(
                ModuleSpec("retired", "Retired lessons", None, [_rel(path, f) for f in retired])
            )
        slug = language if len(folders) > 1 or not options.course_slug else options.course_slug
        course = _course(
            org,
            slug,
            f"{org.name} ({language_name(language)})",
            summary=f"Lessons of {org.name} in {language_name(language)}.",
            subjects=["digital-humanities", "history", "programming"],
            language=language,
            license_id=license_id,
            authors=[f"{org.name} authors and translators"],
            modules=modules,
            source_path=_rel(path, folder) if folder != path else ".",
            source_url=options.source,
            dialect="jekyll",
            fingerprint="\n".join(_rel(path, f) for f in files),
        )
        layout.courses.append(course)
        for module in modules:
            for position, rel in enumerate(module.lesson_paths):
                stem = slugify(Path(rel).stem)
                # Lessons are known across editions by their file stem ("original: <stem>").
                lesson_id = stem if stem not in seen_ids else f"{language}-{stem}"
                seen_ids.setdefault(stem, rel)
                layout.sources.append(
                    _Source(
                        rel,
                        course,
                        module.slug,
                        position,
                        f"{org.slug}/{lesson_id}",
                        retired=module.slug == "retired",
                    )
                )
    return layout


def _is_retired(rel: str) -> bool:
    return any(part in ("retired", "retirada", "retirado", "retiree") for part in rel.split("/"))


def _rel(root: Path, file: Path) -> str:
    return file.relative_to(root).as_posix()


# --------------------------------------------------------------------------- Carpentries


def _carpentries_layout(
    tree: PackTree, org: OrgSpec, path: Path, options: ForeignOptions
) -> _Layout:
    from eduhub.packs.dialects import carpentries

    lesson_dirs = (
        [path]
        if (path / "config.yaml").is_file()
        else sorted(p for p in path.iterdir() if (p / "config.yaml").is_file())
    )
    layout = _Layout()
    for lesson_dir in lesson_dirs:
        config = carpentries.read_config(packs._read_text(lesson_dir / "config.yaml"))
        license_id = _require_license(
            config.license
            or _license_from_files(lesson_dir / "LICENSE.md", lesson_dir / "LICENSE"),
            options,
            lesson_dir,
        )
        prefix = "" if lesson_dir == path else f"{lesson_dir.name}/"
        modules = []
        for folder, title, listed in (
            ("episodes", "Episodes", config.episodes),
            ("learners", "Learner resources", config.learners),
            ("instructors", "Instructor notes", config.instructors),
            ("profiles", "Learner profiles", config.profiles),
        ):
            names = list(listed or [])
            if not names and (lesson_dir / folder).is_dir():
                names = [
                    f.name for f in _lesson_files(lesson_dir / folder) if f.parent.name == folder
                ]
            paths = [
                f"{prefix}{folder}/{name}"
                for name in names
                if (lesson_dir / folder / name).is_file()
            ]
            if folder == "episodes" and (lesson_dir / "index.md").is_file():
                paths.insert(0, f"{prefix}index.md")
            if paths:
                modules.append(ModuleSpec(folder, title, None, paths))
        authors = _authors_file(lesson_dir / "AUTHORS") or list(config.authors or [])
        slug = (
            slugify(lesson_dir.name)
            if lesson_dir != path
            else (options.course_slug or slugify(lesson_dir.name))
        )
        course = _course(
            org,
            slug,
            config.title or lesson_dir.name,
            summary=f"The Carpentries lesson “{config.title or lesson_dir.name}”.",
            subjects=["programming", "computing", "data"],
            language=config.lang or "en",
            license_id=license_id,
            authors=authors,
            modules=modules,
            source_path=prefix.rstrip("/") or ".",
            source_url=options.source or _safe_url(config.source),
            dialect="carpentries",
            fingerprint="\n".join(p for m in modules for p in m.lesson_paths),
        )
        layout.courses.append(course)
        for module in modules:
            for position, rel in enumerate(module.lesson_paths):
                inside = rel[len(prefix) :]
                uid = f"{org.slug}/{course.slug}/" + "/".join(
                    slugify(part) for part in posixpath.splitext(inside)[0].split("/")
                )
                layout.sources.append(_Source(rel, course, module.slug, position, uid))
    return layout


def _safe_url(value: str | None) -> str | None:
    """A source URL from a pack's own files, kept only if it is plain http(s): it ends up in
    an href on every lesson page."""
    return value if value and packs.URL_RE.match(value) else None


def _authors_file(file: Path) -> list[str]:
    if not file.is_file():
        return []
    return [line.strip() for line in packs._read_text(file).splitlines() if line.strip()]


# --------------------------------------------------------------------------- d2l

_TOC_BLOCK = re.compile(r"^```toc\s*\n(.*?)^```", re.M | re.S)


def _toc_entries(text: str) -> list[str]:
    entries = []
    for block in _TOC_BLOCK.findall(text):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith(":"):
                entries.append(line)
    return entries


def _d2l_layout(tree: PackTree, org: OrgSpec, path: Path, options: ForeignOptions) -> _Layout:
    from eduhub.packs.dialects import d2l

    license_id = _require_license(
        _license_from_files(path / "LICENSE-SUMMARY", path / "LICENSE", path / "LICENSE.md"),
        options,
        path,
    )
    root_index = path / "index.md"
    root_text = packs._read_text(root_index) if root_index.is_file() else ""
    chapter_order = [entry.split("/")[0] for entry in _toc_entries(root_text)]
    chapters = sorted(
        (p for p in path.iterdir() if p.is_dir() and (p / "index.md").is_file()),
        key=lambda p: (chapter_order.index(p.name) if p.name in chapter_order else 999, p.name),
    )
    modules = []
    if root_index.is_file():
        modules.append(ModuleSpec("about", "About this book", None, ["index.md"]))
    for chapter in chapters:
        index_text = packs._read_text(chapter / "index.md")
        order = _toc_entries(index_text)
        files = [f.name for f in _lesson_files(chapter) if f.parent == chapter]
        ordered = ["index.md"] + [f"{e}.md" for e in order if f"{e}.md" in files]
        ordered += [f for f in files if f not in ordered]
        title = _first_heading(index_text) or chapter.name
        modules.append(
            ModuleSpec(slugify(chapter.name), title, None, [f"{chapter.name}/{f}" for f in ordered])
        )
    sources_text = {
        rel: packs._read_text(path / rel) for module in modules for rel in module.lesson_paths
    }
    bib = path / "d2l.bib"
    slug = options.course_slug or slugify(path.name)
    course = _course(
        org,
        slug,
        _first_heading(root_text) or path.name,
        summary=f"Chapters of “{_first_heading(root_text) or path.name}”.",
        subjects=["mathematics", "computing", "data"],
        language="en",
        license_id=license_id,
        authors=[f"{org.name} authors"],
        modules=modules,
        source_path=".",
        source_url=options.source,
        dialect="d2l",
        fingerprint="\n".join(sources_text),
    )
    layout = _Layout(courses=[course])
    layout.convert_kwargs = {
        "labels": d2l.index_labels(sources_text),
        "bibliography": d2l.parse_bibliography(packs._read_text(bib)) if bib.is_file() else {},
    }
    for module in modules:
        for position, rel in enumerate(module.lesson_paths):
            uid = f"{org.slug}/{slug}/" + "/".join(
                slugify(part) for part in posixpath.splitext(rel)[0].split("/")
            )
            layout.sources.append(_Source(rel, course, module.slug, position, uid))
    return layout


_HEADING = re.compile(r"^#\s+(?P<atx>.+?)\s*#*\s*$|^(?P<setext>[^\s`:].*)\n=+\s*$", re.M)


def _first_heading(text: str) -> str | None:
    """The first level-1 heading, ATX (``# T``) or setext (``T`` over ``===``)."""
    match = _HEADING.search(text)
    if match is None:
        return None
    return (match.group("atx") or match.group("setext")).strip()


# --------------------------------------------------------------------------- conversion


def make_link_resolver(current: str, files: set[str]) -> Callable[[str], str | None]:
    """Map a link as written in ``current`` to the lesson file it means, relative to ``current``.

    Accepts relative targets with .md, .Rmd, .html or no extension, and site-absolute targets
    the way Jekyll sites write them ("/en/lessons/x", "/lessons/x", "/es/lecciones/x/").
    """
    by_stem: dict[str, str] = {}
    for rel in files:
        by_stem.setdefault(posixpath.splitext(rel)[0].lower(), rel)
    base = posixpath.dirname(current)

    def candidates(target: str) -> list[str]:
        target = target.split("?")[0].rstrip("/")
        stem = re.sub(r"\.(md|rmd|html?)$", "", target, flags=re.I)
        if target.startswith("/"):
            stem = stem.lstrip("/")
            found = [stem]
            parts = stem.split("/")
            if len(parts) == 2 and parts[0] == "lessons":  # old English URLs
                found.append(f"en/{stem}")
            if len(parts) >= 2:  # retired lessons keep their public URL
                found.append("/".join([*parts[:-1], "retired", parts[-1]]))
                found.append("/".join([*parts[:-1], "retirada", parts[-1]]))
            return found
        return [posixpath.normpath(posixpath.join(base, stem))]

    def resolve(target: str) -> str | None:
        for candidate in candidates(target):
            rel = by_stem.get(candidate.lower())
            if rel is not None:
                return posixpath.relpath(rel, base or ".")
        return None

    return resolve


def _convert(
    tree: PackTree,
    org: OrgSpec,
    source: _Source,
    dialect: str,
    files: set[str],
    kwargs: dict[str, Any],
) -> None:
    from eduhub.packs.dialects import carpentries, d2l, jekyll

    converter = {"jekyll": jekyll, "carpentries": carpentries, "d2l": d2l}[dialect]
    file = org.root / source.rel
    display = packs._display(file)
    raw = packs._read_text(file)
    resolver = make_link_resolver(source.rel, files)
    converted: Converted = converter.convert(raw, path=source.rel, resolve_link=resolver, **kwargs)
    for line, severity, text in converted.messages:
        tree.messages.append(Message(display, line, severity, text))
    tree.lessons.append(
        lesson_from_converted(
            converted,
            source=source,
            org=org,
            file=file,
            display=display,
            content_hash=file_hash(f"{dialect}:{CONVERTER_VERSION}:{raw}".encode()),
            tree=tree,
        )
    )


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    if isinstance(value, dict):  # e.g. {name: …, orcid: …}
        return [str(value.get("name") or next(iter(value.values()), ""))]
    return [str(value)]


def lesson_from_converted(
    converted: Converted,
    *,
    source: _Source,
    org: OrgSpec,
    file: Path,
    display: str,
    content_hash: str,
    tree: PackTree,
) -> LessonSpec:
    """A LessonSpec from a converter's result, with the course filling what the source omits."""
    front = converted.front
    course = source.course
    license_id = front.get("license") or course.license
    if license_id not in LICENSES:
        tree.messages.append(
            Message(
                display,
                1,
                "warning",
                f"license '{license_id}' not recognised; using {course.license}",
            )
        )
        license_id = course.license
    translation = front.get("translation_of")
    translation_uid = None
    if translation:
        translation_uid = (
            str(translation)
            if "/" in str(translation)
            else f"{org.slug}/{slugify(str(translation))}"
        )
    minutes = front.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
        minutes = 10
    title = str(front.get("title") or "").strip() or Path(source.rel).stem.replace("-", " ")
    extra = dict(front.get("extra") or {})
    if front.get("date"):
        extra.setdefault("date", str(front["date"]))
    return LessonSpec(
        uid=source.uid,
        org_slug=org.slug,
        course_slug=course.slug,
        module_slug=source.module_slug,
        position=source.position,
        title=title[:300],
        summary=str(front.get("summary") or "").strip()[:1000],
        objectives=_texts(front.get("objectives")),
        minutes=minutes,
        tags=_texts(front.get("tags"))[:30],
        language=course.language,
        license=license_id,
        authors=_texts(front.get("authors")) or course.authors,
        translation_of_uid=translation_uid,
        source_path=source.rel,
        file=file,
        content_hash=content_hash,
        markdown=converted.body,
        body_line_offset=converted.body_line_offset,
        translators=_texts(front.get("translators")),
        extra={k: _plain(v) for k, v in extra.items()},
        retired=source.retired or bool(front.get("retired")),
        lenient=True,
        dialect_counts=dict(converted.counts),
    )


def _plain(value: Any) -> Any:
    """JSON-safe copy of a front matter value (dates become ISO strings)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def convert_listed_lesson(
    tree: PackTree, org: OrgSpec, course: CourseSpec, module: ModuleSpec, position: int, rel: str
) -> None:
    """A lesson of an EduHub course whose ``course.yml`` says ``dialect: …``."""
    inside = posixpath.relpath(rel, course.source_path)
    uid = f"{org.slug}/{course.slug}/" + "/".join(
        slugify(part) for part in posixpath.splitext(inside)[0].split("/")
    )
    source = _Source(rel, course, module.slug, position, uid)
    files = {p for m in course.modules for p in m.lesson_paths} | {rel}
    _convert(tree, org, source, course.dialect, files, {})
