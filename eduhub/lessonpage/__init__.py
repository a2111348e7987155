"""Pages composed from several domains: the lesson page, the course page and the home page.

Catalog knows the library, progress knows the learner; neither imports the other's views. This
package sits above both and gathers each page's parts in one place (:mod:`.parts`), so a class
assignment or a review banner is one more part, not another import between domains.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Route the composed pages (after the catalog and progress blueprints are registered)."""
    from eduhub.lessonpage import views

    views.register(app)
