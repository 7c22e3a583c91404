from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "blackcanyon.ledger"
    label = "ledger"
    verbose_name = "Ledger"
