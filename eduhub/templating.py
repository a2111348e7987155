"""Small formatting helpers available in every template."""

from __future__ import annotations

from flask import Flask

#: Native names, so a Spanish speaker finds "Español" whatever the page's language.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
    "de": "Deutsch",
    "it": "Italiano",
    "nl": "Nederlands",
    "pl": "Polski",
    "uk": "Українська",
    "ar": "العربية",
    "zh": "中文",
    "ja": "日本語",
    "ko": "한국어",
    "hi": "हिन्दी",
    "sw": "Kiswahili",
    "tr": "Türkçe",
}


def language_name(tag: str) -> str:
    primary = tag.split("-")[0].lower()
    name = LANGUAGE_NAMES.get(primary)
    if name is None:
        return tag
    return name if primary == tag.lower() else f"{name} ({tag})"


def level_label(level: str) -> str:
    if level == "adult":
        return "Adult learners"
    low, _, high = level.partition("-")
    if not high or high == low:
        return "Kindergarten" if low == "K" else f"Grade {low}"
    return f"Grades {low}–{high}"


def duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        language_name=language_name, level_label=level_label, duration=duration
    )
