"""Ledger refusals. Each has a stable ``code`` (API, logs, docs/ledger.md)."""

from __future__ import annotations

from blackcanyon.core.errors import Conflict, DomainError, ValidationFailed


class LedgerError(DomainError):
    code = "ledger_error"
    default_message = "The ledger could not record that."


class EntryUnbalanced(LedgerError):
    code = "ledger_entry_unbalanced"
    status = 422
    default_message = "A journal entry's postings must sum to zero in each currency."


class InvalidAmount(ValidationFailed):
    code = "ledger_invalid_amount"
    default_message = "Amounts are whole minor units (cents) and must be in range."


class InvalidCurrency(ValidationFailed):
    code = "ledger_invalid_currency"
    default_message = "Not a supported ISO 4217 currency."


class InvalidTime(ValidationFailed):
    code = "ledger_invalid_time"
    default_message = "When it happened must be a timezone-aware time."


class InvalidKey(ValidationFailed):
    code = "ledger_invalid_key"
    default_message = "An idempotency key of 1 to 200 characters is required."


class InvalidAccount(ValidationFailed):
    code = "ledger_invalid_account"
    default_message = "That account does not exist for this entry."


class ReasonRequired(ValidationFailed):
    code = "ledger_reason_required"
    default_message = "Say why: a manual adjustment needs a reason."


class KeyReused(Conflict):
    code = "ledger_key_reused"
    default_message = "This idempotency key was already used for a different money movement."
