from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from blackcanyon.organizers.models import Membership, Role
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    # Uploaded images land in a throw-away directory, never in var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db: None) -> Membership:
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def owner_client(client: Client, owner: Membership) -> Client:
    client.force_login(owner.user)
    return client
