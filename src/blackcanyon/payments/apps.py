from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "blackcanyon.payments"
    label = "payments"
    verbose_name = "Payments"
