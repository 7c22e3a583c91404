"""The double-entry ledger: accounts, journal entries and their postings.

Every money movement is one ``JournalEntry`` whose ``Posting`` rows sum to zero per currency
(debit positive, credit negative, integer minor units). Rows are append-only: a correction is a
new entry. See docs/ledger.md for the account scheme and example postings.
"""

from __future__ import annotations

from django.db import models

from blackcanyon.core import clock


class AccountKind(models.TextChoices):
    # Platform accounts (organizer is NULL): code ``platform:<kind>``.
    CASH = "cash", "Stripe balance"
    FEES = "fees", "Platform fee revenue"
    STRIPE_FEES = "stripe_fees", "Stripe fees (expense)"
    PAYOUTS = "payouts", "Paid out to the platform's bank"
    # Organizer accounts: code ``organizer:<id>:<kind>``.
    PAYABLE = "payable", "Owed to the organizer"
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", "Payouts in transit"
    DISPUTES = "disputes", "Held in disputes"
    # The organizer's own Stripe (connected account) balance: destination charges transfer
    # their share there at once, and Stripe pays it out from there.
    CONNECTED_BALANCE = "connected_balance", "In the organizer's Stripe balance"


PLATFORM_KINDS = frozenset(
    {AccountKind.CASH, AccountKind.FEES, AccountKind.STRIPE_FEES, AccountKind.PAYOUTS}
)
ORGANIZER_KINDS = frozenset(
    {
        AccountKind.PAYABLE,
        AccountKind.PAYOUTS_IN_TRANSIT,
        AccountKind.DISPUTES,
        AccountKind.CONNECTED_BALANCE,
    }
)


class EntryKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    PLATFORM_FEE = "platform_fee", "Platform fee"
    STRIPE_FEE = "stripe_fee", "Stripe fee"
    REFUND = "refund", "Refund"
    DISPUTE = "dispute", "Dispute opened"
    DISPUTE_WON = "dispute_won", "Dispute won"
    DISPUTE_LOST = "dispute_lost", "Dispute lost"
    PAYOUT = "payout", "Payout sent"
    PAYOUT_PAID = "payout_paid", "Payout arrived"
    PAYOUT_FAILED = "payout_failed", "Payout failed"
    TRANSFER = "transfer", "Transfer to the organizer's Stripe account"
    APPLICATION_FEE = "application_fee", "Platform fee collected"
    TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversed"
    FEE_REFUND = "fee_refund", "Platform fee returned"
    ADJUSTMENT = "adjustment", "Adjustment"


class Line(models.TextChoices):
    """What a posting is, within its entry (pairs of lines balance on their own)."""

    GROSS = "gross", "Sale"
    PLATFORM_FEE = "platform_fee", "Platform fee"
    STRIPE_FEE = "stripe_fee", "Stripe fee"
    REFUND = "refund", "Refund"
    DISPUTE = "dispute", "Disputed amount"
    DISPUTE_FEE = "dispute_fee", "Dispute fee"
    DISPUTE_REVERSAL = "dispute_reversal", "Dispute reversed"
    PAYOUT = "payout", "Payout"
    TRANSFER = "transfer", "Transfer"
    APPLICATION_FEE = "application_fee", "Platform fee collected"
    ADJUSTMENT = "adjustment", "Adjustment"


class Account(models.Model):
    """A ledger account in one currency, created on first use. Platform accounts have no
    organizer; organizer accounts belong to one organizer (RLS)."""

    organizer = models.ForeignKey(
        "organizers.Organizer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    code = models.CharField(max_length=80)
    kind = models.CharField(max_length=30, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "currency"], name="ledger_account_unique_code"),
            models.CheckConstraint(
                condition=(
                    models.Q(organizer__isnull=True, code__startswith="platform:")
                    | models.Q(organizer__isnull=False, code__startswith="organizer:")
                ),
                name="ledger_account_code_matches_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.currency})"


class JournalEntry(models.Model):
    """One money movement. ``idempotency_key`` is unique: recording it twice is a no-op."""

    organizer = models.ForeignKey(
        "organizers.Organizer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # The headline amount (gross paid, refunded, paid out ...), always >= 0, for lists.
    amount = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    # References, as text/ids: the ledger sits beside orders and payments, not on top of them.
    order_id = models.BigIntegerField(null=True, blank=True)
    stripe_ref = models.CharField(max_length=255, blank=True, default="")
    memo = models.TextField(blank=True, default="")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name_plural = "journal entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="ledger_entry_amount_not_negative"
            ),
            # One entry per Stripe object and kind (a charge is paid once, a refund refunds
            # once), whichever event or key reports it. Adjustments may repeat a reference.
            models.UniqueConstraint(
                fields=["kind", "stripe_ref"],
                condition=~models.Q(stripe_ref="") & ~models.Q(kind="adjustment"),
                name="ledger_entry_unique_stripe_ref",
            ),
        ]
        indexes = [
            models.Index(fields=["organizer", "-occurred_at"], name="ledger_entry_org_time"),
            models.Index(fields=["stripe_ref"], name="ledger_entry_stripe_ref"),
            models.Index(fields=["order_id"], name="ledger_entry_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class Posting(models.Model):
    """One line of an entry: ``amount`` > 0 debits the account, < 0 credits it."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    # Copy of the entry's organizer, so every row can be checked on its own (RLS).
    organizer = models.ForeignKey(
        "organizers.Organizer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    line = models.CharField(max_length=20, choices=Line.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="ledger_posting_amount_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount:+d} {self.currency}"


class RunStatus(models.TextChoices):
    OK = "ok", "Matches Stripe"
    DIFFERENCES = "differences", "Differences found"
    FAILED = "failed", "Failed"


class DifferenceKind(models.TextChoices):
    MISSING_IN_LEDGER = "missing_in_ledger", "Missing in the ledger"
    MISSING_AT_STRIPE = "missing_at_stripe", "Missing at Stripe"
    AMOUNT_MISMATCH = "amount_mismatch", "Amounts differ"


class ReconciliationRun(models.Model):
    """One comparison of the ledger with Stripe's balance transactions for a window
    (``ledger.reconcile_runs``). Re-running a window adds a run with the next ``attempt``; the
    newest attempt is the current answer. Platform-level: no organizer (RLS: system context and
    platform staff only, migration ``ledger/0003``)."""

    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    attempt = models.PositiveIntegerField(default=1)
    trigger = models.CharField(max_length=20, default="schedule")  # schedule | manual
    status = models.CharField(max_length=20, choices=RunStatus.choices)
    balance_transactions = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    difference_count = models.PositiveIntegerField(default=0)
    # Stripe's side per currency: {"USD": {"amount": .., "fee": .., "net": ..}} (minor units).
    totals = models.JSONField(default=dict, blank=True)
    # What went wrong, for staff: error class, HTTP status, Stripe request id — never a key.
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["window_start", "window_end", "attempt"],
                name="ledger_recon_run_unique_attempt",
            ),
        ]

    def __str__(self) -> str:
        window = f"{self.window_start:%Y-%m-%d}..{self.window_end:%Y-%m-%d}"
        return f"reconciliation {window} #{self.attempt}"


class ReconciliationDifference(models.Model):
    """One (Stripe object, currency) on which the ledger and Stripe disagree. ``organizer``,
    ``ledger_entry_id`` and ``order_id`` are copied from the ledger when it knows the object,
    and the ``order_*`` fields from that order when the run is stored: what platform staff see of
    it (no buyer's data), as it was then — staff never read the order itself."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    organizer = models.ForeignKey(
        "organizers.Organizer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=DifferenceKind.choices)
    stripe_ref = models.CharField(max_length=255)
    currency = models.CharField(max_length=3)
    balance_transaction_ids = models.JSONField(default=list, blank=True)
    stripe_amount = models.BigIntegerField(null=True, blank=True)
    stripe_fee = models.BigIntegerField(null=True, blank=True)
    stripe_net = models.BigIntegerField(null=True, blank=True)
    ledger_amount = models.BigIntegerField(null=True, blank=True)
    ledger_fee = models.BigIntegerField(null=True, blank=True)
    ledger_net = models.BigIntegerField(null=True, blank=True)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)
    order_code = models.CharField(max_length=20, blank=True, default="")
    order_status = models.CharField(max_length=20, blank=True, default="")
    order_total = models.BigIntegerField(null=True, blank=True)
    order_currency = models.CharField(max_length=3, blank=True, default="")
    order_event_title = models.CharField(max_length=200, blank=True, default="")
    order_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.kind} {self.stripe_ref} {self.currency}"
