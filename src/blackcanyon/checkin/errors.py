"""Refusals of the check-in API and pages, each with a stable code.

A scan that does not admit is no error: it is recorded and answered with its ``status``
(``revoked``, ``already_checked_in`` ...). These errors are for requests that cannot be served.
"""

from __future__ import annotations

from blackcanyon.api.errors import ApiAuthError
from blackcanyon.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class NotAuthenticated(ApiAuthError):
    code = "not_authenticated"
    default_message = (
        "Sign in, or send a device token (`Authorization: Bearer bctd_...`) or an API token."
    )


class DeviceTokenInvalid(ApiAuthError):
    code = "token_invalid"
    default_message = "This device token is not valid."


class DeviceRevoked(ApiAuthError):
    code = "device_revoked"
    default_message = "This scanner device has been revoked. Ask an organizer for a new one."


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    default_message = "The security token of this page is missing or out of date. Reload the page."


class ScanPermissionDenied(PermissionDenied):
    code = "permission_denied"
    default_message = "Your role does not allow check-in for this organizer."


class CheckInListNotFound(NotFound):
    code = "checkin_list_not_found"
    default_message = "Check-in list not found."


class ScanNotFound(NotFound):
    code = "scan_not_found"
    default_message = "No scan with this id."


class DeviceNotFound(NotFound):
    code = "device_not_found"
    default_message = "Scanner device not found."


class BatchTooLarge(ValidationFailed):
    code = "batch_too_large"
    default_message = "Send at most 500 scans per request."


class ScanInputInvalid(ValidationFailed):
    code = "validation_failed"


class CheckInListInvalid(ValidationFailed):
    code = "checkin_list_invalid"
    default_message = "Check the list's settings."


class CheckInListNameTaken(ValidationFailed):
    code = "checkin_list_name_taken"
    default_message = "This event already has a check-in list with that name."

    def __init__(self, message: str | None = None) -> None:
        msg = message or self.default_message
        super().__init__(msg, fields={"name": [msg]})


class CheckInListHasScans(Conflict):
    code = "checkin_list_has_scans"
    default_message = (
        "This list has scans and is kept as a record. Rename it or change its ticket types instead."
    )


class DeviceNameInvalid(ValidationFailed):
    code = "device_name_invalid"
    default_message = "Give the device a name (up to 100 characters)."

    def __init__(self, message: str | None = None) -> None:
        msg = message or self.default_message
        super().__init__(msg, fields={"name": [msg]})
