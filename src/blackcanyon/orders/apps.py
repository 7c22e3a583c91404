from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "blackcanyon.orders"
    label = "orders"
    verbose_name = "Orders"
