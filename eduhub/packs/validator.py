"""The one validator every pack goes through, native or converted: links, images, math, ids.

The native reader and each dialect build a PackTree; :func:`check` renders each lesson against
its organization's files and records every problem in the tree, so what the validator accepts is
exactly what the importer loads, whatever the pack was written in.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from eduhub.packs.files import NOT_AN_IMAGE, display, image_problem, is_inside
from eduhub.packs.model import (
    IMAGE_TYPES,
    CourseSpec,
    LessonSpec,
    MediaSpec,
    Message,
    ModuleSpec,
    OrgSpec,
    PackTree,
    file_hash,
    lesson_url,
)
from eduhub.rendering import render_markdown


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

    def path_of(self, target: str) -> str | None:
        """The organization-relative path a link or image names; None when it leaves."""
        return self._target(target)

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


#: An image refused for safety: an error even in a foreign pack, whose missing images only warn.
OUTSIDE = "image is a symbolic link to a file outside the pack; not read"


def _media_lookup(
    tree: PackTree, org: OrgSpec, max_bytes: int, rejections: dict[str, str]
) -> Callable[[str], str | None]:
    def lookup(rel: str) -> str | None:
        key = (org.slug, rel)
        if key in tree.media:
            return tree.media[key].url
        file = org.root / rel
        suffix = file.suffix.lower()
        if not is_inside(org.root, file):
            rejections[rel] = OUTSIDE
            return None
        if not file.is_file():
            return None
        if suffix not in IMAGE_TYPES:
            rejections[rel] = f"image type '{suffix}' is not allowed (use {', '.join(IMAGE_TYPES)})"
            return None
        size = file.stat().st_size
        if size > max_bytes:
            rejections[rel] = f"image is larger than {max_bytes // (1024 * 1024)} MB"
            return None
        data = file.read_bytes()
        problem = image_problem(data, suffix)
        if problem:
            rejections[rel] = problem
            return None
        spec = MediaSpec(org.slug, rel, file, file_hash(data), IMAGE_TYPES[suffix], size)
        tree.media[key] = spec
        return spec.url

    return lookup


def check(tree: PackTree, max_media_bytes: int = 5 * 1024 * 1024, render: bool = True) -> None:
    """Render every lesson against its organization's files; collect links, images, math.

    The one validator: the native reader and every dialect hand their PackTree here.
    """
    check_unique(tree)
    orgs = {org.slug: org for org in tree.orgs}
    uids_by_org = {slug: dict(targets) for slug, targets in tree.link_targets.items()}
    for slug, invalid in tree.unusable.items():
        uids_by_org.setdefault(slug, {}).update(invalid)
    for lesson in tree.lessons:
        uids_by_org.setdefault(lesson.org_slug, {})[lesson.source_path] = lesson.uid
    known_uids = {uid for targets in uids_by_org.values() for uid in targets.values()}
    for lesson in tree.lessons:
        if lesson.translation_of_uid and lesson.translation_of_uid not in known_uids:
            tree.messages.append(
                Message(
                    display(lesson.file),
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
        for problem in lesson.rendered.problems:
            text = problem.message
            severity = "warning" if lesson.lenient else problem.severity
            if text.startswith("missing image: "):
                target = text.removeprefix("missing image: ")
                rel = resolver.path_of(target)
                reason = None if rel is None else rejections.get(rel)
                if reason:
                    text = f"{reason}: {target}"
                if rel is None or reason == OUTSIDE or (reason or "").startswith(NOT_AN_IMAGE):
                    severity = "error"  # never lenient: this is what reading outside looks like
            tree.messages.append(Message(display(lesson.file), problem.line, severity, text))
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
                        display(lesson.file),
                        ref.line,
                        "warning",
                        f"link to a missing heading: #{ref.fragment} in {where}",
                    )
                )


def check_unique(tree: PackTree) -> None:
    """Two lessons with one id, or two courses with one slug, are errors naming both files.

    The importer relies on it: ids are unique in the database, and a pack that reached it with
    a collision would fail half-way instead of being refused with a message.
    """
    kept: list[LessonSpec] = []
    seen: dict[str, LessonSpec] = {}
    for lesson in tree.lessons:
        other = seen.get(lesson.uid)
        if other is None:
            seen[lesson.uid] = lesson
            kept.append(lesson)
            continue
        why = ""
        if not (lesson.explicit_id or other.explicit_id):
            why = "; their paths give the same id: rename one file"
            why += "" if lesson.lenient else " or give it an 'id:'"
        tree.messages.append(
            Message(
                display(lesson.file),
                lesson.id_line,
                "error",
                f"duplicate lesson id '{lesson.uid}' (also in {display(other.file)}:"
                f"{other.id_line}){why}",
            )
        )
    tree.lessons = kept
    roots = {org.slug: org.root for org in tree.orgs}
    courses: dict[tuple[str, str], CourseSpec] = {}
    for course in tree.courses:
        key = (course.org_slug, course.slug)
        if key in courses:
            tree.messages.append(
                Message(
                    display(roots[course.org_slug] / course.source_path),
                    1,
                    "error",
                    f"course slug '{course.slug}' is used twice in '{course.org_slug}' "
                    f"(also by {courses[key].source_path}); pass --course or rename a folder",
                )
            )
        courses.setdefault(key, course)
        modules: dict[str, ModuleSpec] = {}
        for module in course.modules:
            first = modules.setdefault(module.slug, module)
            if first is not module:
                tree.messages.append(
                    Message(
                        display(
                            roots[course.org_slug]
                            / (module.lesson_paths or [course.source_path])[0]
                        ),
                        1,
                        "error",
                        f"module slug '{module.slug}' is used twice in course '{course.slug}' "
                        f"('{first.title}' and '{module.title}'); rename one folder",
                    )
                )
