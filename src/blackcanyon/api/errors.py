"""API errors, and the ONE mapping of every failure to ``{"error": {"code", "message", "fields"}}``.

``install(api)`` registers the handlers on the NinjaAPI:

* a ``DomainError`` (from any service or selector) → its own status, code, message and fields;
* request validation by ninja/pydantic (wrong types, missing fields, bad query/header values)
  and a body that is not JSON → 422 ``validation_failed`` with a message per field;
* ninja's own HTTP errors (405 ...) and ``Http404`` → their status with a generic code;
* anything else → logged with its traceback and answered 500 ``server_error`` (no details).

Bad input therefore never produces a 500, and no error response carries a token or a stack trace.
"""

from __future__ import annotations

import functools
import logging
import math
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from blackcanyon.core import clock
from blackcanyon.core.errors import DomainError, NotFound, RateLimited, ValidationFailed

logger = logging.getLogger(__name__)

# --- Errors of the API itself --------------------------------------------------------------------


class ApiAuthError(DomainError):
    """Base of the 401 answers; the response carries ``WWW-Authenticate: Bearer``."""

    code = "unauthorized"
    status = 401
    default_message = "Authentication required."


class ApiTokenMissing(ApiAuthError):
    code = "token_missing"
    default_message = "Send your API token in the header `Authorization: Bearer bct_...`."


class ApiTokenInvalid(ApiAuthError):
    code = "token_invalid"
    default_message = "This API token is not valid."


class ApiTokenRevoked(ApiAuthError):
    code = "token_revoked"
    default_message = "This API token has been revoked. Create a new one in the organizer's pages."


class ApiTokenNameInvalid(ValidationFailed):
    code = "token_name_invalid"
    default_message = "Give the token a name (up to 100 characters)."

    def __init__(self, message: str | None = None) -> None:
        msg = message or self.default_message
        super().__init__(msg, fields={"name": [msg]})


class ApiTokenNotFound(NotFound):
    code = "token_not_found"
    default_message = "API token not found."


class EndpointNotFound(NotFound):
    code = "not_found"
    default_message = "There is no API endpoint at this address. See /api/v1/docs."


class ApiRateLimited(RateLimited):
    """Too many requests with one token; ``retry_after`` seconds until the window resets."""

    def __init__(self, message: str | None = None, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BodyNotJson(ValueError):
    """The request body could not be parsed as JSON."""


# --- The error document ------------------------------------------------------------------------


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    """Every error response of the API."""

    error: ErrorDetail


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class JsonParser(Parser):
    """ninja's JSON parser, with a recognisable error for a body that is not JSON."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            return super().parse_body(request)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise BodyNotJson(str(error)) from error


# --- Mapping -----------------------------------------------------------------------------------

_GENERIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}


def _field_key(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "payload", "items", 0, "quantity")`` → ``items.0.quantity``;
    ``("query", "limit")`` → ``limit``; the whole body → ``body``."""
    source, *path = [str(part) for part in loc] or ["body"]
    if source == "body" and path:
        path = path[1:]  # the handler's parameter name is no field of the document
    return ".".join(path) or source


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        message = str(error.get("msg", "Invalid value."))
        # pydantic prefixes messages of custom validators with "Value error, ".
        message = message.removeprefix("Value error, ")
        fields.setdefault(_field_key(error.get("loc", ())), []).append(message)
    return fields


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]
) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _domain_error(api: NinjaAPI, request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _respond(api, request, exc.status, exc.to_json())
    if isinstance(exc, ApiRateLimited):
        response["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


def _validation_error(
    api: NinjaAPI, request: HttpRequest, exc: NinjaValidationError
) -> HttpResponse:
    body = error_body(
        ValidationFailed.code, ValidationFailed.default_message, validation_fields(exc.errors)
    )
    return _respond(api, request, 422, body)


def _http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyNotJson):
        message = "The request body is not valid JSON."
        body = error_body(ValidationFailed.code, message, {"body": [message]})
        return _respond(api, request, 422, body)
    if isinstance(exc, AuthenticationError):
        return _domain_error(api, request, ApiTokenMissing())
    code = _GENERIC_CODES.get(exc.status_code, "error")
    return _respond(api, request, exc.status_code, error_body(code, str(exc)))


def _unexpected(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in API %s %s", request.method, request.path, exc_info=exc)
    body = error_body("server_error", "Something went wrong on our side. Please try again.")
    return _respond(api, request, 500, body)


def handle(api: NinjaAPI, request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """Turn any exception raised while serving an API request into the error document."""
    if isinstance(exc, type):  # ninja's handlers may be given a class: use an instance
        exc_class = exc
        try:
            exc = exc_class()
        except TypeError:
            exc = RuntimeError(exc_class.__name__)
    if isinstance(exc, DomainError):
        return _domain_error(api, request, exc)
    if isinstance(exc, NinjaValidationError):
        return _validation_error(api, request, exc)
    if isinstance(exc, HttpError):
        return _http_error(api, request, exc)
    if isinstance(exc, Http404):
        return _domain_error(api, request, NotFound())
    return _unexpected(api, request, exc)


def install(api: NinjaAPI) -> None:
    """Make ``handle`` answer every exception of ``api`` (replacing ninja's default handlers,
    which are registered per class: each of those classes is registered again here)."""
    for exc_class in (DomainError, NinjaValidationError, HttpError, Http404, Exception):
        api.add_exception_handler(exc_class, functools.partial(handle, api))


def seconds_left_in_window(window: int) -> float:
    """Seconds until the current fixed rate-limit window (``core.ratelimit``) starts over."""
    now = clock.now().timestamp()
    return window - (now % window)
