from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "blackcanyon.accounts"
    label = "accounts"
    verbose_name = "Accounts"
