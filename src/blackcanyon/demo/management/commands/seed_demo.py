from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from blackcanyon.demo import seed as demo


class Command(BaseCommand):
    help = "Create the demo organizer with a few events and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Do nothing (but print logins) if already seeded."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.BCT_ENV == "production":
            raise CommandError("seed-demo creates known passwords: it never runs in production.")
        existed = demo.demo_exists()
        if existed and not options["once"]:
            self.stdout.write("Demo data already exists.")
        organizer = demo.seed_demo()
        if not existed:
            self.stdout.write(self.style.SUCCESS(f"Created demo organizer {organizer.name!r}."))
        self.stdout.write(f"\nOpen {settings.PUBLIC_APP_URL}/ — demo logins:")
        for login in demo.LOGINS:
            self.stdout.write(f"  {login.email:<34} {login.password:<20} {login.what}")
        self.stdout.write(f"Discount code to try at checkout: {demo.DEMO_CODE} (10 % off)")
