"""The API's contract: each view declares its operation once; bodies are validated by it and
``/api/v1/openapi.json`` (OpenAPI 3.1) is generated from it and the route table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from werkzeug.exceptions import BadRequest

from eduhub.api import schemas

Model = TypeVar("Model", bound=BaseModel)
View = TypeVar("View", bound=Callable[..., Any])

TITLE = "EduHub API"
VERSION = "1"


#: Text without the control characters that eduhub.guards refuses (tab and line breaks pass).
NO_CONTROL = schemas.NO_CONTROL
#: A path parameter: no control character at all.
PATH_TEXT = {"type": "string", "minLength": 1, "pattern": r"^[^\x00-\x1f\x7f]*$"}


def text(max_length: int | None = None) -> dict[str, Any]:
    """A query parameter's schema for free text."""
    schema: dict[str, Any] = {"type": "string", "pattern": NO_CONTROL}
    if max_length:
        schema["maxLength"] = max_length
    return schema


@dataclass(frozen=True)
class Param:
    """A query parameter, as an OpenAPI parameter object."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Operation:
    summary: str
    #: The 200 response's model; None for a free-form JSON object.
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    #: Query parameters: a model that validates them, or parameters a domain parser checks.
    query: type[BaseModel] | tuple[Param, ...] = ()
    #: Error statuses this operation answers on purpose (400, 401, 404, …).
    errors: tuple[int, ...] = ()
    signed_in: bool = False
    description: str = field(default="")


#: Endpoint name ("api.courses") → its operation.
OPERATIONS: dict[str, Operation] = {}


def operation(
    summary: str, response: type[BaseModel] | None, **details: Any
) -> Callable[[View], View]:
    """Declare a view's operation; put it below ``@bp.get``/``@bp.post``."""

    def register(view: View) -> View:
        OPERATIONS[f"api.{view.__name__}"] = Operation(summary, response, **details)
        return view

    return register


def respond(model: BaseModel) -> ResponseReturnValue:
    return jsonify(model.model_dump(mode="json"))


class InvalidBody(BadRequest):
    """A 400 that names each field of the body that failed validation."""

    def __init__(self, description: str, fields: dict[str, str]) -> None:
        super().__init__(description)
        self.fields = fields


_MISSING = object()


def _child(container: Any, key: int | str) -> Any:
    if isinstance(container, dict):
        return container.get(key, _MISSING)
    if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
        return container[key]
    return _MISSING


def _field_path(data: Any, loc: tuple[int | str, ...]) -> str:
    """The error's location as the client wrote it (``answers.q1``), without pydantic's own
    labels for union members."""
    parts: list[str] = []
    current: Any = data
    for part in loc:
        child = _child(current, part)
        if child is not _MISSING:
            current = child
            parts.append(str(part))
        elif isinstance(current, dict):
            parts.append(str(part))  # a missing field: name it
            break
        elif not isinstance(part, str):
            break
        # else: pydantic's label for a member of a union ("list[str]"), not the client's
    return ".".join(parts) or "body"


def _invalid(exc: ValidationError, data: Any, what: str) -> InvalidBody:
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        fields.setdefault(_field_path(data, error["loc"]), error["msg"])
    # A union reports each of its members; keep the deepest place named.
    fields = {
        name: message
        for name, message in fields.items()
        if not any(other.startswith(f"{name}.") for other in fields)
    }
    listed = "; ".join(f"{name}: {message}" for name, message in fields.items())
    return InvalidBody(f"the {what} is not valid ({listed})", fields)


def parse_query(model: type[Model]) -> Model:
    """The query string validated by ``model``; a 400 naming the bad parameters otherwise."""
    data: dict[str, str] = {}
    repeated: dict[str, str] = {}
    for name in model.model_fields:
        values = request.args.getlist(name)
        if len(values) > 1:
            repeated[name] = "given more than once"
        if values:
            data[name] = values[0]
    if repeated:
        raise InvalidBody(f"the query string is not valid ({', '.join(repeated)})", repeated)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, data, "query string") from None


def parse_body(model: type[Model], example: str) -> Model:
    """The request's JSON body validated by ``model``; a 400 naming the bad fields otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description=f"send a JSON object: {example}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, data, "request body") from None


# --------------------------------------------------------------------------- the document

_CONVERTER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def _openapi_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule)


def document(app: Flask) -> dict[str, Any]:
    """OpenAPI 3.1 for every rule under /api/v1 that declares its operation."""
    responses = {op.response for op in OPERATIONS.values() if op.response} | {schemas.Error}
    bodies = {op.body for op in OPERATIONS.values() if op.body}
    inputs: list[tuple[type[BaseModel], Any]] = [(m, "serialization") for m in responses]
    inputs += [(m, "validation") for m in bodies]
    refs, definitions = models_json_schema(inputs, ref_template="#/components/schemas/{model}")
    error_ref = refs[(schemas.Error, "serialization")]

    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/"):
            continue
        op = OPERATIONS.get(rule.endpoint)
        if op is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            parameters: list[dict[str, Any]] = [
                {"name": name, "in": "path", "required": True, "schema": PATH_TEXT}
                for name in rule.arguments
            ]
            parameters += [
                {"name": p.name, "in": "query", "required": False, "schema": p.schema}
                | ({"description": p.description} if p.description else {})
                for p in _query_params(op.query)
            ]
            ok: dict[str, Any] = {"description": "OK"}
            ok["content"] = {
                "application/json": {
                    "schema": refs[(op.response, "serialization")]
                    if op.response
                    else {"type": "object"}
                }
            }
            answers: dict[str, Any] = {"200": ok}
            error = {"content": {"application/json": {"schema": error_ref}}}
            for code in op.errors:
                answers[str(code)] = {"description": _REASONS.get(code, "Error"), **error}
            answers["default"] = {"description": "An error, as JSON", **error}
            entry: dict[str, Any] = {
                "operationId": rule.endpoint.removeprefix("api."),
                "summary": op.summary,
                "parameters": parameters,
                "responses": answers,
            }
            if op.description:
                entry["description"] = op.description
            if op.body is not None:
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
                }
            if method == "POST":
                entry["parameters"].append(_CSRF_HEADER)
            if op.signed_in:
                entry["security"] = [{"session": []}]
            paths.setdefault(_openapi_path(rule.rule), {})[method.lower()] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "The catalog, search and the signed-in learner's progress, as JSON.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


def _query_params(query: type[BaseModel] | tuple[Param, ...]) -> tuple[Param, ...]:
    if isinstance(query, tuple):
        return query
    properties = query.model_json_schema()["properties"]
    params = []
    for name, schema in properties.items():
        schema = {k: v for k, v in schema.items() if k not in {"title", "default"}}
        description = schema.pop("description", "")
        params.append(Param(name, schema, description))
    return tuple(params)


_CSRF_HEADER = {
    "name": "X-CSRFToken",
    "in": "header",
    "required": False,
    "description": 'the page\'s <meta name="csrf-token">; writes without it are refused (400)',
    "schema": {"type": "string"},
}

_REASONS = {
    400: "Bad request: a parameter or the body is not valid",
    401: "Not signed in",
    404: "Not found",
    413: "Body too large",
    415: "Not JSON",
}
