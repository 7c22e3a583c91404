"""Payment pages (namespace ``payments``): the test provider's page and the organizer's Payments
settings (Stripe Connect onboarding). Stripe's webhook URL joins them later."""

from django.urls import path

from blackcanyon.payments import views, views_connect

CONNECT = "o/<slug:organizer_slug>/settings/payments/"

app_name = "payments"
urlpatterns = [
    path(
        "pay/test/<slug:organizer_slug>/<str:code>/<str:token>/",
        views.test_payment,
        name="test_payment",
    ),
    path(CONNECT, views_connect.connect_page, name="connect"),
    path(CONNECT + "connect/", views_connect.connect_start, name="connect_start"),
    path(CONNECT + "return/", views_connect.connect_return, name="connect_return"),
    path(CONNECT + "refresh/", views_connect.connect_refresh, name="connect_refresh"),
]
