"""One convention for services in every domain: the session is passed in, never reached for."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

from eduhub.accounts import services as accounts
from eduhub.catalog import services as catalog
from eduhub.classrooms import services as classrooms
from eduhub.progress import services as progress


@pytest.mark.parametrize(
    "module", [accounts, catalog, classrooms, progress], ids=lambda m: m.__name__
)
def test_services_that_use_the_database_take_the_session_first(module: ModuleType) -> None:
    using = {
        name: fn
        for name, fn in vars(module).items()
        if inspect.isfunction(fn)
        and fn.__module__ == module.__name__
        and not name.startswith("_")
        and "session." in inspect.getsource(fn)
    }
    assert using, f"{module.__name__} has no database services?"
    for name, fn in using.items():
        assert next(iter(inspect.signature(fn).parameters)) == "session", name
    assert "db" not in vars(module), f"{module.__name__} reaches for the global session"
