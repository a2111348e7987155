"""Account pages: sign up, sign in and out, profile, password change and reset, export, deletion."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from eduhub import errors
from eduhub.accounts import forms, services
from eduhub.accounts.models import User
from eduhub.config import absolute_url
from eduhub.extensions import db, limiter

bp = Blueprint("accounts", __name__)

#: Failed sign-ins per client address; successful ones (a redirect) are not counted.
SIGN_IN_LIMIT = "5 per minute; 20 per hour"
#: Reset requests per client address, counted whatever the outcome.
RESET_LIMIT = "3 per minute; 10 per hour"
SIGN_UP_LIMIT = "10 per hour"

TOO_MANY_SIGN_INS = (
    "Too many attempts from your connection. Wait a minute, then try again; "
    "if you forgot your password, you can reset it."
)
TOO_MANY_RESETS = "Too many reset requests from your connection. Wait a few minutes."


def _failed(response: Response) -> bool:
    """A POST that did not end in a redirect did not succeed."""
    return not 300 <= response.status_code < 400


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\evil.example" as "//evil.example"; control characters get stripped.
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _me() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def _add_error(form: forms.Form, error: services.InvalidAccountData) -> None:
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors.append(str(error))


def _reset_link(token: str) -> str:
    # BASE_URL, not the request's Host header: a forged Host must not end up in the email.
    return absolute_url("accounts.reset_password", token=token)


# --------------------------------------------------------------------------- sign up, in, out


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGN_UP_LIMIT, methods=["POST"])
def signup() -> ResponseReturnValue:
    # A class join link (or any page) that sent a visitor here takes them back after sign-up.
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("accounts.profile"))
    form = forms.SignupForm()
    if form.validate_on_submit():
        try:
            user = services.sign_up(
                db.session,
                username=form.username.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                preferred_language=form.preferred_language.data or "en",
            )
        except services.AccountTakenMeanwhile as exc:
            # The failed INSERT spoiled the transaction; a 409 makes the edge roll it back.
            _add_error(form, exc)
            return render_template("accounts/signup.html", form=form, next_url=next_url), 409
        except services.InvalidAccountData as exc:
            _add_error(form, exc)
        else:
            login_user(user)
            flash(f"Welcome to EduHub, {user.display_name}. Your account is ready.", "success")
            return redirect(next_url or url_for("accounts.profile"))
    return render_template("accounts/signup.html", form=form, next_url=next_url)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    SIGN_IN_LIMIT, methods=["POST"], deduct_when=_failed, error_message=TOO_MANY_SIGN_INS
)
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("catalog.home"))
    form = forms.LoginForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(db.session, form.username.data or "", form.password.data or "")
        except services.InvalidCredentials as exc:
            form.form_errors.append(str(exc))
        else:
            login_user(user, remember=bool(form.remember.data))
            flash(f"Welcome back, {user.display_name}. You are signed in.", "success")
            return redirect(next_url or url_for("catalog.home"))
    return render_template("accounts/login.html", form=form, next_url=next_url)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("catalog.home"))


# --------------------------------------------------------------------------- profile, password


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = _me()
    form = forms.ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                db.session,
                user,
                display_name=form.display_name.data or "",
                preferred_language=form.preferred_language.data or "en",
                show_name_publicly=bool(form.show_name_publicly.data),
            )
        except services.InvalidAccountData as exc:
            _add_error(form, exc)
        else:
            flash("Your profile has been saved.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(
    SIGN_IN_LIMIT, methods=["POST"], deduct_when=_failed, error_message=TOO_MANY_SIGN_INS
)
@login_required
def change_password() -> ResponseReturnValue:
    user = _me()
    form = forms.PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                user,
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
            )
        except services.WrongPassword as exc:
            form.current_password.errors.append(str(exc))
        except services.InvalidAccountData as exc:
            form.new_password.errors.append(str(exc))
        else:
            # The session token rotated, which signed out every session including this one;
            # sign this one back in, keeping "remember me" if it was on.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remembered in request.cookies)
            flash(
                "Your password has been changed. Your other devices have been signed out.",
                "success",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


# --------------------------------------------------------------------------- password reset


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"], error_message=TOO_MANY_RESETS)
def reset_request() -> ResponseReturnValue:
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(
            db.session,
            form.email.data or "",
            secret_key=current_app.config["SECRET_KEY"],
            link_for=_reset_link,
        )
        # The same page whether or not the address has an account.
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    secret_key = current_app.config["SECRET_KEY"]
    form = forms.ResetPasswordForm()
    try:
        if form.validate_on_submit():
            try:
                services.reset_password(
                    db.session, token, form.password.data or "", secret_key=secret_key
                )
            except services.InvalidAccountData as exc:
                form.password.errors.append(str(exc))
            else:
                logout_user()
                flash("Your password has been changed. Sign in with your new password.", "success")
                return redirect(url_for("accounts.login"))
        else:
            services.user_for_reset_token(db.session, token, secret_key)
    except services.InvalidResetToken as exc:
        return render_template("accounts/reset_invalid.html", message=str(exc)), 400
    return render_template("accounts/reset_password.html", form=form, token=token)


# --------------------------------------------------------------------------- export, deletion


@bp.get("/account/export.json")
@login_required
def export() -> ResponseReturnValue:
    user = _me()
    body = json.dumps(services.export_user_data(db.session, user), indent=2, ensure_ascii=False)
    response = Response(body + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="eduhub-{user.username}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@limiter.limit(
    SIGN_IN_LIMIT, methods=["POST"], deduct_when=_failed, error_message=TOO_MANY_SIGN_INS
)
@login_required
def delete_account() -> ResponseReturnValue:
    user = _me()
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(
                db.session,
                user,
                password=form.password.data or "",
                confirm_username=form.confirm_username.data or "",
                anonymise=form.records.data == forms.DeleteAccountForm.KEEP_ANONYMISED,
            )
        except services.ConfirmationMismatch as exc:
            form.confirm_username.errors.append(str(exc))
        except services.WrongPassword as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            return redirect(url_for("accounts.deleted"))
    return render_template("accounts/delete.html", form=form, user=user)


@bp.get("/account/deleted")
def deleted() -> ResponseReturnValue:
    return render_template("accounts/deleted.html")


# --------------------------------------------------------------------------- errors


def csrf_error(error: CSRFError) -> ResponseReturnValue:
    """A friendlier 400 for a missing or stale CSRF token (JSON under /api/, like every error)."""
    friendly = CSRFError(
        description="This form could not be accepted: it was open too long or came from "
        "another site. Go back, reload the page and try again."
    )
    return errors.handle_http_error(friendly)
