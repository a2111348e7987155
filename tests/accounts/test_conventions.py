"""Account services take their session explicitly; language data is the catalog's."""

from __future__ import annotations

import inspect

from eduhub import templating
from eduhub.accounts import services
from eduhub.catalog import vocabulary


def test_every_service_that_uses_the_database_takes_the_session_first() -> None:
    using = {
        name: fn
        for name, fn in vars(services).items()
        if inspect.isfunction(fn)
        and fn.__module__ == services.__name__
        and "session." in inspect.getsource(fn)
    }
    assert {"sign_in", "create_user", "delete_account", "request_password_reset"} <= set(using)
    for name, fn in using.items():
        assert next(iter(inspect.signature(fn).parameters)) == "session", name
    assert "db" not in vars(services)  # no reaching for the global session


def test_language_data_lives_in_the_catalog_vocabulary() -> None:
    assert vocabulary.language_name("pt-BR") == "Português (pt-BR)"
    assert vocabulary.level_label("6-8") == "Grades 6–8"
    assert tuple(vocabulary.LANGUAGE_NAMES) == services.LANGUAGES
    assert not hasattr(templating, "LANGUAGE_NAMES")
