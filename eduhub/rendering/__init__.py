"""Markdown lesson bodies to safe HTML plus metadata; pure (no Flask, no database)."""

from eduhub.rendering.highlight import highlight_css
from eduhub.rendering.render import RENDERER_VERSION, render_markdown
from eduhub.rendering.results import LinkRef, Problem, Rendered, Resolver, TocEntry

__all__ = [
    "RENDERER_VERSION",
    "LinkRef",
    "Problem",
    "Rendered",
    "Resolver",
    "TocEntry",
    "highlight_css",
    "render_markdown",
]
