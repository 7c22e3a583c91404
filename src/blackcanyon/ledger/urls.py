"""The organizer's money pages under /o/<organizer_slug>/balance/ (namespace ``ledger``)."""

from django.urls import path

from blackcanyon.ledger import views

app_name = "ledger"
BALANCE = "o/<slug:organizer_slug>/balance/"

urlpatterns = [
    path(BALANCE, views.balance, name="balance"),
    path(BALANCE + "payouts/", views.payout_list, name="payouts"),
    path(BALANCE + "entries/", views.entry_list, name="entries"),
]
