"""Domain errors carry a stable code, a human message and a status, in one JSON shape."""

from __future__ import annotations

from typing import ClassVar

from blackcanyon.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    error_catalogue,
)


class SoldOut(Conflict):
    code: ClassVar[str] = "test_sold_out"
    default_message: ClassVar[str] = "That ticket type is sold out."


def test_to_json_has_code_message_and_fields() -> None:
    # Given a validation error naming a field
    error = ValidationFailed("Fix the price.", fields={"price": ["Enter a price like 25.00."]})
    # When it is turned into JSON, Then the API shape is exactly {"error": {code, message, fields}}
    assert error.to_json() == {
        "error": {
            "code": "validation_failed",
            "message": "Fix the price.",
            "fields": {"price": ["Enter a price like 25.00."]},
        }
    }
    assert error.status == 422


def test_default_message_and_empty_fields_when_not_given() -> None:
    error = SoldOut()
    assert error.message == str(error) == "That ticket type is sold out."
    assert error.to_json() == {
        "error": {"code": "test_sold_out", "message": "That ticket type is sold out.", "fields": {}}
    }
    assert error.status == 409
    assert isinstance(error, DomainError)


def test_base_errors_have_stable_codes_and_statuses() -> None:
    assert (DomainError.code, DomainError.status) == ("error", 400)
    assert (NotFound.code, NotFound.status) == ("not_found", 404)
    assert (PermissionDenied.code, PermissionDenied.status) == ("permission_denied", 403)
    assert (Conflict.code, Conflict.status) == ("conflict", 409)


def test_catalogue_lists_every_subclass_with_status_and_message() -> None:
    catalogue = error_catalogue()
    assert catalogue["test_sold_out"] == (409, "That ticket type is sold out.")
    assert catalogue["not_found"] == (404, "Not found.")
    assert list(catalogue) == sorted(catalogue)
