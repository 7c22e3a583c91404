"""Read-only admin for platform staff. Orders, tickets, codes and payments change only through the
services (which hold seats, write audit entries and email buyers); the admin must not become a
side door around them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from blackcanyon.events.admin import ReadOnlyAdmin
from blackcanyon.orders.models import (
    DiscountCode,
    DiscountCodeTicketType,
    Order,
    OrderLine,
    PaymentAttempt,
    Ticket,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("ticket_type", "quantity", "unit_price", "unit_discount")
    readonly_fields = fields


class TicketInline(ReadOnlyInline):
    model = Ticket
    fields = ("id", "ticket_type", "attendee_name", "status")
    readonly_fields = fields


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = ("created_at", "provider", "result", "amount", "currency", "reference", "message")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "event",
        "organizer",
        "status",
        "channel",
        "buyer_email",
        "total",
        "currency",
        "created_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("code", "buyer_email", "buyer_name", "event__title", "organizer__slug")
    list_select_related = ("event", "organizer")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, TicketInline, PaymentAttemptInline)


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "event", "ticket_type", "attendee_name", "status")
    list_filter = ("status",)
    search_fields = ("order__code", "attendee_name")
    list_select_related = ("order", "event", "ticket_type")


class DiscountCodeTicketTypeInline(ReadOnlyInline):
    model = DiscountCodeTicketType
    fields = ("ticket_type",)
    readonly_fields = fields


@admin.register(DiscountCode)
class DiscountCodeAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "event",
        "kind",
        "value",
        "redeemed",
        "max_redemptions",
        "valid_from",
        "valid_until",
        "active",
    )
    list_filter = ("kind", "active")
    search_fields = ("code", "event__title")
    list_select_related = ("event",)
    inlines = (DiscountCodeTicketTypeInline,)


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = ("order", "provider", "result", "amount", "currency", "reference", "created_at")
    list_filter = ("provider", "result")
    search_fields = ("order__code", "reference")
    list_select_related = ("order",)
