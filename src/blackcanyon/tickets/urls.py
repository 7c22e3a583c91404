"""Ticket downloads (PDF, calendar file), included at the site root (namespace ``tickets``).

They sit under the buyer's order page link and carry the same signed token (``orders.access``).
"""

from django.urls import path

from blackcanyon.tickets import views

app_name = "tickets"

LINK = "orders/<slug:organizer_slug>/<str:code>/<str:token>/"

urlpatterns = [
    path(LINK + "tickets.pdf", views.order_pdf, name="order_pdf"),
    path(LINK + "calendar.ics", views.order_ics, name="order_ics"),
]
