"""Models to JSON-ready dicts; URLs are built here, not in models."""

from __future__ import annotations

from typing import Any

from flask import url_for

from eduhub.catalog import services
from eduhub.catalog.models import Course, Lesson, Organization


def organization(org: Organization) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "city": org.city,
        "region": org.region,
        "country": org.country,
        "website": org.website,
        "url": url_for("catalog.organization", slug=org.slug, _external=True),
    }


def course_summary(course: Course) -> dict[str, Any]:
    return {
        "id": course.uid,
        "title": course.title,
        "summary": course.summary,
        "subjects": course.subjects,
        "level": course.level,
        "language": course.language,
        "license": course.license,
        "authors": course.authors,
        "source_url": course.source_url,
        "organization": organization(course.organization),
        "retired": course.retired_at is not None,
        "url": url_for(
            "catalog.course",
            org_slug=course.organization.slug,
            course_slug=course.slug,
            _external=True,
        ),
        "api_url": url_for("api.course", course_id=course.uid, _external=True),
    }


def lesson_summary(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.uid,
        "title": lesson.title,
        "summary": lesson.summary,
        "minutes": lesson.minutes,
        "url": url_for("catalog.lesson", uid=lesson.uid, _external=True),
        "api_url": url_for("api.lesson", uid=lesson.uid, _external=True),
    }


def course_detail(course: Course) -> dict[str, Any]:
    data = course_summary(course)
    data["modules"] = [
        {
            "slug": module.slug,
            "title": module.title,
            "summary": module.summary,
            "lessons": [lesson_summary(lesson) for lesson in module.lessons],
        }
        for module in course.modules
    ]
    data["minutes"] = services.course_minutes(course)
    return data


def lesson_detail(lesson: Lesson) -> dict[str, Any]:
    revision = lesson.current_revision
    data = lesson_summary(lesson)
    data.update(
        {
            "objectives": lesson.objectives,
            "tags": lesson.tags,
            "language": lesson.language,
            "retired": lesson.is_retired,
            "course": {
                "id": lesson.course.uid,
                "title": lesson.course.title,
                "api_url": url_for("api.course", course_id=lesson.course.uid, _external=True),
            },
            "module": lesson.module.title if lesson.module else None,
            "translation_of": lesson.translation_of_uid,
            "attribution": {
                "organization": organization(lesson.organization),
                "authors": lesson.authors,
                "translators": lesson.translators,
                "license": lesson.license,
                "license_url": services.license_url(lesson.license),
                "source_path": lesson.source_path,
                "source_url": lesson.course.source_url,
                "doi": lesson.extra.get("doi"),
            },
            "revision": {
                "number": revision.number,
                "content_hash": revision.content_hash,
                "imported_at": revision.imported_at.isoformat(),
                "renderer_version": revision.renderer_version,
            },
            "toc": revision.toc,
            "html": revision.html,
        }
    )
    return data
