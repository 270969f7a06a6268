"""The OpenAPI description is complete: what a client developer reads at /docs."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app

SPEC: dict[str, Any] = create_app().openapi()
OPERATIONS = [(path, method, op) for path, ops in SPEC["paths"].items()
              for method, op in ops.items()]
PUBLIC = {"/healthz", "/readyz", "/metrics"}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_has_a_summary_a_typed_answer_and_its_errors(
        path: str, method: str, op: dict[str, Any]) -> None:
    assert op.get("summary"), "summary missing"
    success = [code for code in op["responses"] if code.startswith("2")]
    assert success, "no success response"
    content = op["responses"][success[0]].get("content", {})
    if path == "/metrics":  # Prometheus' text format
        assert any(kind.startswith("text/plain") for kind in content)
    else:
        assert "application/json" in content
        assert content["application/json"].get("schema")
    if path not in PUBLIC:
        for status in ("401", "403", "404", "422"):
            assert status in op["responses"], f"{status} not documented"
            assert "application/problem+json" in op["responses"][status]["content"]
        assert any(s.get("bearerAuth") is not None or s.get("HTTPBearer") is not None
                   for s in op.get("security", [])), "no bearer security"


@pytest.mark.parametrize(("path", "method", "op"),
                         [o for o in OPERATIONS if o[1] == "post" and "requestBody" in o[2]],
                         ids=[f"{m.upper()} {p}" for p, m, op in OPERATIONS
                              if m == "post" and "requestBody" in op])
def test_every_request_body_has_an_example_and_commands_document_their_preconditions(
        path: str, method: str, op: dict[str, Any]) -> None:
    schema = _resolve(op["requestBody"]["content"]["application/json"]["schema"])
    assert schema.get("examples"), f"no example for {schema.get('title')}"
    if path.startswith("/families"):
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        assert {"if-match", "idempotency-key"} <= {h.lower() for h in headers}
        for status in ("400", "409", "412", "413"):
            assert status in op["responses"]


def test_the_interactive_docs_are_served(world: Any) -> None:
    response = world.client(None).get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
