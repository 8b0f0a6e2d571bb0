"""The published contract (GET /api/v1/openapi.json) holds: a valid OpenAPI 3.1 document of
every route, and Schemathesis, driving the app with what the document allows and what it does
not, finds no 5xx and no answer the document does not describe, on SQLite and PostgreSQL.

The budget is fixed (CHECKIN_FUZZ_EXAMPLES examples per operation and mode, seeded so CI runs
the same inputs every time); a fuzzing session raises it and sets CHECKIN_FUZZ_SEED=random.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from tests.support.gate import add_volunteer, api_token, issue, open_show

EXAMPLES = int(os.environ.get("CHECKIN_FUZZ_EXAMPLES", "25"))
SEEDED = os.environ.get("CHECKIN_FUZZ_SEED", "fixed") != "random"


def test_the_document_is_valid_openapi_3_1_and_names_every_api_route(app, client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routes = {
        (method, rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes
    scan = document["paths"]["/api/v1/scans"]["post"]
    assert scan["security"] and {"401", "403", "413", "422"} <= set(scan["responses"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    error = document["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "fields"} <= set(error["properties"])
    # The document is made from the models that validate: the column's size is the schema's.
    assert document["components"]["schemas"]["ScanIn"]["properties"]["gate"]["maxLength"] == 40


def test_the_docs_page_is_served_from_here(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "POST /api/v1/scans" in html and "http" not in html.split("<main", 1)[1].split("openapi.json")[0]


@pytest.fixture
def fuzz_target(app):
    """Two shows (one with open doors), tickets, and an organiser's token (every role's routes)."""
    open_show(app, "gala")
    issue(app, "gala", 3)
    add_volunteer(app, "fuzz", role="organiser")
    return {"Authorization": f"Bearer {api_token(app, 'fuzz')}"}


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(app, fuzz_target):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tally: Counter = Counter()
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            # Half the cases at the seeded show, so requests get past "no such show" too.
            for fixed in ({}, {"slug": "gala"} if "{slug}" in operation.path else None):
                if fixed is None:
                    continue

                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=SEEDED,
                    suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate],
                )
                @given(case=operation.as_strategy(mode, path_parameters=fixed or None))
                def run(case):
                    case.headers = {**(case.headers or {}), **fuzz_target}
                    response = case.call()
                    tally[operation.label, response.status_code // 100] += 1  # noqa: B023 (run() is called in this iteration)
                    negative = mode == schemathesis.GenerationMode.NEGATIVE  # noqa: B023 (as above)
                    extra = [negative_data_rejection] if negative else []
                    case.validate_response(response, checks=checks + extra)

                try:
                    run()
                except Unsatisfiable:
                    # Nothing of the operation can be made invalid (no body, no parameters).
                    assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
    total = sum(tally.values())
    print(f"schemathesis: {total} requests, {sum(n for (_, kind), n in tally.items() if kind == 5)} 5xx")
    assert total >= EXAMPLES * 10
    assert not [key for key in tally if key[1] == 5]
