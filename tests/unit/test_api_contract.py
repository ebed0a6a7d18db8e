"""The OpenAPI schema is the API's contract: valid, warning-free, and it declares every body and error."""

import io

import pytest
import yaml
from django.core.management import call_command

WRITE_METHODS = ("post", "put", "patch")


@pytest.fixture(scope="module")
def schema():
    out = io.StringIO()
    # --fail-on-warn: any view whose input or output the generator has to guess fails the build.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_write_declares_its_request_body(schema):
    missing = [f"{m.upper()} {p}" for p, m, op in _operations(schema) if m in WRITE_METHODS and "requestBody" not in op]
    assert missing == []
    assert len([1 for _, m, _ in _operations(schema) if m in WRITE_METHODS]) >= 8


def test_bearer_tokens_are_the_documented_scheme(schema):
    bearer = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    commit = schema["paths"]["/api/deltas/{namespace}/{name}/commit"]["post"]
    assert {"bearerAuth": []} in commit["security"]


def _speaks_hugging_face(path):
    hub_api = ("/api/deltas", "/api/backbones", "/api/commits", "/api/jobs", "/api/health", "/api/schema", "/api/docs")
    return path == "/api/whoami-v2" or not path.startswith((*hub_api, "/api/whoami"))


def test_every_operation_documents_the_json_error_body(schema):
    for path, method, operation in _operations(schema):
        response = operation["responses"]["400"] if method != "get" else operation["responses"]["404"]
        expected = "#/components/schemas/HfError" if _speaks_hugging_face(path) else "#/components/schemas/Error"
        assert response["content"]["application/json"]["schema"]["$ref"] == expected, f"{method} {path}"
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}


def test_the_commit_body_names_its_fields_and_limits(schema):
    body = schema["components"]["schemas"]["CommitRequest"]
    assert {"backbone", "files"} <= set(body["required"])
    assert body["properties"]["task"]["maxLength"] == 100
    declared = schema["components"]["schemas"]["DeclaredFile"]
    assert declared["properties"]["size"]["minimum"] == 0
