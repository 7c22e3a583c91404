"""Domain errors of the organizers app (organizers, teams, invitations).

Codes are stable: the API and tests rely on them. Field-level errors name the form field in
``fields`` so views can show them next to the input.
"""

from __future__ import annotations

from blackcanyon.core.errors import Conflict, DomainError, NotFound, PermissionDenied


def _field(name: str, message: str) -> dict[str, list[str]]:
    return {name: [message]}


class OrganizerFieldInvalid(DomainError):
    """Base for a value a service refuses; ``field`` names the form field it belongs to."""

    code = "organizer_invalid"
    status = 422
    default_message = "Some fields need attention."
    field = "__all__"

    def __init__(self, message: str | None = None) -> None:
        msg = message or self.default_message
        super().__init__(msg, fields=_field(self.field, msg))


class NameRequired(OrganizerFieldInvalid):
    code = "name_required"
    field = "name"
    default_message = "Enter the organizer's name."


class ContactEmailInvalid(OrganizerFieldInvalid):
    code = "contact_email_invalid"
    field = "contact_email"
    default_message = "Enter a valid contact email address."


class InviteEmailInvalid(OrganizerFieldInvalid):
    code = "invite_email_invalid"
    field = "email"
    default_message = "Enter a valid email address."


class SlugInvalid(OrganizerFieldInvalid):
    code = "slug_invalid"
    field = "slug"
    default_message = (
        "Use 3 to 60 lowercase letters, digits and hyphens, starting and ending with a letter or "
        "digit."
    )


class SlugReserved(OrganizerFieldInvalid):
    code = "slug_reserved"
    field = "slug"
    default_message = "That address is reserved. Please choose another."


class SlugTaken(Conflict):
    code = "slug_taken"
    default_message = "That address is already taken. Please choose another."

    def __init__(self, message: str | None = None) -> None:
        msg = message or self.default_message
        super().__init__(msg, fields=_field("slug", msg))


class CountryInvalid(OrganizerFieldInvalid):
    code = "country_invalid"
    field = "country"
    default_message = "Choose a country from the list."


class CurrencyInvalid(OrganizerFieldInvalid):
    code = "currency_invalid"
    field = "default_currency"
    default_message = "Choose a supported currency."


class TimezoneInvalid(OrganizerFieldInvalid):
    code = "timezone_invalid"
    field = "timezone"
    default_message = "Choose a valid time zone, such as America/Denver or Europe/Berlin."


class RoleInvalid(OrganizerFieldInvalid):
    code = "role_invalid"
    field = "role"
    default_message = "Choose one of the roles: owner, admin, staff or scanner."


class VerifiedEmailRequired(PermissionDenied):
    code = "email_verification_required"
    default_message = "Please verify your email address before creating an organizer."


class OwnerRoleRequired(PermissionDenied):
    code = "owner_required"
    default_message = "Only owners can grant or take away the owner role, or remove an owner."


class LastOwner(Conflict):
    code = "last_owner"
    default_message = (
        "An organizer must always have at least one owner. Make someone else an owner first."
    )


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = "That person is already a member of this team."

    def __init__(self, message: str | None = None) -> None:
        msg = message or self.default_message
        super().__init__(msg, fields=_field("email", msg))


class MemberNotFound(NotFound):
    code = "member_not_found"
    default_message = "That team member was not found."


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    default_message = "This invitation link is not valid. Check that you copied the whole link."


class InvitationGone(DomainError):
    """The invitation exists but can no longer be used."""

    code = "invitation_gone"
    status = 410
    default_message = "This invitation can no longer be used."


class InvitationExpired(InvitationGone):
    code = "invitation_expired"
    default_message = (
        "This invitation has expired. Ask the person who invited you to send a new one."
    )


class InvitationRevoked(InvitationGone):
    code = "invitation_revoked"
    default_message = (
        "This invitation was withdrawn or replaced by a newer one. Check your inbox for a newer "
        "invitation, or ask the team to invite you again."
    )


class InvitationAlreadyAccepted(InvitationGone):
    code = "invitation_already_accepted"
    default_message = "This invitation has already been accepted."


class InvitationEmailMismatch(PermissionDenied):
    code = "invitation_email_mismatch"
    default_message = (
        "This invitation was sent to a different email address. Log in with the account for "
        "that address to accept it."
    )
