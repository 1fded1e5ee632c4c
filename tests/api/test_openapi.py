"""The OpenAPI document describes every endpoint, with request and response examples."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import TestClient

EXPECTED_ROUTES = {
    ("GET", "/v1/registry"),
    *(
        (method, prefix + path)
        for prefix in ("/v1/registry", "/v1/projects/{project_id}")
        for method, path in [
            ("POST", "/entries"),
            ("POST", "/entries:batch"),
            ("GET", "/entries"),
            ("GET", "/entries/{index}"),
            ("GET", "/log/checkpoint"),
            ("GET", "/log/checkpoints/{size}"),
            ("GET", "/log/proofs/inclusion"),
            ("GET", "/log/proofs/consistency"),
        ]
    ),
    *(
        ("GET", "/v1/projects/{project_id}" + path)
        for path in [
            "/board",
            "/desk",
            "/statements",
            "/statements/{template}/{period}",
        ]
    ),
}


def _has_example(media: dict[str, Any], schemas: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    schema = media.get("schema", {})
    if "examples" in schema:
        return True
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    ref = schema.get("$ref", "")
    target = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else schema
    return "examples" in target


def test_the_openapi_document_lists_every_route_with_examples(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }

    assert listed == EXPECTED_ROUTES
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            if method == "post":
                body = operation["requestBody"]["content"]["application/json"]
                assert _has_example(body, schemas), where
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    assert _has_example(media, schemas), f"{where} {status}"
            problems = operation["responses"]["500"]["content"]
            assert "application/problem+json" in problems, where
