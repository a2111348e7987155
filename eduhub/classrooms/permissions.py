"""Object-level checks for classes: who teaches a class, who learns in it.

Services call these before touching a class; views map a False to 404 (a class that is not
yours does not exist for you) rather than 403, so class ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from eduhub.classrooms.models import ClassroomMember, MemberRole


def member_role(session: Session, user_id: int, classroom_id: int) -> MemberRole | None:
    """The user's role in the class, or None when they are not in it."""
    role = session.scalar(
        select(ClassroomMember.role).where(
            ClassroomMember.classroom_id == classroom_id, ClassroomMember.user_id == user_id
        )
    )
    return MemberRole(role) if role is not None else None


def teaches(session: Session, user_id: int, classroom_id: int) -> bool:
    return member_role(session, user_id, classroom_id) is MemberRole.TEACHER


def learns_in(session: Session, user_id: int, classroom_id: int) -> bool:
    return member_role(session, user_id, classroom_id) is MemberRole.LEARNER
