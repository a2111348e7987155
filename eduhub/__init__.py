"""EduHub: the open learning hub a coalition of cities runs for its schools and adult learners."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI application: settings, extensions, blueprints, CLI, error pages."""
    from eduhub import (
        accounts,
        assets,
        compression,
        config,
        errors,
        extensions,
        guards,
        pagecache,
        progress,
        templating,
        transactions,
    )
    from eduhub.accounts import models as _accounts_models  # noqa: F401  (registers the user loader)
    from eduhub.api import bp as api_bp
    from eduhub.catalog import media
    from eduhub.catalog.views import bp as catalog_bp
    from eduhub.classrooms import models as _classroom_models  # noqa: F401  (tables for migrations)
    from eduhub.classrooms.report_views import bp as classroom_reports_bp
    from eduhub.classrooms.views import bp as classrooms_bp
    from eduhub.conditional import init_app as conditional_init_app
    from eduhub.health import bp as health_bp
    from eduhub.lessonpage import init_app as lessonpage_init_app
    from eduhub.packs import cli as packs_cli
    from eduhub.search import cli as search_cli
    from eduhub.search import views as search_views

    settings = config.load(test_config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.config.from_mapping(settings)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("eduhub").setLevel(settings["LOG_LEVEL"].upper())
    config.prepare_instance(app)

    # after_request hooks run in reverse order: compress last, keep anonymous pages before.
    compression.init_app(app)
    pagecache.init_app(app)
    assets.init_app(app)
    guards.init_app(app)  # bad input is refused before CSRF, sign-in or any view
    extensions.init_app(app)
    errors.init_app(app)
    transactions.init_app(app)
    templating.init_app(app)
    accounts.init_app(app)

    app.register_blueprint(catalog_bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    progress.init_app(app)
    app.register_blueprint(classrooms_bp)
    lessonpage_init_app(app)
    conditional_init_app(app)
    app.cli.add_command(packs_cli.content)
    app.cli.add_command(search_cli.search)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(classroom_reports_bp)
    return app
