"""Heading ids: readable in every language, never empty."""

from __future__ import annotations

import pytest

from eduhub.rendering.slugs import slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("What is solar power?", "what-is-solar-power"),
        ("¿Qué es la energía?", "qué-es-la-energía"),
        ("Que\u0301 es", "qué-es"),  # decomposed accent is composed first
        ("Ação e reação", "ação-e-reação"),
        ("Straße", "straße"),
        ("हिन्दी पाठ", "हिन्दी-पाठ"),  # combining vowel signs are kept
        ("太阳能 发电", "太阳能-发电"),
        ("snake_case and  spaces - dashes", "snake_case-and-spaces-dashes"),
        ("Step 1: E = mc²", "step-1-e-mc²"),
        ("  --Trim--  ", "trim"),
        ("!!!", "section"),
        ("", "section"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
