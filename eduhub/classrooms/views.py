"""Class pages: teachers' classes, rosters and assignments; learners joining and leaving.

Views are thin: they parse the form, call one service and render or redirect. A class that is
not yours answers 404 (see permissions.py); the request edge commits.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug import Response
from wtforms import SelectChoice

from eduhub.accounts.models import User
from eduhub.accounts.permissions import Permission, permission_required
from eduhub.classrooms import forms, services
from eduhub.classrooms.models import (
    AnswerReveal,
    Assignment,
    Classroom,
    MemberRole,
    Scope,
    ScoreRule,
)
from eduhub.config import absolute_url
from eduhub.extensions import db, limiter

bp = Blueprint("classrooms", __name__)

#: Wrong or disabled join codes, per user and address: enough for typos, not for guessing.
JOIN_LIMIT = "10 per minute; 50 per hour"
TOO_MANY_JOINS = "Too many wrong class codes. Wait a minute, then check the code with your teacher."

#: Larger ids than a database integer can hold are no class at all (not a 500).
_MAX_ID = 2**31 - 1


def _me() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def _join_key() -> str:
    who = current_user.get_id() if current_user.is_authenticated else "anonymous"
    return f"{who}@{get_remote_address()}"


def _failed(response: Response) -> bool:
    """Only refusals count against the join limit, never a join or a page view."""
    return response.status_code >= 400


def _not_found(message: str = "No class with that number is yours.") -> Any:
    abort(404, description=message)


def _class_for(class_id: int) -> tuple[Classroom, MemberRole]:
    if class_id > _MAX_ID:
        _not_found()
    try:
        return services.get_classroom(db.session, _me().id, class_id)
    except services.NotFound as exc:
        _not_found(str(exc))
        raise


def _taught(class_id: int) -> Classroom:
    classroom, role = _class_for(class_id)
    if role is not MemberRole.TEACHER:
        _not_found()
    return classroom


def _assignment(classroom: Classroom, assignment_id: int) -> Assignment:
    if assignment_id > _MAX_ID:
        _not_found("No assignment with that number in this class.")
    try:
        return services.get_assignment(db.session, classroom, assignment_id)
    except services.NotFound as exc:
        _not_found(str(exc))
        raise


def _refused(exc: services.ClassroomError, back: str) -> ResponseReturnValue:
    """A change the service refused (an archived class, say): say why, on the page it came from."""
    flash(str(exc), "notice")
    return redirect(back)


def _join_url(classroom: Classroom) -> str:
    return absolute_url("classrooms.join_link", code=classroom.join_code)


@bp.app_template_global()
def assigned_to_me() -> list[services.ClassAssignments]:
    """The signed-in learner's assignments by class, for the home page and the dashboard."""
    if not current_user.is_authenticated:
        return []
    return services.assigned_to(db.session, _me().id)


@bp.app_template_global()
def may_teach() -> bool:
    return current_user.is_authenticated and services.may_teach(_me())


# --------------------------------------------------------------------------- classes


@bp.get("/classes")
@login_required
def index() -> ResponseReturnValue:
    user = _me()
    classes = services.my_classes(db.session, user.id)
    return render_template(
        "classrooms/index.html",
        teaching=[c for c in classes if c.role is MemberRole.TEACHER],
        learning=[c for c in classes if c.role is MemberRole.LEARNER],
        archived=services.my_classes(db.session, user.id, archived=True),
        can_create=services.may_teach(user),
        form=forms.JoinForm(),
    )


@bp.route("/classes/new", methods=["GET", "POST"])
@permission_required(Permission.CLASSROOM_MANAGE)
def new() -> ResponseReturnValue:
    form = forms.ClassroomForm()
    form.organization_id.choices = [SelectChoice(None, "None")] + [
        SelectChoice(org.id, org.name) for org in services.organizations(db.session)
    ]
    if request.method == "GET" and _me().organization_id:
        form.organization_id.data = _me().organization_id
    if form.validate_on_submit():
        try:
            classroom = services.create_classroom(
                db.session,
                _me(),
                name=form.name.data or "",
                group_label=form.group_label.data,
                organization_id=form.organization_id.data,
            )
        except services.InvalidData as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            flash(
                f"Your class {classroom.name} is ready. Give your learners the code "
                f"{classroom.join_code} or the join link.",
                "success",
            )
            return redirect(url_for("classrooms.show", class_id=classroom.id))
    return render_template("classrooms/new.html", form=form)


@bp.get("/classes/<int:class_id>")
@login_required
def show(class_id: int) -> ResponseReturnValue:
    classroom, role = _class_for(class_id)
    if role is MemberRole.LEARNER:
        groups = services.assigned_to(db.session, _me().id, classroom_id=classroom.id)
        return render_template(
            "classrooms/learner.html",
            classroom=classroom,
            items=groups[0].items if groups else [],
            teachers=services.members(db.session, classroom.id, MemberRole.TEACHER).items,
        )
    page = request.args.get("page", 1, type=int)
    return render_template(
        "classrooms/show.html",
        classroom=classroom,
        roster=services.members(
            db.session,
            classroom.id,
            MemberRole.LEARNER,
            page=max(1, min(page, 10**6)),
            per_page=services.ROSTER_PAGE_SIZE,
        ),
        teachers=services.members(db.session, classroom.id, MemberRole.TEACHER).items,
        assignments=services.class_assignments(db.session, classroom),
        join_url=_join_url(classroom),
        confirm=forms.ConfirmForm(),
        co_teacher=forms.CoTeacherForm(),
        me=_me(),
    )


@bp.post("/classes/<int:class_id>/code")
@login_required
def regenerate_code(class_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    back = url_for("classrooms.show", class_id=class_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, description="This form could not be accepted; reload the page.")
    try:
        code = services.regenerate_code(db.session, classroom)
    except services.ClassroomError as exc:
        return _refused(exc, back)
    flash(f"The new code is {code}. The old code and link no longer work.", "success")
    return redirect(back)


@bp.post("/classes/<int:class_id>/joining")
@login_required
def joining(class_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    back = url_for("classrooms.show", class_id=class_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400, description="This form could not be accepted; reload the page.")
    enabled = request.form.get("enabled") == "on"
    try:
        services.set_joining(db.session, classroom, enabled)
    except services.ClassroomError as exc:
        return _refused(exc, back)
    flash(
        "Learners can join with the code again." if enabled else "The code is turned off.",
        "success",
    )
    return redirect(back)


@bp.route("/classes/<int:class_id>/learners/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_learner(class_id: int, user_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    back = url_for("classrooms.show", class_id=class_id)
    if user_id > _MAX_ID:
        _not_found("That learner is not in this class.")
    try:
        member = services.learner_in(db.session, classroom, user_id)
    except services.NotFound as exc:
        _not_found(str(exc))
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.remove_learner(db.session, classroom, user_id)
        except services.ClassroomError as exc:
            return _refused(exc, back)
        flash(f"{user.display_name} is no longer in {classroom.name}.", "success")
        return redirect(back)
    return render_template(
        "classrooms/confirm.html",
        title=f"Remove {member.user.display_name} from {classroom.name}?",
        body=(
            "They will no longer see this class or its assignments. Their own progress and "
            "quiz attempts stay theirs. They can join again with the class code."
        ),
        action=url_for("classrooms.remove_learner", class_id=class_id, user_id=user_id),
        button="Remove from the class",
        back=back,
        form=form,
    )


@bp.post("/classes/<int:class_id>/teachers")
@login_required
def add_teacher(class_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    back = url_for("classrooms.show", class_id=class_id)
    form = forms.CoTeacherForm()
    if form.validate_on_submit():
        try:
            user = services.add_co_teacher(db.session, classroom, form.who.data or "")
        except services.ClassroomError as exc:
            return _refused(exc, back + "#teachers")
        flash(f"{user.display_name} now teaches {classroom.name} too.", "success")
        return redirect(back + "#teachers")
    for message in [*form.form_errors, *form.who.errors]:
        flash(str(message), "notice")
    if form.csrf_token.errors:
        abort(400, description="This form could not be accepted; reload the page.")
    return redirect(back + "#teachers")


@bp.route("/classes/<int:class_id>/archive", methods=["GET", "POST"])
@login_required
def archive(class_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    back = url_for("classrooms.show", class_id=class_id)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            services.archive(db.session, classroom)
        except services.ClassroomError as exc:
            return _refused(exc, back)
        flash(f"{classroom.name} is archived. It stays readable under Archived classes.", "success")
        return redirect(url_for("classrooms.index"))
    return render_template(
        "classrooms/confirm.html",
        title=f"Archive {classroom.name}?",
        body=(
            "Nobody can join it any more and its assignments disappear from learners' lists. "
            "The roster and the assignments stay readable for you. An archived class cannot be "
            "reopened."
        ),
        action=url_for("classrooms.archive", class_id=class_id),
        button="Archive the class",
        back=back,
        form=form,
    )


@bp.route("/classes/<int:class_id>/leave", methods=["GET", "POST"])
@login_required
def leave(class_id: int) -> ResponseReturnValue:
    classroom, role = _class_for(class_id)
    back = url_for("classrooms.show", class_id=class_id)
    if role is not MemberRole.LEARNER:
        flash("Teachers cannot leave their class; archive it instead.", "notice")
        return redirect(back)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        services.leave(db.session, _me().id, class_id)
        flash(f"You left {classroom.name}. Your progress is still yours.", "success")
        return redirect(url_for("classrooms.index"))
    return render_template(
        "classrooms/confirm.html",
        title=f"Leave {classroom.name}?",
        body=(
            "You will no longer see its assignments, and your teacher will no longer see your "
            "progress on them. Your progress stays yours. You can join again with the class code."
        ),
        action=url_for("classrooms.leave", class_id=class_id),
        button="Leave the class",
        back=back,
        form=form,
    )


# --------------------------------------------------------------------------- joining


def _joined(joined: services.Joined) -> ResponseReturnValue:
    if joined.new:
        flash(f"You joined {joined.classroom.name}.", "success")
    else:
        flash(f"You are already in {joined.classroom.name}.", "success")
    return redirect(url_for("classrooms.show", class_id=joined.classroom.id))


@bp.route("/classes/join", methods=["GET", "POST"])
@limiter.limit(
    JOIN_LIMIT,
    methods=["POST"],
    key_func=_join_key,
    deduct_when=_failed,
    error_message=TOO_MANY_JOINS,
)
@login_required
def join() -> ResponseReturnValue:
    form = forms.JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:32]
    if form.validate_on_submit():
        try:
            joined = services.join(db.session, _me(), form.code.data or "")
        except services.JoinRefused as exc:
            form.code.errors.append(str(exc))
            return render_template("classrooms/join.html", form=form), 422
        return _joined(joined)
    status = 422 if form.has_errors() else 200
    return render_template("classrooms/join.html", form=form), status


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(
    JOIN_LIMIT,
    key_func=_join_key,
    deduct_when=_failed,
    error_message=TOO_MANY_JOINS,
)
@login_required
def join_link(code: str) -> ResponseReturnValue:
    """The link a teacher shares: it names the class and asks before joining (a link
    followed by accident, or forged on another site, joins nobody)."""
    form = forms.ConfirmForm()
    try:
        classroom = services.classroom_for_code(db.session, code)
    except services.JoinRefused as exc:
        return render_template("classrooms/join_refused.html", message=str(exc)), 404
    if form.validate_on_submit():
        return _joined(services.join(db.session, _me(), code))
    teachers = services.members(db.session, classroom.id, MemberRole.TEACHER).items
    return render_template(
        "classrooms/join_link.html", classroom=classroom, teachers=teachers, form=form, code=code
    )


# --------------------------------------------------------------------------- assignments


def _details(form: forms.AssignmentDetailsForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "due_at": forms.due_at(form.due_date.data),
        "instructions": form.instructions.data or "",
        "learner_ids": (
            None if form.audience.data == forms.WHOLE_CLASS else list(form.learners.data or [])
        ),
        "attempts_counted": form.attempts_counted.data,
        "score_rule": ScoreRule(form.score_rule.data),
        "answer_reveal": AnswerReveal(form.answer_reveal.data),
    }


def _learner_choices(form: forms.AssignmentDetailsForm, classroom: Classroom) -> None:
    learners = services.members(db.session, classroom.id, MemberRole.LEARNER).items
    form.learners.choices = [SelectChoice(m.user_id, m.user.display_name) for m in learners]


def _show_error(form: forms.Form, exc: services.ClassroomError) -> None:
    field = getattr(form, exc.field or "", None)
    if field is None:
        form.form_errors.append(str(exc))
    else:
        field.errors.append(str(exc))


@bp.route("/classes/<int:class_id>/assignments/new", methods=["GET", "POST"])
@login_required
def assign(class_id: int) -> ResponseReturnValue:
    """Two steps, no script needed: pick a course (a GET form), then its modules or lessons."""
    classroom = _taught(class_id)
    course_key = (request.values.get("course") or "")[:200]
    if not course_key:
        return render_template(
            "classrooms/assign_course.html",
            classroom=classroom,
            courses=services.assignable_courses(db.session),
        )
    try:
        course = services.course_by_key(db.session, course_key)
    except services.InvalidData:
        return render_template(
            "classrooms/assign_course.html",
            classroom=classroom,
            courses=services.assignable_courses(db.session),
            error="Choose a course from the list.",
        ), 422
    form = forms.AssignmentForm()
    form.modules.choices = [SelectChoice(m.id, m.title) for m in course.modules if m.lessons]
    form.lessons.choices = [
        SelectChoice(le.uid, le.title) for m in course.modules for le in m.lessons
    ]
    _learner_choices(form, classroom)
    if form.validate_on_submit():
        spec = services.AssignmentSpec(
            scope=Scope(form.scope.data),
            course_key=course.uid,
            module_ids=list(form.modules.data or []),
            lesson_uids=list(form.lessons.data or []),
            **_details(form),
        )
        try:
            assignment = services.assign(db.session, classroom, _me().id, spec)
        except services.ClassroomError as exc:
            _show_error(form, exc)
        else:
            flash(f"Assigned: {assignment.title}.", "success")
            return redirect(url_for("classrooms.show", class_id=class_id, _anchor="assignments"))
    status = 422 if form.has_errors() else 200
    return render_template(
        "classrooms/assign.html", classroom=classroom, course=course, form=form
    ), status


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_assignment(class_id: int, assignment_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    assignment = _assignment(classroom, assignment_id)
    if assignment.withdrawn_at is not None:
        flash("This assignment was withdrawn; it cannot be changed.", "notice")
        return redirect(url_for("classrooms.show", class_id=class_id, _anchor="assignments"))
    form = forms.AssignmentDetailsForm()
    _learner_choices(form, classroom)
    if request.method == "GET":
        form.title.data = assignment.title
        form.due_date.data = assignment.due_at.date() if assignment.due_at else None
        form.instructions.data = assignment.instructions or ""
        form.audience.data = forms.WHOLE_CLASS if assignment.whole_class else forms.SOME_LEARNERS
        form.learners.data = [r.user_id for r in assignment.recipients]
        form.attempts_counted.data = assignment.attempts_counted
        form.score_rule.data = assignment.score_rule
        form.answer_reveal.data = assignment.answer_reveal
    if form.validate_on_submit():
        spec = services.AssignmentSpec(
            scope=Scope(assignment.scope), course_key=assignment.course_key or "", **_details(form)
        )
        try:
            services.update_assignment(db.session, assignment, spec)
        except services.ClassroomError as exc:
            _show_error(form, exc)
        else:
            flash(f"Saved: {assignment.title}.", "success")
            return redirect(url_for("classrooms.show", class_id=class_id, _anchor="assignments"))
    status = 422 if form.has_errors() else 200
    return render_template(
        "classrooms/assignment_edit.html", classroom=classroom, assignment=assignment, form=form
    ), status


@bp.route(
    "/classes/<int:class_id>/assignments/<int:assignment_id>/withdraw", methods=["GET", "POST"]
)
@login_required
def withdraw(class_id: int, assignment_id: int) -> ResponseReturnValue:
    classroom = _taught(class_id)
    assignment = _assignment(classroom, assignment_id)
    back = url_for("classrooms.show", class_id=class_id, _anchor="assignments")
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            services.withdraw(db.session, assignment)
        except services.ClassroomError as exc:
            return _refused(exc, back)
        flash(f"Withdrawn: {assignment.title}. It stays in the class's history.", "success")
        return redirect(back)
    return render_template(
        "classrooms/confirm.html",
        title=f"Withdraw {assignment.title}?",
        body=(
            "Learners will no longer see it in their assignments. Their progress and quiz "
            "attempts stay; the assignment stays in this class's history, marked withdrawn."
        ),
        action=url_for("classrooms.withdraw", class_id=class_id, assignment_id=assignment_id),
        button="Withdraw the assignment",
        back=back,
        form=form,
    )
