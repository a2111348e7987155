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

from eduhub.packs import validator
from eduhub.packs.dialects import (
    Converted,
    carpentries,
    d2l,
    first_paragraph,
    jekyll,
    markdown,
)
from eduhub.packs.files import (
    display,
    outside_messages,
    pack_dir,
    pack_file,
    read_optional,
    read_text,
)
from eduhub.packs.metadata import load_org
from eduhub.packs.model import (
    BCP47_RE,
    IGNORED_MARKDOWN,
    LICENSES,
    SLUG_RE,
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
    #: Language of files outside any language folder (plain Markdown); "en" when not given.
    language: str | None = None


@dataclass
class _Source:
    """One lesson file waiting to be converted."""

    rel: str  # path relative to the pack root
    course: CourseSpec
    module_slug: str
    position: int
    uid: str
    retired: bool = False
    #: The uid of the lesson this file translates, when its layout says so (plain Markdown).
    translation_of: str | None = None


@dataclass
class _Layout:
    courses: list[CourseSpec] = field(default_factory=list)
    sources: list[_Source] = field(default_factory=list)
    #: Dialect-specific keyword arguments for each file's converter.
    convert_kwargs: dict[str, Any] = field(default_factory=dict)
    #: True when --course already named these courses (one per language), so none is dropped.
    named_by_course_option: bool = False


def _children(path: Path) -> list[Path]:
    """Sub-folders of ``path`` that stay inside it (a symlinked folder elsewhere is not one)."""
    return sorted(p for p in path.iterdir() if pack_dir(path, p)) if path.is_dir() else []


def _looks_native(path: Path) -> bool:
    return (path / "course.yml").is_file() or any(
        (p / "org.yml").is_file() for p in [path, *_children(path)]
    )


def _looks_carpentries(path: Path) -> bool:
    return any(
        (p / "config.yaml").is_file() and (p / "episodes").is_dir()
        for p in [path, *_children(path)]
    )


def _looks_d2l(path: Path) -> bool:
    return (path / "d2l.bib").is_file() or any(
        p.name.startswith("chapter_") for p in _children(path)
    )


def _looks_jekyll(path: Path) -> bool:
    return bool(_jekyll_language_folders(path)) or (path / "_config.yml").is_file()


def detect_dialect(path: Path) -> str:
    """Tell how a pack is written from its files; refuse to guess between two."""
    if REGISTRY["eduhub"].detect(path):
        return "eduhub"
    found = {d.name for d in REGISTRY.values() if not d.fallback and d.detect(path)}
    if not found:
        found = {d.name for d in REGISTRY.values() if d.fallback and d.detect(path)}
    if len(found) == 1:
        return found.pop()
    if not found:
        raise PackError(
            f"{path}: cannot tell how this pack is written (no org.yml, config.yaml, d2l.bib or "
            f"lesson folders); pass --dialect {'|'.join(DIALECTS)}"
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


def _license_from_files(root: Path, *files: Path) -> str | None:
    for file in files:
        if pack_file(root, file):
            found = detect_license(read_text(file, root)[:5000])
            if found:
                return found
    return None


def load_foreign(path: Path, dialect: str, options: ForeignOptions) -> PackTree:
    """Read a foreign pack rooted at ``path`` into the same PackTree an EduHub pack gives."""
    if dialect not in REGISTRY or REGISTRY[dialect].layout is None:
        raise PackError(f"unknown dialect '{dialect}'; use one of {', '.join(DIALECTS)}")
    if options.source and not URL_RE.match(options.source):
        raise PackError(f"--source {options.source}: give an http:// or https:// URL")
    if options.language and not BCP47_RE.match(options.language):
        raise PackError(f"--language {options.language}: give a language tag such as es or fr-CA")
    if options.license and options.license not in LICENSES:
        raise PackError(
            f"--license {options.license} is not allowed; use one of: {', '.join(LICENSES)}"
        )
    path = path.resolve()
    org = _organization(path, options)
    tree = PackTree(orgs=[org], dialect_used=dialect)
    tree.messages.extend(outside_messages(path))
    tree.course_scope[org.slug] = None
    layout_of = REGISTRY[dialect].layout
    if layout_of is None:  # the native format is read by reader.load_tree
        raise PackError(f"dialect '{dialect}' is not a foreign dialect")
    layout = layout_of(tree, org, path, options)
    if options.course_slug and layout.named_by_course_option:
        tree.course_scope[org.slug] = {c.slug for c in layout.courses}
    elif options.course_slug:
        layout.courses = [c for c in layout.courses if c.slug == options.course_slug]
        if not layout.courses:
            raise PackError(f"no course '{options.course_slug}' in this pack")
        layout.sources = [s for s in layout.sources if s.course.slug == options.course_slug]
        tree.course_scope[org.slug] = {options.course_slug}
    tree.courses = layout.courses
    files = {source.rel for source in layout.sources}
    for source in layout.sources:
        _convert(tree, org, source, dialect, files, layout.convert_kwargs)
    validator.check(tree, options.max_media_bytes, render=True)
    return tree


def _organization(path: Path, options: ForeignOptions) -> OrgSpec:
    if (path / "org.yml").is_file():
        probe = PackTree()
        org = load_org(probe, path)
        if org is None:
            raise PackError("; ".join(str(m) for m in probe.messages))
        return org
    if not options.org_slug:
        raise PackError(
            f"{path}: this pack has no org.yml; pass --org SLUG to name the organization "
            "it is imported for (created when new)"
        )
    if not SLUG_RE.match(options.org_slug):
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


def _lesson_files(folder: Path, root: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if pack_file(root, p)
        and p.suffix.lower() in LESSON_SUFFIXES
        and p.name.lower() not in IGNORED_MARKDOWN
    )


# --------------------------------------------------------------------------- Jekyll


def _jekyll_language_folders(path: Path) -> list[tuple[str, Path]]:
    found = []
    for language, folder in JEKYLL_LESSON_FOLDERS.items():
        if pack_dir(path, path / language / folder):
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
        _license_from_files(path, path / "LICENSE", path / "LICENSE.md"), options, path
    )
    layout = _Layout()
    seen_ids: set[str] = set()
    for language, folder in folders:
        folder_rel = _rel(path, folder) if folder != path else ""
        files = _lesson_files(folder, path)
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
                lesson_id = _jekyll_id(rel, folder_rel, language, seen_ids)
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


def _jekyll_id(rel: str, folder_rel: str, language: str, seen: set[str]) -> str:
    """A lesson's id: its file stem, as editions name each other ("original: <stem>").

    A stem already taken gets the language in front (the id every lesson of a second edition
    has had since the first import); when that is taken too (two folders of one edition hold
    the same file name), the whole path inside the edition's folder. Ids that import today
    keep their value; only what used to collide gets the longer form.
    """
    stem = slugify(Path(rel).stem)
    inside = posixpath.relpath(rel, folder_rel) if folder_rel else rel
    whole = "-".join(slugify(part) for part in posixpath.splitext(inside)[0].split("/"))
    for candidate in (stem, f"{language}-{stem}", f"{language}-{whole}"):
        if candidate not in seen:
            seen.add(candidate)
            return candidate
    return f"{language}-{whole}"  # two paths slug alike: the validator reports both files


def _is_retired(rel: str) -> bool:
    return any(part in ("retired", "retirada", "retirado", "retiree") for part in rel.split("/"))


def _rel(root: Path, file: Path) -> str:
    return file.relative_to(root).as_posix()


# --------------------------------------------------------------------------- Carpentries


def _carpentries_layout(
    tree: PackTree, org: OrgSpec, path: Path, options: ForeignOptions
) -> _Layout:
    lesson_dirs = (
        [path]
        if pack_file(path, path / "config.yaml")
        else [p for p in _children(path) if pack_file(path, p / "config.yaml")]
    )
    layout = _Layout()
    for lesson_dir in lesson_dirs:
        config = carpentries.read_config(read_text(lesson_dir / "config.yaml", path))
        license_id = _require_license(
            config.license
            or _license_from_files(path, lesson_dir / "LICENSE.md", lesson_dir / "LICENSE"),
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
            if not names and pack_dir(path, lesson_dir / folder):
                names = [
                    f.name
                    for f in _lesson_files(lesson_dir / folder, path)
                    if f.parent.name == folder
                ]
            paths = [
                f"{prefix}{folder}/{name}"
                for name in names
                if pack_file(path, lesson_dir / folder / name)
            ]
            if folder == "episodes" and pack_file(path, lesson_dir / "index.md"):
                paths.insert(0, f"{prefix}index.md")
            if paths:
                modules.append(ModuleSpec(folder, title, None, paths))
        authors = _authors_file(path, lesson_dir / "AUTHORS") or list(config.authors or [])
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
    return value if value and URL_RE.match(value) else None


def _authors_file(root: Path, file: Path) -> list[str]:
    if not pack_file(root, file):
        return []
    return [line.strip() for line in read_text(file, root).splitlines() if line.strip()]


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
    license_id = _require_license(
        _license_from_files(path, path / "LICENSE-SUMMARY", path / "LICENSE", path / "LICENSE.md"),
        options,
        path,
    )
    root_index = path / "index.md"
    root_text = read_text(root_index, path) if pack_file(path, root_index) else ""
    chapter_order = [entry.split("/")[0] for entry in _toc_entries(root_text)]
    chapters = sorted(
        (p for p in _children(path) if pack_file(path, p / "index.md")),
        key=lambda p: (chapter_order.index(p.name) if p.name in chapter_order else 999, p.name),
    )
    modules = []
    if root_text:
        modules.append(ModuleSpec("about", "About this book", None, ["index.md"]))
    for chapter in chapters:
        index_text = read_text(chapter / "index.md", path)
        order = _toc_entries(index_text)
        files = [f.name for f in _lesson_files(chapter, path) if f.parent == chapter]
        ordered = ["index.md"] + [f"{e}.md" for e in order if f"{e}.md" in files]
        ordered += [f for f in files if f not in ordered]
        title = _first_heading(index_text) or chapter.name
        modules.append(
            ModuleSpec(slugify(chapter.name), title, None, [f"{chapter.name}/{f}" for f in ordered])
        )
    sources_text = {
        rel: read_text(path / rel, path) for module in modules for rel in module.lesson_paths
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
        "bibliography": (
            d2l.parse_bibliography(read_text(bib, path)) if pack_file(path, bib) else {}
        ),
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


# --------------------------------------------------------------------------- plain Markdown

#: Folder names that say a language: "es", "fr-CA", "pt_BR" (ISO 639-1 plus region or script).
_LANGUAGE_FOLDER = re.compile(r"^[a-z]{2}(?:[-_](?:[A-Za-z]{2}|[A-Za-z]{4}|\d{3}))?$")
_MARKDOWN_LICENSES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING")


def _language_tag(name: str) -> str | None:
    """The language a folder name states ("es", "fr-CA"), or None; langcodes knows the codes."""
    import langcodes

    if not _LANGUAGE_FOLDER.match(name):
        return None
    tag = name.replace("_", "-")
    return str(langcodes.standardize_tag(tag)) if langcodes.tag_is_valid(tag) else None


def split_language(rel: str) -> tuple[str | None, str]:
    """(language, path without its language marker) for ``pages.es/x.md``, ``docs/fr/x.md``…

    The first folder that names a language wins: ``es/``, ``fr-CA/`` (dropped from the path) or
    ``pages.es/`` (becomes ``pages/``), so translations line up with the file they translate.
    """
    parts = rel.split("/")
    for index, part in enumerate(parts[:-1]):
        language = _language_tag(part)
        if language:
            return language, "/".join(parts[:index] + parts[index + 1 :])
        base, dot, suffix = part.rpartition(".")
        language = _language_tag(suffix) if dot and base else None
        if language:
            return language, "/".join([*parts[:index], base, *parts[index + 1 :]])
    return None, rel


def _has_front_matter(file: Path) -> bool:
    with file.open("rb") as handle:
        start = handle.read(8)
    return start.removeprefix(b"\xef\xbb\xbf").startswith((b"---\n", b"---\r\n"))


def _looks_markdown(path: Path) -> bool:
    """A folder holding .md files without front matter (tried after every other dialect)."""
    if not path.is_dir():
        return False
    for count, file in enumerate(_lesson_files(path, path)):
        if file.suffix.lower() == ".md" and not _has_front_matter(file):
            return True
        if count > 500:
            break
    return False


def _natural(text: str) -> list[Any]:
    """Sort key where "2-x" comes before "10-x": numeric prefixes are ordered as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _markdown_layout(tree: PackTree, org: OrgSpec, path: Path, options: ForeignOptions) -> _Layout:
    from eduhub.templating import language_name

    license_id = _require_license(
        _license_from_files(path, *(path / name for name in _MARKDOWN_LICENSES)), options, path
    )
    default_language = options.language or "en"
    files = [f for f in _lesson_files(path, path) if f.suffix.lower() == ".md"]
    groups: dict[str, list[tuple[str, str]]] = {}  # language -> [(rel, path without marker)]
    from_folders = 0
    for file in files:
        rel = _rel(path, file)
        language, canonical = split_language(rel)
        from_folders += language is not None
        groups.setdefault(language or default_language, []).append((rel, canonical))
    base = options.course_slug or slugify(path.name)
    readme = read_optional(path, path / "README.md", path / "index.md")
    readme_text = readme[1] if readme else ""
    title = markdown.first_heading(readme_text) or markdown.humanise(path.name)
    layout = _Layout(named_by_course_option=True)
    inferred = {"modules": 0, "languages": len(groups) if from_folders else 0}
    originals: dict[str, str] = {}  # path without marker -> uid, in the default language
    for language in sorted(groups, key=lambda lang: (lang != default_language, lang)):
        entries = sorted(groups[language], key=lambda e: _natural(e[1]))
        slug = base if language == default_language else f"{base}-{language.lower()}"
        modules = _markdown_modules(entries)
        inferred["modules"] += len(modules)
        course = _course(
            org,
            slug,
            title if language == default_language else f"{title} ({language_name(language)})",
            summary=first_paragraph(readme_text) or f"Lessons of {title}.",
            subjects=[],
            language=language,
            license_id=license_id,
            authors=[f"{org.name} authors"],
            modules=modules,
            source_path=".",
            source_url=options.source,
            dialect="markdown",
            fingerprint="\n".join(rel for rel, _ in entries),
        )
        layout.courses.append(course)
        canonical_of = dict(entries)
        for module in modules:
            for position, rel in enumerate(module.lesson_paths):
                canonical = canonical_of[rel]
                uid = f"{org.slug}/{slug}/" + "/".join(
                    slugify(part) for part in posixpath.splitext(canonical)[0].split("/")
                )
                source = _Source(rel, course, module.slug, position, uid)
                if language == default_language:
                    originals[canonical] = uid
                else:
                    source.translation_of = _original_of(canonical, originals)
                layout.sources.append(source)
    for name, value in inferred.items():
        if value:
            tree.inferred[name] = value
    return layout


def _original_of(canonical: str, originals: dict[str, str]) -> str | None:
    """The default-language lesson a translation mirrors: the same path, or one that ends it.

    ``pages.es/01-intro/a.md`` mirrors ``pages/01-intro/a.md``, and also ``01-intro/a.md`` when
    the default language sits at the top; an ambiguous match links nothing.
    """
    if canonical in originals:
        return originals[canonical]
    matches = [
        uid
        for path, uid in originals.items()
        if canonical.endswith("/" + path) or path.endswith("/" + canonical)
    ]
    return matches[0] if len(matches) == 1 else None


def _markdown_modules(entries: list[tuple[str, str]]) -> list[ModuleSpec]:
    """One module per sub-folder (ordered by name, numeric prefixes respected).

    A folder every file sits in (``pages/``, ``docs/``) is not a module of its own; files at the
    top come first, as "Lessons".
    """
    dirs = [posixpath.dirname(canonical).split("/") for _, canonical in entries]
    common = 0
    while dirs and all(len(d) > common and d[common] == dirs[0][common] for d in dirs):
        common += 1
    modules: dict[str, ModuleSpec] = {}
    for (rel, _canonical), folders in zip(entries, dirs, strict=True):
        folder = folders[common] if len(folders) > common and folders[common] else ""
        if folder not in modules:
            title = markdown.humanise(folder) if folder else "Lessons"
            slug, taken = slugify(title), {m.slug for m in modules.values()}
            if slug in taken:
                slug = slugify(folder)
            while slug in taken:  # "Intro" and "intro": still one module each
                slug += "-2"
            modules[folder] = ModuleSpec(slug, title, None, [])
        modules[folder].lesson_paths.append(rel)
    return [modules[key] for key in sorted(modules, key=lambda k: (k != "", _natural(k)))]


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
    converter = REGISTRY[dialect].converter
    file = org.root / source.rel
    shown = display(file)
    raw = read_text(file, org.root)
    resolver = make_link_resolver(source.rel, files)
    converted: Converted = converter.convert(raw, path=source.rel, resolve_link=resolver, **kwargs)
    for line, severity, text in converted.messages:
        tree.messages.append(Message(shown, line, severity, text))
    tree.lessons.append(
        lesson_from_converted(
            converted,
            source=source,
            org=org,
            file=file,
            display=shown,
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
    translation = front.get("translation_of") or source.translation_of
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


# --------------------------------------------------------------------------- the registry

Layout = Callable[[PackTree, OrgSpec, Path, ForeignOptions], _Layout]


@dataclass(frozen=True)
class Dialect:
    """One way a pack can be written: how to recognise it, lay it out and convert its files."""

    name: str
    detect: Callable[[Path], bool]
    #: Builds courses and the list of files to convert; None for the native format (reader.py).
    layout: Layout | None = None
    #: Module with ``convert(text, *, path, resolve_link, …) -> Converted``.
    converter: Any = None
    #: Tried only when no other dialect recognises the folder.
    fallback: bool = False


#: Every dialect, written once: --dialect choices, detection and conversion all read this.
REGISTRY: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect("eduhub", _looks_native),
        Dialect("jekyll", _looks_jekyll, _jekyll_layout, jekyll),
        Dialect("carpentries", _looks_carpentries, _carpentries_layout, carpentries),
        Dialect("d2l", _looks_d2l, _d2l_layout, d2l),
        Dialect("markdown", _looks_markdown, _markdown_layout, markdown, fallback=True),
    )
}
DIALECTS = tuple(REGISTRY)
