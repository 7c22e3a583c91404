"""DESIGN rule 9: every personal field of our models is declared in its app's privacy.py."""

from __future__ import annotations

from django.apps import apps

from blackcanyon.accounts.models import User
from blackcanyon.core import privacy
from blackcanyon.organizers.models import Invitation, Organizer


def test_every_personal_looking_field_is_declared():
    # When the registry compares the models with what the apps declare
    missing = privacy.undeclared_personal_fields()

    # Then nothing personal is left without a handler
    assert missing == [], f"declare these in the app's privacy.py: {missing}"


def test_declarations_name_real_fields():
    # Given what every app declares
    declared = {**privacy.declared_personal_fields()}
    for model, fields in privacy.declared_not_personal().items():
        declared.setdefault(model, {}).update(fields)

    # Then each entry names an existing model and field (no stale declarations)
    for label, fields in declared.items():
        model = apps.get_model(label)
        names = {field.name for field in model._meta.get_fields()}
        assert set(fields) <= names, f"{label}: {set(fields) - names}"


def test_emails_names_and_account_references_count_as_personal():
    assert privacy.looks_personal(User._meta.get_field("email"))
    assert privacy.looks_personal(User._meta.get_field("full_name"))
    assert privacy.looks_personal(Invitation._meta.get_field("invited_by"))
    assert not privacy.looks_personal(Organizer._meta.get_field("name"))
