"""The platform staff reconciliation pages: who may see them, what they show, "Run now".
A difference's own page: `test_reconcile_difference_page.py`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from blackcanyon.ledger import services
from blackcanyon.ledger.models import ReconciliationDifference, ReconciliationRun
from blackcanyon.ledger.reconcile_runs import (
    MANUAL_RUNS_PER_HOUR,
    reconciliation_run_failed,
    reconciliation_run_record,
)
from tests.factories import MembershipFactory, OrganizerFactory, UserFactory
from tests.ledger.balance_stubs import balance_stub, balance_txn
from tests.ledger.helpers import as_worker_role, at

__all__ = ["balance_stub"]
pytestmark = pytest.mark.django_db
START, END = datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
URL = "/staff/reconciliation/"


def _staff_client() -> tuple[Client, object]:
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    return client, staff


def _runs() -> tuple[ReconciliationRun, ReconciliationRun]:
    """A failed run, then one with a mismatch (organizer known) and a lost charge."""
    org = OrganizerFactory(name="Red Rock Presents")
    services.ledger_record_payment(
        organizer=org, order_id=41, gross=5000, platform_fee=250, stripe_fee=175,
        currency="USD", occurred_at=at(), key="stripe:ch_a:payment", stripe_ref="ch_a",
    )  # fmt: skip
    with as_worker_role():
        with clock.frozen(datetime(2026, 11, 3, 9, tzinfo=UTC)):
            failed = reconciliation_run_failed(
                window_start=START, window_end=END, error="Stripe could not be reached just now."
            )
        with clock.frozen(datetime(2026, 11, 3, 10, tzinfo=UTC)):
            run = reconciliation_run_record(
                window_start=START,
                window_end=END,
                balance_transactions=[
                    balance_txn("txn_1QaA", "ch_a", 5000, 180),
                    balance_txn("txn_1QaC", "ch_lost", 3000, 117),
                ],
            )
    return failed, run


def test_staff_see_runs_newest_first_with_their_status() -> None:
    failed, run = _runs()
    client, _ = _staff_client()
    html = client.get(URL).content.decode()
    assert html.index(f"{URL}{run.pk}/") < html.index(f"{URL}{failed.pk}/")
    assert "2 differences" in html
    assert "Failed" in html
    assert "attempt 2" in html


def test_a_run_shows_each_difference_with_a_link_to_its_page() -> None:
    _, run = _runs()
    client, _ = _staff_client()
    html = client.get(f"{URL}{run.pk}/").content.decode()
    assert "Amounts differ" in html
    assert "Missing in the ledger" in html
    assert "ch_lost" in html
    assert "txn_1QaC" in html
    assert "Red Rock Presents" in html
    assert "$50.00 / $1.80 / $48.20" in html  # Stripe's side of the mismatch
    assert "$50.00 / $1.75 / $48.25" in html  # the ledger's
    assert "Order #41" in html
    with as_worker_role():
        mismatch = ReconciliationDifference.objects.get(stripe_ref="ch_a")
    assert f"Ledger entry #{mismatch.ledger_entry_id}" in html
    assert f'href="{URL}{run.pk}/differences/{mismatch.pk}/"' in html
    assert "/admin/" not in html  # under RLS the admin shows staff no organizer's rows
    assert "$80.00" in html  # Stripe's USD total


def test_a_failed_run_shows_why() -> None:
    failed, _ = _runs()
    client, _ = _staff_client()
    html = client.get(f"{URL}{failed.pk}/").content.decode()
    assert "The run failed" in html
    assert "Stripe could not be reached just now." in html


@pytest.mark.parametrize("path", ["", "1/", "999/"])
def test_organizers_and_other_users_get_not_found(path: str) -> None:
    _runs()
    owner = Client()
    owner.force_login(MembershipFactory().user)
    assert owner.get(URL + path).status_code == 404
    assert owner.post(URL + "run/").status_code == 404
    assert Client().get(URL + path).status_code == 302  # signed out: to the login page
    assert DBTaskResult.objects.count() == 0


def test_an_unknown_run_is_a_404_for_staff_too() -> None:
    client, _ = _staff_client()
    assert client.get(f"{URL}999/").status_code == 404


def test_run_now_queues_the_job_audits_it_and_is_rate_limited(balance_stub) -> None:
    # Given platform staff on the runs page
    client, staff = _staff_client()
    balance_stub.transactions = [balance_txn("txn_1QaZ", "ch_z", 1000, 59)]
    # When they press "Run now"
    response = client.post(URL + "run/", follow=True)
    # Then the job is queued and the press is audited
    assert "Reconciliation queued" in response.content.decode()
    assert DBTaskResult.objects.count() == 1
    with tenancy.scoped(user_id=staff.pk):
        assert AuditLog.objects.filter(
            action="ledger.reconciliation.requested", actor=staff
        ).exists()
    # And when the worker runs it, a manual run appears on the page
    with clock.frozen(datetime(2026, 11, 3, 9, tzinfo=UTC)), as_worker_role():
        assert run_pending() == 1
        run = ReconciliationRun.objects.get()
    assert (run.trigger, run.status) == ("manual", "differences")
    assert f"{URL}{run.pk}/" in client.get(URL).content.decode()
    # When they keep pressing, the limit stops them with a message, not an error
    for _ in range(MANUAL_RUNS_PER_HOUR - 1):
        client.post(URL + "run/")
    response = client.post(URL + "run/", follow=True)
    assert response.status_code == 200
    assert "Too many requests" in response.content.decode()
    assert DBTaskResult.objects.count() == MANUAL_RUNS_PER_HOUR


def test_run_now_needs_a_post_with_a_csrf_token() -> None:
    staff = UserFactory(is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get(URL + "run/").status_code == 405
    assert client.post(URL + "run/").status_code == 403
    assert DBTaskResult.objects.count() == 0


@pytest.mark.postgres
def test_rls_shows_runs_only_to_staff_and_the_worker() -> None:
    # Given a stored run with differences
    _runs()
    staff, someone = UserFactory(is_staff=True), UserFactory()
    # Then the web role sees nothing without a staff user in the context
    for ctx in ({}, {"user_id": someone.pk}):
        with tenancy.scoped(**ctx):
            assert ReconciliationRun.objects.count() == 0
            assert ReconciliationDifference.objects.count() == 0
    # And a staff user's context reads them, but cannot write
    with tenancy.scoped(user_id=staff.pk):
        assert ReconciliationRun.objects.count() == 2
        assert ReconciliationDifference.objects.count() == 2
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT w")
            with pytest.raises(Exception, match="row-level security"):
                cursor.execute(
                    "INSERT INTO ledger_reconciliationrun (window_start, window_end, attempt,"
                    " trigger, status, balance_transactions, matched, difference_count, totals,"
                    " error, started_at, finished_at) VALUES (now(), now(), 9, 'x', 'ok', 0, 0,"
                    " 0, '{}', '', now(), now())"
                )
            cursor.execute("ROLLBACK TO SAVEPOINT w")
