"""Organizer check-in pages of an event, included at the site root (namespace ``checkin``)."""

from django.urls import URLPattern, path

from blackcanyon.checkin import views

app_name = "checkin"

CHECKIN = "o/<slug:organizer_slug>/events/<int:event_id>/checkin/"

urlpatterns: list[URLPattern] = [
    path(CHECKIN, views.home, name="home"),
    path(CHECKIN + "lists/new/", views.list_new, name="list_new"),
    path(CHECKIN + "lists/<int:list_id>/edit/", views.list_edit, name="list_edit"),
    path(CHECKIN + "lists/<int:list_id>/delete/", views.list_delete, name="list_delete"),
    path(CHECKIN + "devices/new/", views.device_create, name="device_create"),
    path(CHECKIN + "devices/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path(CHECKIN + "scans/", views.scan_log, name="scan_log"),
    path(CHECKIN + "scans/<int:scan_id>/undo/", views.scan_undo, name="scan_undo"),
]
