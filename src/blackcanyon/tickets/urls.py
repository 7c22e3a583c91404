"""Ticket downloads (PDF, calendar file), included at the site root (namespace ``tickets``)."""

from django.urls import URLPattern

app_name = "tickets"
urlpatterns: list[URLPattern] = []
