"""Personal data held by the api app.

* ``api.ApiToken.created_by`` — the member who created a token (shown in the token list; API
  writes made with the token are attributed to them in the audit trail). Export: with the
  user's data (token name, organizer, dates). Erase: the reference is kept and points at the
  pseudonymised account, like audit entries; tokens are organizer data and are not deleted
  with a person's account (revoke them instead).

Tokens themselves are stored only as a sha256 hash plus an 8-character public prefix; neither
the secret nor the hash ever appears in audit data or logs. Retention: as long as the organizer.
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "api.ApiToken": {
        "created_by": "who created the token; kept, points at the pseudonymised account",
    },
}
