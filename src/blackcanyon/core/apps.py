from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_privileges(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # Deployment plumbing, not domain logic: after every migrate, the app/system roles get data
    # access (never DDL) to whatever tables exist now. Idempotent.
    from django.db import connections

    from blackcanyon.core.rls import grant_app_privileges

    grant_app_privileges(connections[using])


class CoreConfig(AppConfig):
    name = "blackcanyon.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        post_migrate.connect(_grant_privileges, sender=self, dispatch_uid="bct_grant_privileges")
