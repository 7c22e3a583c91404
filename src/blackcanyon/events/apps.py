from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "blackcanyon.events"
    label = "events"
    verbose_name = "Events"
