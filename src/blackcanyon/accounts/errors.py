"""Domain errors raised by the accounts services (stable codes; see core/errors.py)."""

from __future__ import annotations

from blackcanyon.core.errors import Conflict, DomainError, ValidationFailed


class EmailAlreadyRegistered(Conflict):
    code = "email_already_registered"
    default_message = "An account with this email already exists — log in or reset your password."


class EmailAlreadyVerified(Conflict):
    code = "email_already_verified"
    default_message = "Your email address is already verified."


class EmailUnchanged(ValidationFailed):
    code = "email_unchanged"
    default_message = "That is already your email address."


class WrongPassword(ValidationFailed):
    code = "wrong_password"
    default_message = "Your current password is not correct."


class WeakPassword(ValidationFailed):
    code = "weak_password"
    default_message = "Choose a stronger password."


class LinkInvalid(DomainError):
    """A signed link that was tampered with, is malformed, or no longer matches the account."""

    code = "link_invalid"
    status = 400
    default_message = (
        "This link is not valid. It may have been used already or copied incompletely."
    )


class LinkExpired(LinkInvalid):
    code = "link_expired"
    default_message = "This link has expired."
