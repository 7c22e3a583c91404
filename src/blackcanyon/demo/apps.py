from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (`bct seed-demo`). Sits on top of every app; nothing imports it."""

    name = "blackcanyon.demo"
    label = "demo"
    verbose_name = "Demo data"
