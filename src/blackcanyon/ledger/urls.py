"""The organizer's money pages under /o/<organizer_slug>/balance/ (namespace ``ledger``)."""

from django.urls import path

from blackcanyon.ledger import views, views_staff

app_name = "ledger"
BALANCE = "o/<slug:organizer_slug>/balance/"
STAFF = "staff/reconciliation/"

urlpatterns = [
    path(BALANCE, views.balance, name="balance"),
    path(BALANCE + "payouts/", views.payout_list, name="payouts"),
    path(BALANCE + "entries/", views.entry_list, name="entries"),
    # Platform staff only (views_staff): the ledger's reconciliation with Stripe.
    path(STAFF, views_staff.run_list, name="staff_runs"),
    path(STAFF + "<int:run_id>/", views_staff.run_detail, name="staff_run"),
    path(
        STAFF + "<int:run_id>/differences/<int:difference_id>/",
        views_staff.difference_detail,
        name="staff_difference",
    ),
    path(STAFF + "run/", views_staff.run_now, name="staff_run_now"),
]
