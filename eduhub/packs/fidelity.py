"""The fidelity report: how much of each imported lesson came through, counted per lesson."""

from __future__ import annotations

from collections import Counter
from typing import Any

from eduhub.packs.model import PackTree

#: Converter counts added up under the report's names (see docs/importing.md).
_CONVERTER_COUNTS = {
    "liquid_handled": ("liquid", "handled"),
    "liquid_dropped": ("liquid", "dropped"),
    "figures": ("liquid", "figures"),
    "divs": ("divs", "total"),
    "divs_unknown": ("divs", "unknown"),
    "roles_handled": ("roles", "handled"),
    "roles_unresolved": ("roles", "unresolved"),
    "citations": ("roles", "citations"),
    "titles_inferred": ("inferred", "titles"),
    "titles_from_file_name": ("inferred", "titles_from_file_names"),
    "summaries_inferred": ("inferred", "summaries"),
}


def build_report(tree: PackTree) -> dict[str, Any]:
    """Per lesson: warnings and counts; plus totals over the whole pack."""
    messages_by_file: dict[str, list[str]] = {}
    for message in tree.messages:
        messages_by_file.setdefault(message.path, []).append(
            f"{message.line}: {message.severity}: {message.text}"
        )
    lessons = []
    totals: Counter[str] = Counter()
    for lesson in tree.lessons:
        rendered = lesson.rendered
        entry: dict[str, Any] = {
            "id": lesson.uid,
            "source": lesson.source_path,
            "retired": lesson.retired,
            "warnings": messages_by_file.get(str(lesson.file), []),
        }
        if rendered is not None:
            entry["images"] = {"referenced": rendered.images, "resolved": rendered.images_resolved}
            entry["links"] = {"referenced": rendered.links, "resolved": rendered.links_resolved}
            entry["math"] = {"rendered": rendered.math_rendered, "failed": rendered.math_failed}
            entry["admonitions"] = rendered.admonitions
            for group in ("images", "links", "math"):
                for name, value in entry[group].items():
                    totals[f"{group}_{name}"] += value
            totals["admonitions"] += rendered.admonitions
        converter: dict[str, dict[str, int]] = {}
        for name, value in lesson.dialect_counts.items():
            group, label = _CONVERTER_COUNTS.get(name, ("other", name))
            converter.setdefault(group, {})[label] = value
            totals[f"{group}_{label}"] += value
        entry.update(converter)
        totals["warnings"] += len(entry["warnings"])
        lessons.append(entry)
    for name, value in tree.inferred.items():
        totals[f"inferred_{name}"] += value
    totals["lessons"] = len(lessons)
    totals["errors"] = len(tree.errors)
    return {"totals": dict(sorted(totals.items())), "lessons": lessons}


def format_totals(totals: dict[str, int]) -> str:
    """One line per group, as the CLI prints them."""
    get = totals.get
    lines = [
        f"lessons {get('lessons', 0)}, warnings {get('warnings', 0)}, errors {get('errors', 0)}",
        f"images resolved {get('images_resolved', 0)}/{get('images_referenced', 0)}, "
        f"internal links resolved {get('links_resolved', 0)}/{get('links_referenced', 0)}",
        f"math rendered {get('math_rendered', 0)}, failed {get('math_failed', 0)}; "
        f"admonitions {get('admonitions', 0)}",
    ]
    if get("liquid_handled") or get("liquid_dropped"):
        lines.append(
            f"Liquid tags handled {get('liquid_handled', 0)}, dropped {get('liquid_dropped', 0)}"
        )
    if get("roles_handled") or get("roles_unresolved"):
        lines.append(
            f"d2l roles handled {get('roles_handled', 0)}, unresolved {get('roles_unresolved', 0)}"
        )
    inferred = {
        k.removeprefix("inferred_"): v for k, v in totals.items() if k.startswith("inferred_")
    }
    if inferred:
        lines.append(
            "inferred: "
            + ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in inferred.items())
        )
    return "\n".join(lines)
