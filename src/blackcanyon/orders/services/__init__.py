"""Order writes. Import from here: ``from blackcanyon.orders import services``."""

from blackcanyon.orders.services.box_office import order_create_box_office
from blackcanyon.orders.services.checkout import (
    order_confirm_payment,
    order_pay_free,
    order_submit_details,
    payment_record_declined,
)
from blackcanyon.orders.services.discounts import (
    discount_code_create,
    discount_code_deactivate,
    discount_code_reactivate,
    discount_code_update,
)
from blackcanyon.orders.services.lifecycle import (
    order_cancel,
    order_expire,
    order_mark_paid_offline,
    order_resend_confirmation,
    reservations_release_expired,
)
from blackcanyon.orders.services.reservations import order_rereserve, reservation_create

__all__ = [
    "discount_code_create",
    "discount_code_deactivate",
    "discount_code_reactivate",
    "discount_code_update",
    "order_cancel",
    "order_confirm_payment",
    "order_create_box_office",
    "order_expire",
    "order_mark_paid_offline",
    "order_pay_free",
    "order_rereserve",
    "order_resend_confirmation",
    "order_submit_details",
    "payment_record_declined",
    "reservation_create",
    "reservations_release_expired",
]
