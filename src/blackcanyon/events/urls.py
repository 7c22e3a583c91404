"""The home page and the organizer's event pages (included at the site root). The public event
page with its reservation form is the shop's: ``orders:event_page`` (orders/urls_shop.py)."""

from django.urls import path

from blackcanyon.events import views

app_name = "events"

ORG = "o/<slug:organizer_slug>/events/"
EVENT = ORG + "<int:event_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path(ORG, views.organizer_event_list, name="organizer_event_list"),
    path(ORG + "new/", views.organizer_event_new, name="organizer_event_new"),
    path(EVENT, views.organizer_event_detail, name="organizer_event_detail"),
    path(EVENT + "edit/", views.organizer_event_edit, name="organizer_event_edit"),
    path(EVENT + "duplicate/", views.organizer_event_duplicate, name="organizer_event_duplicate"),
    path(EVENT + "publish/", views.organizer_event_publish, name="organizer_event_publish"),
    path(EVENT + "cancel/", views.organizer_event_cancel, name="organizer_event_cancel"),
    path(
        EVENT + "ticket-types/new/",
        views.organizer_ticket_type_new,
        name="organizer_ticket_type_new",
    ),
    path(
        EVENT + "ticket-types/<int:tt_id>/edit/",
        views.organizer_ticket_type_edit,
        name="organizer_ticket_type_edit",
    ),
    path(
        EVENT + "ticket-types/<int:tt_id>/delete/",
        views.organizer_ticket_type_delete,
        name="organizer_ticket_type_delete",
    ),
]
