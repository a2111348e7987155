"""The in-memory content pack every source becomes: organizations, courses, lessons, media.

The native reader and every dialect produce these specs; one validator checks them and one
importer loads them, so a pack is judged the same way whatever it was written in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from eduhub.catalog.vocabulary import LICENSES, ORG_KINDS, SUBJECTS
from eduhub.rendering import Rendered

__all__ = [
    "LICENSES",
    "ORG_KINDS",
    "SUBJECTS",
]  # re-exported: the vocabulary packs are checked against

ADMONITION_KINDS = ("note", "tip", "warning", "important", "example", "exercise", "solution")
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
MAX_LESSON_BYTES = 1024 * 1024
IGNORED_MARKDOWN = {"readme.md", "license.md", "contributing.md", "changelog.md"}

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LESSON_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
LEVEL_RE = re.compile(r"^(K|\d{1,2})(?:-(K|\d{1,2}))?$")
BCP47_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Message:
    """One validator finding; prints as ``path:line: severity: message``."""

    path: str
    line: int
    severity: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.text}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class OrgSpec:
    slug: str
    name: str
    kind: str
    city: str
    region: str | None
    country: str
    website: str | None
    description: str | None
    root: Path
    from_file: bool = True


@dataclass
class ModuleSpec:
    slug: str
    title: str
    summary: str | None
    lesson_paths: list[str]  # relative to the organization root


@dataclass
class CourseSpec:
    org_slug: str
    slug: str
    title: str
    summary: str
    subjects: list[str]
    level: str
    language: str
    license: str
    authors: list[str]
    featured: bool
    modules: list[ModuleSpec]
    source_path: str  # course folder relative to the organization root
    content_hash: str
    source_url: str | None = None
    dialect: str = "eduhub"


@dataclass
class MediaSpec:
    org_slug: str
    path: str  # relative to the organization root
    file: Path
    sha256: str
    mime_type: str
    size: int

    @property
    def url(self) -> str:
        return media_url(self.sha256, self.path)


@dataclass
class LessonSpec:
    uid: str
    org_slug: str
    course_slug: str
    module_slug: str
    position: int
    title: str
    summary: str
    objectives: list[str]
    minutes: int
    tags: list[str]
    language: str
    license: str
    authors: list[str]
    translation_of_uid: str | None
    source_path: str  # relative to the organization root
    file: Path
    content_hash: str
    markdown: str
    body_line_offset: int
    translation_line: int = 1
    #: Line of the explicit ``id:`` in the source file (1 when the id comes from the path).
    id_line: int = 1
    #: True when the id was written in the file rather than derived from its path.
    explicit_id: bool = False
    translators: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    retired: bool = False
    #: Foreign sources keep dangling links and images on purpose: warnings, not errors.
    lenient: bool = False
    dialect_counts: dict[str, int] = field(default_factory=dict)
    rendered: Rendered | None = None


@dataclass
class PackTree:
    """Everything found under the PATH given to validate or import."""

    orgs: list[OrgSpec] = field(default_factory=list)
    courses: list[CourseSpec] = field(default_factory=list)
    lessons: list[LessonSpec] = field(default_factory=list)
    media: dict[tuple[str, str], MediaSpec] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    #: Course slugs the import is limited to, per organization; None means the whole org.
    course_scope: dict[str, set[str] | None] = field(default_factory=dict)
    dialect_used: str = "eduhub"
    #: Lessons outside the import's scope that links may still point at: org -> path -> uid.
    link_targets: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Listed lessons already reported as invalid: org -> path -> uid. Links to them resolve
    #: (the lesson's own error is the one to fix), so one bad lesson is reported once.
    unusable: dict[str, dict[str, str]] = field(default_factory=dict)
    #: What a dialect inferred for the whole pack (modules from folders, languages from folder
    #: names), for the fidelity report; per-lesson counts live on each LessonSpec.
    inferred: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.is_error]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if not m.is_error]


class PackError(Exception):
    """The PATH is not a content pack at all (no org.yml or course.yml to be found)."""


def media_url(sha256: str, path: str) -> str:
    return f"/media/{sha256}/{quote(PurePosixPath(path).name)}"


def lesson_url(uid: str) -> str:
    return f"/lessons/{quote(uid)}"


def slugify(text: str) -> str:
    """ASCII slug for ids and URLs: accents folded, anything else becomes a hyphen."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "x"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
