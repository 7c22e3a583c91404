"""The organizer's order and discount-code pages under /o/<organizer_slug>/ (namespace orders)."""

from django.urls import path

from blackcanyon.orders.views import organizer as views

ORG = "o/<slug:organizer_slug>/"
ORDER = ORG + "orders/<str:code>/"
CODES = ORG + "events/<int:event_id>/codes/"

urlpatterns = [
    path(ORG + "orders/", views.order_list, name="organizer_order_list"),
    path(
        ORG + "events/<int:event_id>/orders/",
        views.event_order_list,
        name="organizer_event_order_list",
    ),
    path(ORDER, views.order_detail, name="organizer_order_detail"),
    path(ORDER + "cancel/", views.order_cancel, name="organizer_order_cancel"),
    path(ORDER + "mark-paid/", views.order_mark_paid, name="organizer_order_mark_paid"),
    path(ORDER + "resend/", views.order_resend, name="organizer_order_resend"),
    path(
        ORDER + "tickets/<int:ticket_id>/reissue/",
        views.ticket_reissue,
        name="organizer_ticket_reissue",
    ),
    path(CODES, views.code_list, name="organizer_code_list"),
    path(CODES + "new/", views.code_new, name="organizer_code_new"),
    path(CODES + "<int:code_id>/edit/", views.code_edit, name="organizer_code_edit"),
    path(
        CODES + "<int:code_id>/deactivate/",
        views.code_deactivate,
        name="organizer_code_deactivate",
    ),
    path(
        CODES + "<int:code_id>/reactivate/",
        views.code_reactivate,
        name="organizer_code_reactivate",
    ),
]
