"""The catalog's controlled vocabulary: kinds of organization, subjects, open licenses."""

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
