"""Thin views: parse the form, call one service, show its result or its error next to the fields."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from blackcanyon.accounts import forms, selectors, services
from blackcanyon.accounts.errors import EmailAlreadyVerified, LinkInvalid
from blackcanyon.accounts.models import User
from blackcanyon.core import ratelimit
from blackcanyon.core.errors import DomainError, RateLimited
from blackcanyon.core.forms import add_domain_error

_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_RESET_SESSION_KEY = "_bct_password_reset_token"
# Emails per hour we send on request: per account/address, and per client address.
PER_ACCOUNT_LIMIT = 5
PER_IP_LIMIT = 20


def _limit(request: HttpRequest, *, scope: str, account: str) -> None:
    """Raise ``RateLimited`` when this account or this client asked too often this hour."""
    ratelimit.hit(scope=scope, identity=account, limit=PER_ACCOUNT_LIMIT)
    ratelimit.hit(scope=f"{scope}_ip", identity=ratelimit.client_ip(request), limit=PER_IP_LIMIT)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else ""


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required ran first
    return request.user


def _link_problem(request: HttpRequest, error: DomainError, *, kind: str) -> HttpResponse:
    return render(
        request, "accounts/link_invalid.html", {"error": error, "kind": kind}, status=error.status
    )


# --- log in / out, sign up -------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login view: safe ``next`` handling; django-axes locks out repeated failures."""

    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect(next_url or settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:settings")
    form = forms.SignupForm(request.POST or None)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"password": "password1"})
        else:
            login(request, user, backend=_MODEL_BACKEND)
            if next_url:
                # E.g. back to the invitation that brought them here.
                messages.info(request, f"We sent a link to {user.email} to confirm your address.")
                return redirect(next_url)
            return redirect("accounts:verify_sent")
    status = 200 if request.method == "GET" or form.is_valid() else 422
    context = {"form": form, "next": next_url}
    return render(request, "accounts/signup.html", context, status=status)


# --- email verification ----------------------------------------------------------------------


@login_required
def verify_sent(request: HttpRequest) -> HttpResponse:
    """ "Check your email" after signup or a resend."""
    if _user(request).is_verified:
        return redirect("accounts:settings")
    return render(
        request,
        "accounts/verify_sent.html",
        {"expires_in": services.duration_text(settings.BCT_EMAIL_VERIFICATION_TTL)},
    )


@login_required
def verify_required(request: HttpRequest) -> HttpResponse:
    """Where ``verified_email_required`` sends users who have not verified yet."""
    next_url = _safe_next(request)
    if _user(request).is_verified:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "accounts/verify_required.html", {"next": next_url})


@login_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        _limit(request, scope="verify_resend", account=str(user.pk))
        services.user_send_verification_email(actor=user, user=user)
    except EmailAlreadyVerified as exc:
        messages.info(request, exc.message)
        return redirect("accounts:settings")
    except RateLimited as exc:
        return render(request, "accounts/verify_required.html", {"error": exc}, status=exc.status)
    messages.success(request, f"We sent a new verification link to {user.email}.")
    return redirect("accounts:verify_sent")


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.user_verify_email(token=token)
    except LinkInvalid as exc:
        return _link_problem(request, exc, kind="verify")
    messages.success(request, "Thank you — your email address is verified.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.user.is_authenticated:
        return redirect("accounts:settings")
    return redirect("accounts:login")


# --- password reset --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            _limit(request, scope="password_reset", account=email)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        services.password_reset_request(email=email)
        # The same answer whether or not the address has an account.
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/password_reset_sent.html",
        {"expires_in": services.duration_text(settings.PASSWORD_RESET_TIMEOUT)},
    )


@never_cache
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Move the token from the URL into the session (it never reaches a Referer header or a
    page), like Django's own reset view, then show the new-password form."""
    user = selectors.user_from_uidb64(uidb64)
    if not services.password_reset_link_valid(user=user, token=token):
        return _link_problem(request, LinkInvalid(services.RESET_LINK_BAD), kind="reset")
    request.session[_RESET_SESSION_KEY] = token
    return redirect("accounts:password_reset_set", uidb64=uidb64)


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_set(request: HttpRequest, uidb64: str) -> HttpResponse:
    user = selectors.user_from_uidb64(uidb64)
    token = str(request.session.get(_RESET_SESSION_KEY, ""))
    if not services.password_reset_link_valid(user=user, token=token):
        return _link_problem(request, LinkInvalid(services.RESET_LINK_BAD), kind="reset")
    form = forms.SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_reset_password(
                user=user, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"new_password": "new_password1"})
        else:
            request.session.pop(_RESET_SESSION_KEY, None)
            messages.success(request, "Your new password is set. Log in with it now.")
            return redirect("accounts:login")
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/password_reset_set.html", {"form": form}, status=status)


# --- settings --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.ProfileForm(request.POST or None, initial={"full_name": user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(actor=user, full_name=form.cleaned_data["full_name"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Your name is saved.")
            return redirect("accounts:settings")
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/settings.html", {"form": form}, status=status)


@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # The current-password check must not become a guessing oracle for a stolen session.
            _limit(request, scope="password_change", account=str(user.pk))
            services.user_change_password(
                actor=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"new_password": "new_password1"})
            return render(
                request, "accounts/password_change.html", {"form": form}, status=exc.status
            )
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is changed.")
        return redirect("accounts:settings")
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@sensitive_post_parameters("current_password")
@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        try:
            _limit(request, scope="email_change", account=str(user.pk))
            services.user_request_email_change(
                actor=user,
                current_password=form.cleaned_data["current_password"],
                new_email=new_email,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "accounts/email_change.html", {"form": form}, status=exc.status)
        messages.success(
            request,
            f"We sent a confirmation link to {new_email}. Your email changes once you follow it.",
        )
        return redirect("accounts:settings")
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/email_change.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners prefetch links); POST makes the change."""
    context: dict[str, Any] = {"token": token}
    if request.method == "POST":
        try:
            services.user_confirm_email_change(token=token)
        except DomainError as exc:
            return _link_problem(request, exc, kind="email_change")
        messages.success(request, "Your email address is changed.")
        target = "accounts:settings" if request.user.is_authenticated else "accounts:login"
        return redirect(reverse(target))
    try:
        context["new_email"] = services.email_change_link_target(token=token)
    except DomainError as exc:
        return _link_problem(request, exc, kind="email_change")
    return render(request, "accounts/email_change_confirm.html", context)
