"""Event signing keys: created on first use, private half encrypted at rest.

The private key is encrypted with a Fernet key derived (HKDF-SHA256) from ``SECRET_KEY``;
rotating ``SECRET_KEY`` therefore needs the old value in ``SECRET_KEY_FALLBACKS`` (tried in
order). Only the public key is ever sent to a client.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction

from blackcanyon.events.models import Event
from blackcanyon.tickets.models import EventKey

_INFO = b"blackcanyon ticket signing keys v1"


def _fernet_for(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(s) for s in secrets])


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def event_key(event: Event) -> EventKey:
    """The event's key row, created (once, race-safe) on first use. Call in the event's
    organizer context."""
    found = EventKey.objects.filter(event_id=event.pk).first()
    if found is not None:
        return found
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    row = EventKey(
        organizer_id=event.organizer_id,
        event_id=event.pk,
        public_key=b64(raw_public),
        private_key_encrypted=_fernet().encrypt(raw_private).decode("ascii"),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return EventKey.objects.get(event_id=event.pk)
    return row


def private_key(key: EventKey) -> Ed25519PrivateKey:
    try:
        raw = _fernet().decrypt(key.private_key_encrypted.encode("ascii"))
    except InvalidToken as exc:  # SECRET_KEY changed without a fallback
        raise RuntimeError(
            "cannot decrypt the event's signing key: keep the old SECRET_KEY in "
            "SECRET_KEY_FALLBACKS"
        ) from exc
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key(key: EventKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(key.public_key))
