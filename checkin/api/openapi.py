"""GET /api/v1/openapi.json (OpenAPI 3.1) and /api/v1/docs (the same, as a page).

Made from the routes of the blueprint and each view's declared contract (api/contract.py):
a route without a contract fails the document's test rather than going undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from flask import Flask, current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from . import bp
from .contract import ERROR_SCHEMA, Operation, operation
from .schemas import BatchItem

REF = "#/components/schemas/{model}"
_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": [], "csrf": []}]


def _operations(app: Flask) -> Iterator[tuple[Rule, str, Operation | None]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(bp.name + "."):
            continue
        view = app.view_functions[rule.endpoint]
        spec: Operation | None = getattr(view, "api_operation", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method.lower(), spec


def _path_parameters(rule) -> list[dict]:
    parameters = []
    for converter, name in _PARAMETER.findall(rule.rule):
        schema = (
            {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
            if converter == "int"
            else {"type": "string", "maxLength": 40}
        )
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _query_parameters(model, schemas: dict) -> list[dict]:
    schema = schemas[model.__name__]
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": field_schema}
        for name, field_schema in schema["properties"].items()
    ]


def _json(schema_ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": REF.format(model=schema_ref)}}}


def _operation(rule, method: str, spec: Operation, schemas: dict) -> dict:
    responses = {
        str(spec.status): {
            "description": spec.summary,
            **({"content": _json(spec.answer.__name__)} if spec.answer else {}),
        }
    }
    for status, codes in sorted(spec.error_responses().items()):
        responses[str(status)] = {"description": codes, "content": _json(ERROR_SCHEMA.__name__)}
    doc = {
        "operationId": rule.endpoint.partition(".")[2] + ("" if method in ("get", "post") else "_" + method),
        "summary": spec.summary,
        "tags": [spec.tag],
        "responses": responses,
        "parameters": _path_parameters(rule) + (_query_parameters(spec.query, schemas) if spec.query else []),
    }
    if spec.description:
        doc["description"] = spec.description
    if spec.body is not None:
        doc["requestBody"] = {"required": True, "content": _json(spec.body.__name__)}
    doc["security"] = _SECURITY if spec.role else []
    if spec.role:
        doc["description"] = (
            doc.get("description", "") + f"\n\nRole: {spec.role} (organisers may too)."
        ).strip()
    return doc


def build(app) -> dict:
    found = list(_operations(app))
    missing = [f"{method.upper()} {rule.rule}" for rule, method, spec in found if spec is None]
    if missing:
        raise LookupError("API routes without a contract: " + ", ".join(missing))
    declared = [(rule, method, spec) for rule, method, spec in found if spec is not None]
    models: set[type[BaseModel]] = {ERROR_SCHEMA, BatchItem}
    for _, _, spec in declared:
        models.update(m for m in (spec.answer, spec.body, spec.query) if m is not None)
    keyed = sorted(models, key=lambda m: m.__name__)
    _, definitions = models_json_schema(
        [
            (model, "serialization" if model.__name__ in _answers(declared) else "validation")
            for model in keyed
        ],
        ref_template=REF,
    )
    schemas = definitions.get("$defs", {})
    paths: dict[str, dict] = {}
    for rule, method, spec in declared:
        path = _PARAMETER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        paths.setdefault(path, {})[method] = _operation(rule, method, spec, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "checkin API",
            "version": "1",
            "description": "Tickets and gate check-in for the Không Một Mình Online Safety Day. "
            'Errors: {"error": {"code", "message", "fields"?}} with stable codes; '
            "messages in Vietnamese, or English with ?lang=en.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a staff API token: flask --app checkin staff token NAME",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "a signed-in staff session (the scanner page's own calls)",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "the page's CSRF token, with a session",
                },
            },
        },
    }


def _answers(found) -> set[str]:
    return {spec.answer.__name__ for _, _, spec in found if spec.answer is not None}


@lru_cache(maxsize=8)
def _document_for(app) -> dict:
    return build(app)


@bp.get("/openapi.json")
@operation("This document (OpenAPI 3.1)", answer=None, tag="meta")
def openapi_json():
    return jsonify(_document_for(current_app._get_current_object()))


@bp.get("/docs")
@operation("This document as a page", answer=None, tag="meta")
def docs():
    return render_template("api/docs.html", document=_document_for(current_app._get_current_object()))
