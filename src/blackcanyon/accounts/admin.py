"""Django admin for users (platform staff): email is the login; erasure goes through the service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from blackcanyon.accounts import privacy
from blackcanyon.accounts.models import User, normalize_email
from blackcanyon.core import audit
from blackcanyon.core.errors import DomainError


class _NormalizedEmailMixin:
    cleaned_data: dict[str, Any]

    def clean_email(self) -> str:
        # Emails are the login and stored lower-cased (see accounts.models.normalize_email).
        return normalize_email(self.cleaned_data.get("email") or "")


class UserCreationAdminForm(_NormalizedEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(_NormalizedEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "full_name", "email_verified_at", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined", "email_verified_at")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name", "email_verified_at")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    actions = ["erase_personal_data"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Staff edits are audited like every other change (field names only, never values).
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="accounts.user.admin_changed" if change else "accounts.user.admin_created",
                obj=obj,
                data={"fields": sorted(f for f in form.changed_data if "password" not in f)},
            )

    @admin.action(description="Erase personal data (pseudonymise) of the selected users")
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101 - admin requires a signed-in staff user
        erased = 0
        for user in queryset:
            try:
                privacy.erase_user(actor=actor, user=user)
            except DomainError as exc:
                self.message_user(request, f"{user.pk}: {exc.message}", messages.ERROR)
            else:
                erased += 1
        self.message_user(request, f"Erased {erased} account(s).", messages.SUCCESS)
