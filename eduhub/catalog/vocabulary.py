"""The catalog's controlled vocabulary: kinds of organization, subjects, open licenses,
languages and levels (with the labels people read)."""

from __future__ import annotations

ORG_KINDS = ("city", "district", "school", "library", "nonprofit")
SUBJECTS = (
    "mathematics",
    "science",
    "climate",
    "energy",
    "agriculture",
    "programming",
    "computing",
    "civics",
    "history",
    "language",
    "arts",
    "health",
    "economics",
    "geography",
    "digital-humanities",
    "data",
)
#: Open licenses a city may share under; NC and ND licenses would stop other cities adapting.
LICENSES = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-3.0": "https://creativecommons.org/licenses/by/3.0/",
    "CC-BY-SA-3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "MIT": "https://opensource.org/license/mit",
    "Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "BSD-3-Clause": "https://opensource.org/license/bsd-3-clause",
    "GFDL-1.3-or-later": "https://www.gnu.org/licenses/fdl-1.3.html",
}

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
    """The native name of a BCP 47 tag's language, with the region when there is one."""
    primary = tag.split("-")[0].lower()
    name = LANGUAGE_NAMES.get(primary)
    if name is None:
        return tag
    return name if primary == tag.lower() else f"{name} ({tag})"


def level_label(level: str) -> str:
    """'6-8' → 'Grades 6–8', 'K' → 'Kindergarten', 'adult' → 'Adult learners'."""
    if level == "adult":
        return "Adult learners"
    low, _, high = level.partition("-")
    if not high or high == low:
        return "Kindergarten" if low == "K" else f"Grade {low}"
    return f"Grades {low}–{high}"
