"""The buyer's pages (namespace ``orders``): the event page with its reservation form, checkout
and the order page. Checkout and order links carry a signed token (``orders.access``)."""

from django.urls import path

from blackcanyon.orders.views import shop

LINK = "<slug:organizer_slug>/<str:code>/<str:token>/"

urlpatterns = [
    path("e/<slug:organizer_slug>/<slug:event_slug>/", shop.event_page, name="event_page"),
    path("checkout/" + LINK, shop.checkout, name="checkout"),
    path("checkout/" + LINK + "again/", shop.reserve_again, name="reserve_again"),
    path("orders/" + LINK, shop.order_page, name="order_page"),
]
