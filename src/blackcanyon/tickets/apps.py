from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "blackcanyon.tickets"
    label = "tickets"
    verbose_name = "Tickets and check-in"
