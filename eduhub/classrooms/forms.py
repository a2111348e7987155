"""Class forms (Flask-WTF, so each carries a CSRF token); limits shared with services.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eduhub.accounts.forms import Form
from eduhub.classrooms import services
from eduhub.classrooms.models import AnswerReveal, Scope, ScoreRule


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes: usable without JavaScript, unlike a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ClassroomForm(Form):
    name = StringField(
        "Class name",
        filters=[_strip],
        validators=[
            InputRequired("Give the class a name."),
            Length(max=services.NAME_MAX_LENGTH, message="Use at most 200 characters."),
        ],
    )
    group_label = StringField(
        "Grade or group",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=services.GROUP_MAX_LENGTH, message="Use at most 100 characters."),
        ],
    )
    organization_id = SelectField("Organization", coerce=_int_or_none, validate_choice=True)


class JoinForm(Form):
    code = StringField(
        "Class code",
        filters=[_strip],
        validators=[
            InputRequired("Enter the code your teacher gave you."),
            Length(max=32, message="Class codes have 8 letters and digits."),
        ],
    )


class CoTeacherForm(Form):
    who = StringField(
        "Username or email of the teacher",
        filters=[_strip],
        validators=[
            InputRequired("Enter the username or email of the teacher to add."),
            Length(max=320, message="That is too long for a username or email."),
        ],
    )


class ConfirmForm(Form):
    """A button that changes something: only the CSRF token."""


#: A due date is the end of that day, UTC: "due Friday" means Friday still counts.
END_OF_DAY = time(23, 59, 59)


def due_at(day: date | None) -> datetime | None:
    return datetime.combine(day, END_OF_DAY, tzinfo=UTC) if day else None


WHOLE_CLASS = "class"
SOME_LEARNERS = "some"


class AssignmentDetailsForm(Form):
    """What an assignment asks, for whom and by when; shared by "assign" and "edit"."""

    title = StringField(
        "Title",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=services.TITLE_MAX_LENGTH, message="Use at most 300 characters."),
        ],
    )
    due_date = DateField("Due date", validators=[Optional()])
    instructions = TextAreaField(
        "Instructions",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=services.INSTRUCTIONS_MAX_LENGTH, message="Use at most 5000 characters."),
        ],
    )
    audience = RadioField(
        "Who is it for?",
        choices=[
            SelectChoice(WHOLE_CLASS, "The whole class"),
            SelectChoice(SOME_LEARNERS, "Only the learners I tick"),
        ],
        default=WHOLE_CLASS,
        validators=[InputRequired("Choose who the assignment is for.")],
    )
    learners = MultiCheckboxField("Learners", coerce=int, validate_choice=True)
    attempts_counted = IntegerField(
        "Quiz attempts that count",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=services.MAX_ATTEMPTS_COUNTED,
                message="Count between 1 and 100 attempts, or leave it empty for all.",
            ),
        ],
    )
    score_rule = RadioField(
        "Which attempt counts",
        choices=[
            SelectChoice(ScoreRule.BEST.value, "The best of the attempts that count"),
            SelectChoice(ScoreRule.LAST.value, "The last of the attempts that count"),
        ],
        default=ScoreRule.BEST.value,
        validators=[InputRequired("Choose which attempt counts.")],
    )
    answer_reveal = RadioField(
        "When the right answers are shown",
        choices=[
            SelectChoice(AnswerReveal.AFTER_SUBMISSION.value, "After each submission"),
            SelectChoice(AnswerReveal.AFTER_DUE.value, "After the due date"),
            SelectChoice(AnswerReveal.NEVER.value, "Never"),
        ],
        default=AnswerReveal.AFTER_SUBMISSION.value,
        validators=[InputRequired("Choose when the answers are shown.")],
    )

    def validate_learners(self, field: MultiCheckboxField) -> None:
        if self.audience.data == SOME_LEARNERS and not field.data:
            raise ValidationError("Tick at least one learner, or choose the whole class.")


class AssignmentForm(AssignmentDetailsForm):
    """Step two of assigning: the course is chosen; now its modules or lessons."""

    scope = RadioField(
        "What to assign",
        choices=[
            SelectChoice(Scope.COURSE.value, "The whole course"),
            SelectChoice(Scope.MODULES.value, "The modules I tick"),
            SelectChoice(Scope.LESSONS.value, "The lessons I tick"),
        ],
        default=Scope.COURSE.value,
        validators=[InputRequired("Choose what to assign.")],
    )
    modules = MultiCheckboxField("Modules", coerce=int, validate_choice=True)
    lessons = MultiCheckboxField("Lessons", validate_choice=True)

    def validate_modules(self, field: MultiCheckboxField) -> None:
        if self.scope.data == Scope.MODULES.value and not field.data:
            raise ValidationError("Tick at least one module.")

    def validate_lessons(self, field: MultiCheckboxField) -> None:
        if self.scope.data == Scope.LESSONS.value and not field.data:
            raise ValidationError("Tick at least one lesson.")
