"""Event signing keys: created once per event, the private half encrypted at rest."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.test import override_settings

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event
from blackcanyon.tickets import keys
from blackcanyon.tickets.models import EventKey
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

MESSAGE = b"admit one"
NEW_SECRET = "a-new-secret-key-" + "x" * 40


def _key_of(event: Event) -> EventKey:
    with tenancy.scoped(organizer_id=event.organizer_id):
        return keys.event_key(event)


def _raw_private(key: EventKey) -> bytes:
    return keys.private_key(key).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _rows(event: Event) -> int:
    with tenancy.scoped(organizer_id=event.organizer_id):
        return EventKey.objects.filter(event=event).count()


def test_each_event_gets_its_own_key_once():
    first, second = EventFactory(), EventFactory()

    key = _key_of(first)

    assert _key_of(first).pk == key.pk
    assert _key_of(second).public_key != key.public_key
    assert _rows(first) == 1


def test_the_private_key_is_stored_encrypted_not_raw():
    event = EventFactory()

    key = _key_of(event)
    raw = _raw_private(key)

    stored = key.private_key_encrypted
    assert len(raw) == 32
    assert raw not in stored.encode()
    assert keys.b64(raw) not in stored
    assert raw.hex() not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token


def test_the_public_key_matches_the_private_key():
    event = EventFactory()
    key = _key_of(event)

    signature = keys.private_key(key).sign(MESSAGE)

    keys.public_key(key).verify(signature, MESSAGE)  # raises if they do not belong together
    assert len(keys.unb64(key.public_key)) == 32


def test_the_key_still_decrypts_after_secret_key_rotation_with_a_fallback(settings):
    event = EventFactory()
    old_secret = settings.SECRET_KEY
    key = _key_of(event)
    raw = _raw_private(key)

    with override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[old_secret]):
        assert _raw_private(key) == raw


def test_without_the_old_secret_the_key_cannot_be_decrypted_and_says_why():
    event = EventFactory()
    key = _key_of(event)

    with (
        override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(RuntimeError, match="SECRET_KEY_FALLBACKS"),
    ):
        keys.private_key(key)


def test_keys_created_after_rotation_use_the_new_secret(settings):
    old_secret = settings.SECRET_KEY
    with override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[old_secret]):
        key = _key_of(EventFactory())
    with override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[]):
        assert len(_raw_private(key)) == 32


def test_a_key_created_by_a_racing_request_is_used_not_duplicated(monkeypatch):
    # Given another request inserts the event's key between our lookup and our insert
    event = EventFactory()
    winner: list[EventKey] = []

    class RacingKeyPair:
        @staticmethod
        def generate() -> Ed25519PrivateKey:
            with tenancy.scoped(organizer_id=event.organizer_id):
                winner.append(
                    EventKey.objects.create(
                        organizer_id=event.organizer_id,
                        event_id=event.pk,
                        public_key="winner",
                        private_key_encrypted="winner",
                    )
                )
            return Ed25519PrivateKey.generate()

    monkeypatch.setattr(keys, "Ed25519PrivateKey", RacingKeyPair)

    # When we create the key
    key = _key_of(event)

    # Then we get the row the other request created, and there is still only one
    assert key.pk == winner[0].pk
    assert key.public_key == "winner"
    assert _rows(event) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_first_uses_agree_on_one_key():
    event = EventFactory()
    barrier = threading.Barrier(6)
    found: list[str] = []
    failures: list[BaseException] = []

    def use() -> None:
        try:
            barrier.wait()
            found.append(_key_of(event).public_key)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert len(found) == 6
    assert len(set(found)) == 1
    assert _rows(event) == 1
