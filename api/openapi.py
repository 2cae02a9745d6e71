"""The OpenAPI document at ``/api``, as OpenAPI 3.0 (what OGC API clients expect).

FastAPI writes OpenAPI 3.1 (JSON Schema 2020-12): ``anyOf [X, {type: null}]`` for an
optional value, ``examples`` lists, ``const``, numeric ``exclusiveMinimum``. OGC API -
Features declares the OpenAPI 3.0 conformance class and GDAL, QGIS and the OGC test
suites read 3.0, so the document is rewritten into its 3.0 equivalent once and cached.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.routing import Route

from api.openapi_collections import add_collection_paths

OPENAPI_VERSION = "3.0.3"
MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def to_30(node: Any) -> Any:
    """A JSON Schema 2020-12 / OpenAPI 3.1 fragment as its OpenAPI 3.0 equivalent."""
    if isinstance(node, list):
        return [to_30(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_30(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        alts = out.get(key)
        if isinstance(alts, list) and any(_is_null(a) for a in alts):
            rest = [a for a in alts if not _is_null(a)]
            del out[key]
            out["nullable"] = True
            if len(rest) == 1 and isinstance(rest[0], dict) and "$ref" not in rest[0]:
                out = {**rest[0], **out}
            elif rest:
                out[key] = rest
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        out["type"] = types[0] if len(types) == 1 else out["type"]
        if isinstance(out["type"], list):  # several types: 3.0 needs anyOf
            out["anyOf"] = [{"type": t} for t in types]
            del out["type"]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list):
        ex = out.pop("examples")
        if ex:
            out["example"] = ex[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), int | float) and not isinstance(out[bound], bool):
            out[flag] = out[bound]
            out[bound] = True
    for k in ("$schema", "$id", "contentMediaType", "contentEncoding"):
        out.pop(k, None)
    return out


def _path_enums() -> dict[str, list[str]]:
    """Path parameters whose values are known: clients (and fuzzers) see real ids."""
    from api.tiles import TMS_ID
    from layers import registry

    return {"collectionId": [layer.id for layer in registry.layers()],
            "tileMatrixSetId": [TMS_ID]}


def _schema_parts(doc: dict) -> None:
    """Rewrite schemas only (parameters' and media types' ``examples`` maps stay)."""
    enums = _path_enums()
    comps = doc.get("components", {})
    if "schemas" in comps:
        comps["schemas"] = {k: to_30(v) for k, v in comps["schemas"].items()}
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                if "schema" in param:
                    param["schema"] = to_30(param["schema"])
                    # OGC API Features: query parameters are form-style, not exploded
                    if param.get("in") == "path" and param.get("name") in enums:
                        param["schema"]["enum"] = enums[param["name"]]
                    if param.get("in") == "query":
                        param.setdefault("style", "form")
                        param.setdefault("explode", False)
            bodies = [op.get("requestBody", {})] + list(op.get("responses", {}).values())
            for body in bodies:
                for media in body.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = to_30(media["schema"])


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the 3.0 document (built on first use)."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version,
                              openapi_version=OPENAPI_VERSION, description=app.description,
                              routes=app.routes, tags=app.openapi_tags, servers=app.servers,
                              separate_input_output_schemas=app.separate_input_output_schemas)
            _schema_parts(doc)
            add_collection_paths(doc)  # /collections/{id}/items with its property filters
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def serve(request: Request) -> Response:
        return Response(orjson.dumps(app.openapi()), media_type=MEDIA_TYPE)

    # FastAPI's own /api route answers application/json; this one names the version
    app.router.routes[:] = [r for r in app.router.routes
                            if not (isinstance(r, Route) and r.path == app.openapi_url)]
    app.router.routes.insert(0, Route(app.openapi_url, serve, methods=["GET", "HEAD"],
                                      include_in_schema=False))
