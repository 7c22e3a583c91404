"""Organizer check-in pages, included at the site root (namespace ``checkin``)."""

from django.urls import URLPattern

app_name = "checkin"
urlpatterns: list[URLPattern] = []
