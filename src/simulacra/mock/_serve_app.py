"""The FastAPI application of the mock REST server: routes, OpenAPI models and error bodies.

FastAPI and pydantic are imported inside :func:`build_app` only, so importing this module
costs nothing without the ``serve`` extra. Each table gets its own routes and models, so the
OpenAPI document lists every table, its filters and its column types.
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd

from simulacra._plugins import require
from simulacra._version import __version__
from simulacra.mock._serve_data import (
    LRU,
    PAGE_CACHE_BYTES,
    ApiError,
    Filters,
    Pager,
    TableSource,
    is_date_only,
)
from simulacra.schema import Column, Kind, Table

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import Response
    from pydantic import BaseModel
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

RESERVED = ("limit", "offset")
_JSON_SCHEMA = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date-time": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "string": {"type": "string"},
}


def json_type(column: Column) -> str:
    """The JSON type of a column's values: integer, number, boolean, date, date-time, string."""
    if is_date_only(column):
        return "date"
    try:
        dtype = pd.api.types.pandas_dtype(column.dtype)
    except TypeError:
        dtype = None
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        dtype = dtype.categories.dtype
    if dtype is not None and not pd.api.types.is_object_dtype(dtype):
        if pd.api.types.is_bool_dtype(dtype):
            return "boolean"
        if pd.api.types.is_integer_dtype(dtype):
            return "integer"
        if pd.api.types.is_float_dtype(dtype):
            return "number"
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
            return "date-time"
        return "string"
    return {Kind.BOOLEAN: "boolean"}.get(column.kind, "string")


def build_app(source: TableSource, *, seed: int, max_limit: int, cache_rows: int) -> FastAPI:
    """The application; see :func:`simulacra.mock.serve.create_app`."""
    require("fastapi", "serve")
    from fastapi import FastAPI
    from fastapi.responses import Response

    pager = Pager(source, cache_rows=cache_rows)
    app = FastAPI(
        title="simulacra mock API",
        version=__version__,
        description=(
            f"Mock tables generated from a spec with seed {seed}: the same request always "
            f"returns the same rows. Page with `limit` (1 to {max_limit}) and `offset`; "
            "filter with `<column>=<value>` (repeat a column to match any of its values)."
        ),
    )
    _add_error_handlers(app, max_limit)
    app.add_middleware(HeadAsGet)
    catalogue = json.dumps(_catalogue(pager, seed)).encode()
    index = json.dumps({"tables": "/tables", "openapi": "/openapi.json", "docs": "/docs"})

    def home() -> Response:
        return Response(index, media_type="application/json")

    def tables() -> Response:
        return Response(catalogue, media_type="application/json")

    _sign(home)
    _sign(tables)
    app.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    app.add_api_route("/tables", tables, methods=["GET"], tags=["tables"],
                      response_model=_catalogue_model(), operation_id="list_tables",
                      summary="Every table: its rows, columns and their types")
    pages: LRU[tuple[str, int, int, Filters], bytes] = LRU(PAGE_CACHE_BYTES, len)
    used: set[str] = set()
    for name in pager.schemas:
        _add_table_routes(app, pager, pages, name, _model_name(name, used), max_limit)
    _add_unknown_table_routes(app, pager)
    return app


class HeadAsGet:
    """Answer ``HEAD`` as ``GET`` without the body (RFC 9110), for monitors and link checkers.

    The headers, ``Content-Length`` included, are those the ``GET`` would have.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _catalogue(pager: Pager, seed: int) -> dict[str, Any]:
    out = []
    for name, table in pager.schemas.items():
        columns = [
            {"name": c.name, "kind": c.kind.value, "dtype": c.dtype, "type": json_type(c),
             "filterable": c.name not in RESERVED}
            for c in table.columns
        ]
        out.append({"name": name, "rows": pager.source.n_rows(name), "path": f"/tables/{name}",
                    "primary_key": table.primary_key, "columns": columns})
    return {"seed": seed, "tables": out}


def _add_table_routes(app: FastAPI, pager: Pager, pages: LRU[tuple[str, int, int, Filters], bytes],
                      name: str, model: str, max_limit: int) -> None:
    from fastapi import Path, Query, Request
    from fastapi.responses import Response

    row_model, page_model, error_model = _models(pager.schemas[name], model)
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": error_model, "description": "A bad parameter"},
    }

    def page(request: Request, limit: int, offset: int) -> Response:
        _once(request, RESERVED)
        filters = _filters(request, pager, name)
        key = (name, offset, limit, filters)
        body = pages.get(key)
        if body is None:
            found = pager.page(name, offset, limit, filters)
            body = (f'{{"table":{json.dumps(name)},"offset":{offset},"limit":{limit},'
                    f'"total":{found.total},"rows":{found.rows_json}}}').encode()
            pages.put(key, body)
        return Response(body, media_type="application/json")

    def row(row: int) -> Response:
        return Response(pager.row(name, row).encode(), media_type="application/json")

    from pydantic import BeforeValidator

    digits = BeforeValidator(_digits_only)
    limit = Query(ge=1, le=max_limit, description=f"How many rows to return, 1 to {max_limit}.")
    offset = Query(ge=0, description="How many matching rows to skip.")
    _sign(page, request=Request, limit=(Annotated[int, limit, digits], min(100, max_limit)),
          offset=(Annotated[int, offset, digits], 0))
    position = Path(ge=0, description="The row's position, from 0.")
    _sign(row, row=Annotated[int, position, digits])
    app.add_api_route(
        f"/tables/{name}", page, methods=["GET"], tags=[name], response_model=page_model,
        summary=f"A page of {name!r}, filtered by column equality",
        operation_id=f"list_{model}", responses=errors,
        openapi_extra={"parameters": _filter_parameters(pager.schemas[name])},
    )
    app.add_api_route(
        f"/tables/{name}/{{row}}", row, methods=["GET"], tags=[name], response_model=row_model,
        summary=f"One row of {name!r} by position", operation_id=f"get_{model}",
        responses={**errors, 404: {"model": error_model, "description": "No such row"}},
    )


def _add_unknown_table_routes(app: FastAPI, pager: Pager) -> None:
    def unknown(table: str) -> None:
        known = list(pager.schemas)
        close = difflib.get_close_matches(table, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ApiError(404, f"No table {table!r}. Tables: {', '.join(known)}.{hint}", "table")

    def unknown_row(table: str, row: str) -> None:
        unknown(table)

    _sign(unknown, table=str)
    _sign(unknown_row, table=str, row=str)
    app.add_api_route("/tables/{table}", unknown, methods=["GET"], include_in_schema=False)
    app.add_api_route("/tables/{table}/{row}", unknown_row, methods=["GET"],
                      include_in_schema=False)


def _sign(func: Callable[..., Any], **params: Any) -> None:
    """Give ``func`` a signature with real annotations, which FastAPI reads for parameters.

    Each keyword is a parameter: its annotation, or a pair (annotation, default).
    """
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(k, kind, annotation=v[0], default=v[1]) if isinstance(v, tuple)
         else inspect.Parameter(k, kind, annotation=v) for k, v in params.items()]
    )


def _digits_only(value: Any) -> Any:
    """Refuse ``1.0``, ``1_0`` or ``+1`` where an integer is expected: only digits are read."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
        raise ValueError("only digits 0-9 are read")
    return value


def _once(request: Request, names: tuple[str, ...]) -> None:
    """Refuse a paging parameter given more than once (which would be ambiguous)."""
    for name in names:
        given = request.query_params.getlist(name)
        if len(given) > 1:
            raise ApiError(
                400, f"Parameter {name!r} was given {len(given)} times "
                     f"({', '.join(map(repr, given))}); give it once.", name,
            )


def _filters(request: Request, pager: Pager, table: str) -> Filters:
    grouped: dict[str, set[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in RESERVED:
            grouped.setdefault(key, set()).add(value)
    filters = tuple(sorted((k, tuple(sorted(v))) for k, v in grouped.items()))
    pager.check_filters(table, filters)
    return filters


def _filter_parameters(table: Table) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name, "in": "query", "required": False, "style": "form", "explode": True,
            "schema": {"type": "array", "items": _JSON_SCHEMA[json_type(c)]},
            "description": (f"Keep rows whose {c.name!r} equals this value (kind {c.kind.value}, "
                            f"dtype {c.dtype}). Repeat to match any of several values."),
        }
        for c in table.columns
        if c.name not in RESERVED
    ]


def _model_name(table: str, used: set[str]) -> str:
    base = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", table) if p)
    base = base if base[:1].isalpha() else f"T{base}"
    name, i = base, 2
    while name in used:
        name, i = f"{base}{i}", i + 1
    used.add(name)
    return name


def _models(table: Table, model: str) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    import datetime as dt

    from pydantic import Field, create_model

    types: dict[str, Any] = {"integer": int, "number": float, "boolean": bool,
                             "date-time": dt.datetime, "date": dt.date, "string": str}
    fields: dict[str, Any] = {
        f"c{i}": (types[json_type(c)] | None, Field(
            default=None, alias=c.name, description=f"kind {c.kind.value}, dtype {c.dtype}"))
        for i, c in enumerate(table.columns)
    }
    row: type[BaseModel] = create_model(f"{model}Row", **fields)
    page: type[BaseModel] = create_model(
        f"{model}Page", table=(str, ...), offset=(int, ...), limit=(int, ...),
        total=(int, Field(description="How many rows match the filters in all.")),
        rows=(list[row], ...),  # type: ignore[valid-type]
    )

    return row, page, _error_model()


def _error_model() -> type[BaseModel]:
    from pydantic import Field, create_model

    detail: type[BaseModel] = create_model(
        "ErrorDetail", status=(int, ...), message=(str, ...),
        field=(str | None, Field(None, description="The parameter at fault, if any.")),
    )
    body: type[BaseModel] = create_model("ErrorBody", error=(detail, ...))
    return body


def _catalogue_model() -> type[BaseModel]:
    from pydantic import create_model

    column: type[BaseModel] = create_model(
        "CatalogueColumn", name=(str, ...), kind=(str, ...), dtype=(str, ...), type=(str, ...),
        filterable=(bool, ...),
    )
    table: type[BaseModel] = create_model(
        "CatalogueTable", name=(str, ...), rows=(int, ...), path=(str, ...),
        primary_key=(str | None, None), columns=(list[column], ...),  # type: ignore[valid-type]
    )
    catalogue: type[BaseModel] = create_model(
        "Catalogue", seed=(int, ...), tables=(list[table], ...),  # type: ignore[valid-type]
    )
    return catalogue


def _add_error_handlers(app: FastAPI, max_limit: int) -> None:
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    def reply(error: ApiError, headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status, headers=headers)

    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return reply(exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return reply(_validation_error(exc.errors(), max_limit))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        path = request.url.path
        message = {
            404: f"Nothing at {path}. See GET /tables for the tables, /docs for the API.",
            405: f"{request.method} is not allowed on {path}: this API is read-only "
                 f"(GET and HEAD).",
        }.get(exc.status_code, str(exc.detail))
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": "GET, HEAD"}
        return reply(ApiError(exc.status_code, message), headers)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        return reply(ApiError(500, f"Internal error while answering {request.url.path} "
                                   f"({type(exc).__name__}). This is a bug: please report it."))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


def _validation_error(errors: Any, max_limit: int) -> ApiError:
    first = errors[0] if errors else {}
    loc = first.get("loc", ())
    field = str(loc[-1]) if loc else None
    got = first.get("input")
    wanted = {
        "limit": f"an integer from 1 to {max_limit}",
        "offset": "an integer of 0 or more",
        "row": "a row position, an integer of 0 or more",
    }.get(field or "", "a valid value")
    message = f"Parameter {field!r} must be {wanted}; got {got!r} ({first.get('msg', '')})."
    return ApiError(400, message, field)
