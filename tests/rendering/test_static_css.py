"""The code-highlighting stylesheet served to browsers matches what the renderer emits."""

from pathlib import Path

from eduhub.rendering import highlight_css

STATIC = Path(__file__).resolve().parents[2] / "eduhub" / "static" / "css"


def test_code_css_is_generated_from_the_renderer() -> None:
    served = (STATIC / "code.css").read_text()
    assert highlight_css().strip() in served, (
        "regenerate eduhub/static/css/code.css from eduhub.rendering.highlight_css()"
    )
