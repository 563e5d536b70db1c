"""What an HTTP refusal looks like, and the OpenAPI `responses` that say so for every route.

Two bodies, everywhere: a 422 names each wrong field (`FieldProblems`, the shape FastAPI's
own request validation answers in); every other refusal says what is wrong in words
(`Problem`). `document_refusals` adds to each route the refusals the shared machinery can
answer (tokens, person-data access, body parsing and size, validation); a route adds the ones
only it knows (a 404, a 409) with `refusals(...)`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute


class Problem(BaseModel):
    """Every refusal but a 422: what is wrong, in words."""

    detail: str = Field(examples=["no such person"])


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(
        description="Where: `body`, `query`, `path` or `header`, then the field.",
        examples=[["body", "admitted_on"]],
    )
    msg: str = Field(examples=["must be a date written YYYY-MM-DD"])
    type: str = Field(description="A stable code for the problem.", examples=["date_format"])


class FieldProblems(BaseModel):
    """Every 422: each field that is wrong, where, and why (never the value sent)."""

    detail: list[FieldProblem]


REFUSALS: dict[int, str] = {
    status.HTTP_400_BAD_REQUEST: "The body could not be read as text (not UTF-8).",
    status.HTTP_401_UNAUTHORIZED: "No bearer token, or one that was refused.",
    status.HTTP_403_FORBIDDEN: "The token's role or centre may not do this here.",
    status.HTTP_404_NOT_FOUND: "Nothing by that id here.",
    status.HTTP_409_CONFLICT: "It conflicts with what is already recorded.",
    status.HTTP_410_GONE: "The person was erased: nothing more is recorded about them.",
    status.HTTP_413_CONTENT_TOO_LARGE: "The body is larger than the limit (64 KiB).",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "A parameter or body field is invalid.",
    status.HTTP_503_SERVICE_UNAVAILABLE: "Tokens cannot be checked right now (the identity "
    "provider's keys are unreachable); retry.",
}
PERSON_ACCESS_REFUSED = (
    "The token's role or centre may not do this here, or an ops token came without X-Access-Reason."
)
PERSON_READ_UNAVAILABLE = (
    "Tokens cannot be checked right now, or the audit trail cannot be written, so this "
    "person's data is not shown; retry."
)


def refusals(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for refusals a route answers itself; `descriptions` by status
    (`_404="no such session"`) say more than the generic text."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in statuses:
        documented[code] = _refusal(code, descriptions.get(f"_{code}", REFUSALS[code]))
    return documented


def unprocessable(*problems: tuple[str, str, str]) -> HTTPException:
    """A 422 in the shape of every other 422, one (where, message, code) per problem; `where`
    is a body field."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [
            {"loc": ["body", field], "msg": message, "type": code}
            for field, message, code in problems
        ],
    )


def document_refusals(
    routes: Sequence[BaseRoute], *, caller: object, person_caller: object
) -> None:
    """Adds to each route's `responses` the refusals answered before or around its handler:
    401, 403 and 503 where it takes a token (`caller`), 403 and 503 worded for a person-data
    route (`person_caller`), 400 and 413 where it reads a body, 422 where it takes any input.
    What a route documents itself is kept; a refusal without a body schema gets one."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        found = route.responses
        if depends_on(route.dependant, person_caller):
            found.setdefault(403, _refusal(403, PERSON_ACCESS_REFUSED))
            if "GET" in (route.methods or ()):
                found.setdefault(503, _refusal(503, PERSON_READ_UNAVAILABLE))
        if depends_on(route.dependant, caller):
            for code in (401, 403, 503):
                found.setdefault(code, _refusal(code, REFUSALS[code]))
        if route.body_field is not None:
            for code in (400, 413):
                found.setdefault(code, _refusal(code, REFUSALS[code]))
        if route.body_field is not None or get_flat_params(route.dependant):
            found.setdefault(422, _refusal(422, REFUSALS[422]))
        for status_code, response in found.items():
            if _is_refusal(status_code) and "model" not in response:
                response["model"] = FieldProblems if str(status_code) == "422" else Problem
        route.responses = dict(sorted(found.items(), key=lambda item: str(item[0])))


async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """405 with an `Allow` naming every method of the path, not only those of the one route
    the router happened to try first (`PUT /centres/{id}` said `Allow: PUT`, hiding GET)."""
    allowed = sorted(
        method.upper()
        for template, operations in request.app.openapi()["paths"].items()
        if _template(template).fullmatch(request.url.path)
        for method in operations
    )
    if not allowed and isinstance(exc, StarletteHTTPException) and exc.headers:
        allowed = [exc.headers.get("Allow", "")]
    return JSONResponse(
        {"detail": "Method Not Allowed"},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(allowed)},
    )


def _template(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)))


def depends_on(dependant: Dependant, call: object) -> bool:
    """Whether a route (or any dependency beneath it) depends on `call`."""
    return any(sub.call is call or depends_on(sub, call) for sub in dependant.dependencies)


def _refusal(code: int, description: str) -> dict[str, Any]:
    return {"model": FieldProblems if code == 422 else Problem, "description": description}


def _is_refusal(code: int | str) -> bool:
    return str(code)[0] in "45"
