"""Every refusal a buyer (or the box-office API) can meet, each with a stable code."""

from __future__ import annotations

from blackcanyon.core.errors import Conflict, DomainError, NotFound, ValidationFailed


class SoldOut(Conflict):
    code = "sold_out"
    default_message = "Sorry, these tickets are sold out."


class NotEnoughLeft(Conflict):
    code = "not_enough_left"
    default_message = "There are fewer tickets left than you asked for."

    def __init__(self, message: str | None = None, *, available: int = 0) -> None:
        super().__init__(message)
        self.available = available


class SalesNotOpen(Conflict):
    code = "sales_not_open"
    default_message = "Sales for these tickets have not started yet."


class SalesClosed(Conflict):
    code = "sales_closed"
    default_message = "Sales for these tickets have ended."


class EventCancelled(Conflict):
    code = "event_cancelled"
    default_message = "This event has been cancelled."


class EventNotOnSale(NotFound):
    code = "event_not_on_sale"
    default_message = "This event is not on sale."


class EmptyOrder(ValidationFailed):
    code = "empty_order"
    default_message = "Choose at least one ticket."


class OrderLimit(ValidationFailed):
    code = "order_limit"
    default_message = "That quantity is not allowed for this ticket type."


class UnknownTicketType(ValidationFailed):
    code = "unknown_ticket_type"
    default_message = "That ticket type is not sold for this event."


class InvalidCode(ValidationFailed):
    code = "invalid_code"
    default_message = "This code is not valid for this event."


class CodeUsedUp(Conflict):
    code = "code_used_up"
    default_message = "This code has been used up."


class CodeNotValidNow(Conflict):
    code = "code_not_valid_now"
    default_message = "This code is not valid at this time."


class ReservationExpired(DomainError):
    code = "reservation_expired"
    status = 410
    default_message = "Your reservation has expired and the tickets were released."


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = "Order not found."


class OrderStateConflict(Conflict):
    code = "order_state_conflict"
    default_message = "This order cannot do that in its current state."


class TermsNotAccepted(ValidationFailed):
    code = "terms_not_accepted"
    default_message = "Please accept the terms of sale and the privacy policy."


class PaymentDeclined(DomainError):
    code = "payment_declined"
    status = 402
    default_message = "The payment was declined. You can try again."


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used for a different request."


# --- Organizer side: discount and access codes --------------------------------------------------


class DiscountCodeInvalid(ValidationFailed):
    """One or more fields of a discount/access code are invalid; ``fields`` names them."""

    code = "discount_code_invalid"
    default_message = "Some details of the code need attention."


class DiscountCodeTaken(Conflict):
    code = "discount_code_taken"
    default_message = "This code already exists for this event."


class DiscountCodeNotFound(NotFound):
    code = "discount_code_not_found"
    default_message = "Code not found."
