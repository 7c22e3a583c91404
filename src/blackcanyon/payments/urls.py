"""Payment pages (namespace ``payments``): the test provider's page, Stripe Checkout's return
and cancel pages, Stripe's webhook, and the organizer's Payments settings (Connect onboarding)."""

from django.urls import path

from blackcanyon.payments import views, views_connect, views_refunds, views_stripe, webhooks_views

CONNECT = "o/<slug:organizer_slug>/settings/payments/"
ORDER_REFUND = "o/<slug:organizer_slug>/orders/<str:code>/refund/"
STRIPE_ORDER = "pay/stripe/<slug:organizer_slug>/<str:code>/<str:token>/"

app_name = "payments"
urlpatterns = [
    path(
        "pay/test/<slug:organizer_slug>/<str:code>/<str:token>/",
        views.test_payment,
        name="test_payment",
    ),
    path(STRIPE_ORDER + "return/", views_stripe.stripe_return, name="stripe_return"),
    path(STRIPE_ORDER + "cancel/", views_stripe.stripe_cancel, name="stripe_cancel"),
    path("webhooks/stripe/", webhooks_views.stripe_webhook, name="stripe_webhook"),
    path(ORDER_REFUND, views_refunds.order_refund, name="order_refund"),
    path(
        ORDER_REFUND + "<int:refund_id>/retry/",
        views_refunds.refund_retry,
        name="refund_retry",
    ),
    path(CONNECT, views_connect.connect_page, name="connect"),
    path(CONNECT + "connect/", views_connect.connect_start, name="connect_start"),
    path(CONNECT + "return/", views_connect.connect_return, name="connect_return"),
    path(CONNECT + "refresh/", views_connect.connect_refresh, name="connect_refresh"),
    path(CONNECT + "dashboard/", views_connect.connect_dashboard, name="connect_dashboard"),
]
