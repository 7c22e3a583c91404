import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_migrated_and_reachable():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM events_event")
        assert cursor.fetchone()[0] == 0
