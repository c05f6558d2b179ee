"""The API's documentation page, drawn from its own OpenAPI document in the site's page layout
(no third-party script: the site's content security policy and accessibility checks apply)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase


def _type_of(schema: dict) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type", "")
    return schema.get("format", kind) if kind == "string" else kind


class ApiDocs(DocsBase):
    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = []
        for path, methods in schema["paths"].items():
            for method, op in methods.items():
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "summary": op.get("summary", ""),
                        "description": op.get("description", ""),
                        "parameters": [
                            {
                                "name": p["name"],
                                "type": _type_of(p.get("schema", {})),
                                "required": p.get("required", False),
                                "description": p.get("description", "")
                                or p.get("schema", {}).get("description", ""),
                            }
                            for p in op.get("parameters", [])
                        ],
                    }
                )
        return render(
            request,
            "api/docs.html",
            {
                "operations": operations,
                "openapi_url": reverse(f"{api.urls_namespace}:openapi-json"),
                "description": schema["info"].get("description", ""),
                "rate_limit": settings.API_RATE_LIMIT,
                "feed_max": settings.API_FEED_MAX_LIMIT,
            },
        )
