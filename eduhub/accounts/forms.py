"""Account forms (Flask-WTF, so each carries a CSRF token); rules shared with services.py."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from eduhub.accounts import services
from eduhub.catalog.vocabulary import LANGUAGE_NAMES

# Each language named in itself, and marked so, for screen readers.
LANGUAGE_CHOICES = [
    SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()
]


class Form(FlaskForm):
    """A form that knows whether it has errors, including those a view added after
    validation (WTForms caches ``form.errors``)."""

    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(field.errors for field in self)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _strip_lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _new_password(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Enter a password."),
            Length(
                min=services.PASSWORD_MIN_LENGTH,
                max=services.PASSWORD_MAX_LENGTH,
                message=f"Use at least {services.PASSWORD_MIN_LENGTH} characters.",
            ),
        ],
    )


def _confirmation(field: str) -> PasswordField:
    return PasswordField(
        "Repeat the password",
        validators=[
            InputRequired("Repeat the password."),
            EqualTo(field, message="The two passwords are not the same."),
        ],
    )


def _display_name() -> StringField:
    return StringField(
        "Display name",
        filters=[_strip],
        validators=[
            InputRequired("Enter the name others should see."),
            Length(max=services.DISPLAY_NAME_MAX_LENGTH, message="Use at most 100 characters."),
        ],
    )


def _language() -> SelectField:
    return SelectField("Preferred language", choices=LANGUAGE_CHOICES, default="en")


def _email() -> EmailField:
    return EmailField(
        "Email address",
        filters=[_strip],
        validators=[
            InputRequired("Enter your email address."),
            Length(max=services.EMAIL_MAX_LENGTH, message="That address is too long."),
            Regexp(services.EMAIL_PATTERN, message="Enter an email address like name@example.org."),
        ],
    )


class SignupForm(Form):
    username = StringField(
        "Username",
        filters=[_strip_lower],
        validators=[
            InputRequired("Choose a username."),
            Regexp(
                services.USERNAME_PATTERN,
                message="Use 3 to 40 characters: lowercase letters, digits, and _ . or -.",
            ),
        ],
    )
    email = _email()
    display_name = _display_name()
    password = _new_password("Password")
    confirm = _confirmation("password")
    preferred_language = _language()


class LoginForm(Form):
    username = StringField(
        "Username or email", filters=[_strip], validators=[InputRequired("Enter your username.")]
    )
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ProfileForm(Form):
    display_name = _display_name()
    preferred_language = _language()
    show_name_publicly = BooleanField("Show my name on the public pages of courses I complete")


class PasswordChangeForm(Form):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password.")]
    )
    new_password = _new_password("New password")
    confirm = _confirmation("new_password")


class ResetRequestForm(Form):
    email = _email()


class ResetPasswordForm(Form):
    password = _new_password("New password")
    confirm = _confirmation("password")


class DeleteAccountForm(Form):
    KEEP_ANONYMISED = "anonymise"
    DELETE_EVERYTHING = "delete"

    records = RadioField(
        "What should happen to your learning records?",
        choices=[
            SelectChoice(
                KEEP_ANONYMISED,
                "Keep my learning records anonymised: they stay in the hub's statistics "
                "but are no longer linked to me.",
            ),
            SelectChoice(DELETE_EVERYTHING, "Delete everything, including my learning records."),
        ],
        validators=[InputRequired("Choose what happens to your learning records.")],
        validate_choice=True,
    )
    confirm_username = StringField(
        "Type your username to confirm",
        filters=[_strip],
        validators=[InputRequired("Type your username.")],
    )
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
