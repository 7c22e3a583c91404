"""Payment pages (namespace ``payments``). Stripe's return and webhook URLs join them later."""

from django.urls import path

from blackcanyon.payments import views

app_name = "payments"
urlpatterns = [
    path(
        "pay/test/<slug:organizer_slug>/<str:code>/<str:token>/",
        views.test_payment,
        name="test_payment",
    ),
]
