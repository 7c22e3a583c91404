"""Stripe webhooks: how fast the endpoint acknowledges, and how fast the worker processes them.

    .venv/bin/python -m benchmarks.webhooks [--events 3000] [--concurrency 1 16]
        [--accounts 200] [--workers 4] [--process-workers 1]

Fresh PostgreSQL database, the app under gunicorn in the production profile with a generated
webhook secret (no network: nothing here talks to Stripe). The seed gives ``--accounts``
organizers a connected Stripe account. Phases, each printing requests/s, latency and the CPU per
request of the web workers and of PostgreSQL:

* **acknowledge**: ``--events`` distinct ``account.updated`` events (~2.5 kB each, signed with
  the Stripe SDK's own signing code) per concurrency level — signature checked on the raw body,
  the event stored once, its processing enqueued, 200;
* **duplicates**: the same events again — each answered ``duplicate: true``, nothing enqueued;
* **refused**: the same events with a wrong signature — 400, a security log line, and at most
  30 audit entries per client address and hour (the figure shows the flood was not audited);
* **process**: ``--process-workers`` processes of ``bct worker --batch`` (connected as the
  worker's database role) run every enqueued event — the connected account's status is synced
  from the newest event, older ones change nothing — and print events/s and CPU per event.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import time
from collections.abc import Callable

import psycopg
import redis
import stripe

from benchmarks import harness

SEED = """
import os
from blackcanyon.core import tenancy
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.models import StripeAccount

with tenancy.system_context():
    for number in range(int(os.environ["BENCH_ACCOUNTS"])):
        org = Organizer.objects.create(
            name=f"Bench {number}", slug=f"bench-{number}", contact_email="b@example.com",
            country="US", default_currency="USD", timezone="UTC",
        )
        StripeAccount.objects.create(organizer=org, stripe_account_id=f"acct_1Bench{number:08d}")
"""


def account_event(index: int, *, accounts: int, created: int) -> str:
    """A realistic ``account.updated`` event (Stripe's shape, trimmed of nothing we read)."""
    account_id = f"acct_1Bench{index % accounts:08d}"
    done = index % 3 != 0
    event = {
        "id": f"evt_1Bench{index:014d}",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created + index,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "account.updated",
        "account": account_id,
        "data": {
            "object": {
                "id": account_id,
                "object": "account",
                "business_profile": {
                    "mcc": "7922",
                    "name": "Black Canyon Live",
                    "product_description": "Concert and festival tickets",
                    "support_email": "tickets@example.com",
                    "url": "https://example.com",
                },
                "business_type": "company",
                "capabilities": {"card_payments": "active", "transfers": "active"},
                "charges_enabled": done,
                "controller": {"type": "application", "is_controller": True},
                "country": "US",
                "created": created - 86400,
                "default_currency": "usd",
                "details_submitted": True,
                "email": "owner@example.com",
                "external_accounts": {"object": "list", "data": [], "has_more": False},
                "metadata": {"organizer": str(index % accounts)},
                "payouts_enabled": done,
                "requirements": {
                    "alternatives": [],
                    "current_deadline": None,
                    "currently_due": [] if done else ["external_account", "tos_acceptance.date"],
                    "disabled_reason": None if done else "requirements.past_due",
                    "errors": [],
                    "eventually_due": [] if done else ["external_account"],
                    "past_due": [] if done else ["external_account"],
                    "pending_verification": [],
                },
                "settings": {
                    "payouts": {
                        "debit_negative_balances": True,
                        "schedule": {"delay_days": 2, "interval": "daily"},
                        "statement_descriptor": None,
                    },
                    "payments": {"statement_descriptor": "BLACKCANYON"},
                },
                "tos_acceptance": {"date": created - 86000},
                "type": "express",
            },
            "previous_attributes": {"charges_enabled": not done},
        },
    }
    return json.dumps(event)


def webhook_request(bodies: list[str], secret: str, *, offset: int = 0) -> Callable[[int], bytes]:
    def make(index: int) -> bytes:
        body = bodies[offset + index]
        signature = stripe.WebhookSignature.generate_signature_header(
            body, secret, timestamp=int(time.time())
        )
        return harness.http_request(
            "POST",
            "/webhooks/stripe/",
            body=body.encode(),
            headers={"Stripe-Signature": signature},
        )

    return make


def phase(
    title: str,
    proc_pid: int,
    make: Callable[[int], bytes],
    *,
    total: int,
    concurrency: int,
) -> harness.LoadReport:
    meter = harness.CpuMeter(proc_pid, "bct_bench_webhooks")
    meter.start()
    report = harness.load(
        port=harness.PORT, make_request=make, total=total, concurrency=concurrency, max_seconds=120
    )
    meter.stop()
    duplicates = sum(
        1 for r in report.results if r.status == 200 and json.loads(r.body).get("duplicate")
    )
    print(f"{title}, {concurrency} connections")
    print(f"  {report.summary()}")
    print(f"  statuses {dict(report.statuses())}; answered duplicate: {duplicates}")
    print(f"  {meter.per_request_ms(len(report.results))}")
    return report


def counts(owner_url: str) -> tuple[int, int, int]:
    """(stored events, processed events, refusal audit entries)."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        stored, processed = conn.execute(
            "SELECT count(*), count(processed_at) FROM payments_stripeevent"
        ).fetchone()  # type: ignore[misc]
        (audited,) = conn.execute(
            "SELECT count(*) FROM core_auditlog WHERE action = 'payments.stripe_webhook.refused'"
        ).fetchone()  # type: ignore[misc]
    return stored, processed, audited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000, help="events per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--process-workers", type=int, default=1, help="bct worker processes")
    args = parser.parse_args()

    owner_url, web_url = harness.fresh_database("bct_bench_webhooks")
    harness.run_python(harness.base_env(owner_url) | {"BENCH_ACCOUNTS": str(args.accounts)}, SEED)
    secret = "whsec_" + secrets.token_urlsafe(24)  # made for this run only
    stripe_env = {
        "STRIPE_SECRET_KEY": "sk_test_" + secrets.token_urlsafe(24),
        "STRIPE_WEBHOOK_SECRET": secret,
    }
    env = harness.base_env(web_url) | stripe_env
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the benchmarks' own Redis database:
    # earlier runs' rate-limit counters would hide this run's refusal audit entries
    levels = len(args.concurrency)
    created = int(time.time()) - 3600
    bodies = [
        account_event(i, accounts=args.accounts, created=created)
        for i in range((levels + 1) * args.events)
    ]
    print(
        f"{args.accounts} connected accounts, {args.workers} sync gunicorn workers, "
        f"event size {len(bodies[0])} bytes, cpu count {os.cpu_count()}"
    )
    with harness.server(env, workers=args.workers) as proc:
        warm = args.events * levels  # the last block warms every worker up, unmeasured
        harness.load(
            port=harness.PORT,
            make_request=webhook_request(bodies, secret, offset=warm),
            total=min(args.events, 400),
            concurrency=8,
        )
        for level, concurrency in enumerate(args.concurrency):
            phase(
                "acknowledge new events",
                proc.pid,
                webhook_request(bodies, secret, offset=level * args.events),
                total=args.events,
                concurrency=concurrency,
            )
        phase(
            "duplicates (already stored)",
            proc.pid,
            webhook_request(bodies, secret),
            total=args.events,
            concurrency=args.concurrency[-1],
        )
        phase(
            "refused (wrong signature)",
            proc.pid,
            webhook_request(bodies, "whsec_wrong"),
            total=args.events,
            concurrency=args.concurrency[-1],
        )
        rss = harness.worker_rss_mb(proc.pid)
    stored, processed, audited = counts(owner_url)
    print(f"stored events {stored}, refusal audit entries {audited}")
    print(f"peak RSS per web worker (MB): {', '.join(f'{v:.0f}' for v in rss.values())}")

    worker_url = harness.worker_database("bct_bench_webhooks")
    worker_env = harness.base_env(worker_url) | stripe_env | {"BCT_PROCESS": "worker"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    workers = [
        subprocess.Popen([*harness.BCT, "worker", "--batch"], env=worker_env, cwd=harness.ROOT)  # noqa: S603
        for _ in range(args.process_workers)
    ]
    if any(worker.wait(timeout=600) != 0 for worker in workers):
        raise SystemExit("bct worker --batch failed")
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    _, after, _ = counts(owner_url)
    done = after - processed
    print(
        f"process: {args.process_workers} x bct worker --batch ran {done} events in {wall:.2f}s"
        f" = {done / wall:.0f}/s"
    )
    print(f"  worker CPU {1000 * cpu / max(done, 1):.2f} ms per event (start-up included)")


if __name__ == "__main__":
    main()
