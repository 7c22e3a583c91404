"""Forms parse and check input shape only; rules live in the services (their ``DomainError`` is
shown with ``core.forms.add_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from blackcanyon.accounts.models import normalize_email

PASSWORD_HELP = "At least 10 characters. Avoid common passwords and numbers only."  # noqa: S105


def _password_field(label: str, *, autocomplete: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class _Form(forms.Form):
    """Labels without a trailing colon (house style)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class _NewPasswordMixin(_Form):
    """Two new-password fields that must match (strength is checked by the service)."""

    new_password1 = _password_field(
        "New password", autocomplete="new-password", help_text=PASSWORD_HELP
    )
    new_password2 = _password_field("Repeat the new password", autocomplete="new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords do not match.")
        return data


class LoginForm(AuthenticationForm):
    """Django's login form (django-axes watches its ``username`` field), labelled "Email"."""

    username = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": (
            "That email and password do not match an account. Check them, or reset your password."
        ),
        "inactive": "This account is not active.",
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)

    def clean_username(self) -> str:
        # One lockout counter per account, whatever the capitalisation typed.
        return normalize_email(self.cleaned_data.get("username") or "")


class SignupForm(_Form):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = _password_field("Password", autocomplete="new-password", help_text=PASSWORD_HELP)
    password2 = _password_field("Repeat the password", autocomplete="new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        return data


class ProfileForm(_Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )


class PasswordChangeForm(_NewPasswordMixin):
    current_password = _password_field("Current password", autocomplete="current-password")
    field_order = ["current_password", "new_password1", "new_password2"]


class SetPasswordForm(_NewPasswordMixin):
    pass


class EmailChangeForm(_Form):
    new_email = forms.EmailField(
        label="New email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    current_password = _password_field("Current password", autocomplete="current-password")


class PasswordResetRequestForm(_Form):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
