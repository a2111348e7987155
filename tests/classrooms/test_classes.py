"""Classes: teachers create them, learners join by code or link, teachers run the roster."""

from __future__ import annotations

import re

from sqlalchemy import select

from eduhub.classrooms import services
from eduhub.classrooms.models import Classroom, ClassroomMember, MemberRole
from eduhub.classrooms.permissions import learns_in, member_role, teaches
from tests.classrooms.people import classroom, csrf, enrol, learner, post, signed_in, teacher


def roles(db, room: Classroom) -> dict[str, str]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    rows = db.session.scalars(
        select(ClassroomMember).where(ClassroomMember.classroom_id == room.id)
    )
    return {row.user.username: row.role for row in rows}


# --------------------------------------------------------------------------- creating


def test_a_teacher_creates_a_class_and_gets_a_code_and_a_link(app, db) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, teacher(db))
    response = post(
        client,
        "/classes/new",
        {"name": "  Mathematics,   Tuesday ", "group_label": "7B", "organization_id": "None"},
        form_page="/classes/new",
    )
    assert response.status_code == 302
    room = db.session.scalars(select(Classroom)).one()
    assert (room.name, room.group_label) == ("Mathematics, Tuesday", "7B")
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{8}", room.join_code)
    page = client.get(response.location).get_data(as_text=True)
    assert room.join_code in page
    assert f"http://127.0.0.1:8000/join/{room.join_code}" in page
    assert roles(db, room) == {"tess": "teacher"}
    listing = client.get("/classes").get_data(as_text=True)
    assert "Mathematics, Tuesday" in listing
    assert "0 learners" in listing


def test_a_class_needs_a_name_and_a_known_organization(app, db) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, teacher(db))
    blank = post(client, "/classes/new", {"name": "  ", "organization_id": "None"}, "/classes/new")
    assert blank.status_code == 200
    assert "Give the class a name." in blank.get_data(as_text=True)
    odd = post(client, "/classes/new", {"name": "A", "organization_id": "999"}, "/classes/new")
    assert odd.status_code == 200
    assert "Not a valid choice" in odd.get_data(as_text=True)
    assert db.session.scalars(select(Classroom)).first() is None


def test_only_teachers_and_admins_create_classes(app, db) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(app, learner(db)).get("/classes/new").status_code == 403
    assert signed_in(app, teacher(db, "root", role="admin")).get("/classes/new").status_code == 200
    response = app.test_client().get("/classes/new")
    assert response.status_code == 302
    assert "/login" in response.location
    page = signed_in(app, learner(db, "bo")).get("/classes").get_data(as_text=True)
    assert "Create a class" not in page
    assert "You are not in a class yet" in page


# --------------------------------------------------------------------------- joining


def test_a_learner_joins_with_the_code_and_joining_twice_is_harmless(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    ada = learner(db)
    client = signed_in(app, ada)
    typed = room.join_code.lower()[:4] + " - " + room.join_code.lower()[4:]
    first = post(client, "/classes/join", {"code": typed})
    assert first.status_code == 302
    assert first.location == f"/classes/{room.id}"
    again = post(client, "/classes/join", {"code": room.join_code})
    assert again.status_code == 302
    assert "You are already in 7B Science" in client.get(again.location).get_data(as_text=True)
    assert roles(db, room) == {"tess": "teacher", "ada": "learner"}
    assert learns_in(db.session, ada.id, room.id)


def test_a_wrong_or_disabled_code_gets_a_clear_message(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    room = classroom(db, tess)
    client = signed_in(app, learner(db))
    wrong = post(client, "/classes/join", {"code": "ZZZZZZZZ"})
    assert wrong.status_code == 422
    assert "No class has that code" in wrong.get_data(as_text=True)
    services.set_joining(db.session, room, False)
    db.session.commit()
    off = post(client, "/classes/join", {"code": room.join_code})
    assert off.status_code == 422
    assert "not taking new members" in off.get_data(as_text=True)
    link = client.get(f"/join/{room.join_code}")
    assert link.status_code == 404
    assert "not taking new members" in link.get_data(as_text=True)
    assert roles(db, room) == {"tess": "teacher"}


def test_wrong_codes_are_rate_limited_per_user_and_address(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    client = signed_in(app, learner(db))
    token = csrf(client)
    statuses = [
        client.post("/classes/join", data={"csrf_token": token, "code": f"WRONG{n:03}"}).status_code
        for n in range(11)
    ]
    assert statuses == [422] * 10 + [429]
    # Another learner on the same address is not locked out by the first one's typos.
    other = signed_in(app, learner(db, "bo"))
    assert post(other, "/classes/join", {"code": room.join_code}).status_code == 302


def test_probing_join_links_is_rate_limited_too(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    client = signed_in(app, learner(db))
    statuses = [client.get(f"/join/WRONG{n:03}").status_code for n in range(11)]
    assert statuses == [404] * 10 + [429]
    assert "Too many wrong class codes" in client.get(f"/join/{room.join_code}").get_data(
        as_text=True
    )


def test_successful_joins_do_not_count_against_the_limit(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    client = signed_in(app, learner(db))
    token = csrf(client)
    for _ in range(12):
        response = client.post("/classes/join", data={"csrf_token": token, "code": room.join_code})
        assert response.status_code == 302


def test_the_join_link_survives_signing_in(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    learner(db)
    client = app.test_client()
    link = f"/join/{room.join_code}"
    first = client.get(link)
    assert first.status_code == 302
    assert first.location == f"/login?next=%2Fjoin%2F{room.join_code}"
    token = csrf(client, first.location)
    signed = client.post(
        first.location,
        data={"csrf_token": token, "username": "ada", "password": "correct horse battery"},
    )
    assert signed.status_code == 302
    assert signed.location == link
    page = client.get(link).get_data(as_text=True)
    assert "Join 7B Science" in page
    assert "Tess" in page
    assert roles(db, room) == {"tess": "teacher"}  # opening the link joins nobody
    joined = post(client, link, form_page=link)
    assert joined.status_code == 302
    assert joined.location == f"/classes/{room.id}"
    assert roles(db, room)["ada"] == "learner"


def test_the_join_link_survives_signing_up(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    client = app.test_client()
    login_page = client.get(client.get(f"/join/{room.join_code}").location).get_data(as_text=True)
    signup_url = re.search(r'href="(/signup\?next=[^"]+)"', login_page).group(1)  # type: ignore[union-attr]
    assert signup_url == f"/signup?next=/join/{room.join_code}"
    token = csrf(client, signup_url)
    created = client.post(
        signup_url,
        data={
            "csrf_token": token,
            "username": "newbie",
            "email": "newbie@example.org",
            "display_name": "Newbie",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "preferred_language": "en",
        },
    )
    assert created.status_code == 302
    assert created.location == f"/join/{room.join_code}"
    assert post(client, created.location, form_page=created.location).status_code == 302
    assert roles(db, room)["newbie"] == "learner"


def test_sign_up_ignores_a_next_that_leaves_the_site(app, db) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        url = "/signup?next=" + target
        created = client.post(
            url,
            data={
                "csrf_token": csrf(client, url),
                "username": f"u{abs(hash(target)) % 10**6}",
                "email": f"u{abs(hash(target)) % 10**6}@example.org",
                "display_name": "U",
                "password": "a long enough password",
                "confirm": "a long enough password",
                "preferred_language": "en",
            },
        )
        assert created.status_code == 302
        assert created.location == "/account", target
        client.post("/logout", data={"csrf_token": csrf(client, "/account")})


def test_a_new_code_replaces_the_old_one(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    old = room.join_code
    client = signed_in(app, room.members[0].user)
    response = post(client, f"/classes/{room.id}/code", form_page=f"/classes/{room.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert room.join_code != old
    with_old = post(signed_in(app, learner(db)), "/classes/join", {"code": old})
    assert with_old.status_code == 422


def test_the_teacher_turns_the_code_off_and_on(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    client = signed_in(app, room.members[0].user)
    url = f"/classes/{room.id}/joining"
    post(client, url, {"enabled": "off"}, form_page=f"/classes/{room.id}")
    db.session.expire_all()
    assert room.join_enabled is False
    assert "The code is turned off" in client.get(f"/classes/{room.id}").get_data(as_text=True)
    post(client, url, {"enabled": "on"}, form_page=f"/classes/{room.id}")
    db.session.expire_all()
    assert room.join_enabled is True


# --------------------------------------------------------------------------- the roster


def test_removing_a_learner_asks_first(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    room = classroom(db, tess)
    ada = learner(db)
    enrol(db, room, ada)
    client = signed_in(app, tess)
    url = f"/classes/{room.id}/learners/{ada.id}/remove"
    page = client.get(url)
    assert page.status_code == 200
    assert "Remove Ada from 7B Science?" in page.get_data(as_text=True)
    assert roles(db, room)["ada"] == "learner"
    assert post(client, url, form_page=url).status_code == 302
    assert "ada" not in roles(db, room)
    assert client.get(url).status_code == 404  # no longer in the class


def test_a_co_teacher_is_added_by_username_or_email(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    room = classroom(db, tess)
    teacher(db, "tom")
    teacher(db, "uma")
    ada = learner(db)
    client = signed_in(app, tess)
    show = f"/classes/{room.id}"
    assert post(client, f"{show}/teachers", {"who": "TOM"}, show).status_code == 302
    assert post(client, f"{show}/teachers", {"who": "uma@example.org"}, show).status_code == 302
    refused = post(client, f"{show}/teachers", {"who": "ada"}, show)
    assert "Ada is not a teacher" in client.get(refused.location).get_data(as_text=True)
    unknown = post(client, f"{show}/teachers", {"who": "nobody"}, show)
    assert "No account has that username" in client.get(unknown.location).get_data(as_text=True)
    assert roles(db, room) == {"tess": "teacher", "tom": "teacher", "uma": "teacher"}
    assert not learns_in(db.session, ada.id, room.id)


def test_archiving_asks_first_then_closes_the_class(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    room = classroom(db, tess)
    client = signed_in(app, tess)
    url = f"/classes/{room.id}/archive"
    assert "Archive 7B Science?" in client.get(url).get_data(as_text=True)
    assert post(client, url, form_page=url).status_code == 302
    db.session.expire_all()
    assert room.archived_at is not None
    assert room.join_enabled is False
    listing = client.get("/classes").get_data(as_text=True)
    assert "Archived classes" in listing
    assert (
        post(signed_in(app, learner(db)), "/classes/join", {"code": room.join_code}).status_code
        == 422
    )
    # Nothing in an archived class changes any more.
    with_code = post(client, f"/classes/{room.id}/code", form_page=f"/classes/{room.id}")
    assert "archived" in client.get(with_code.location).get_data(as_text=True)


def test_a_learner_is_in_several_classes_and_leaves_one(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    one, two = classroom(db, tess, "One"), classroom(db, tess, "Two")
    ada = learner(db)
    enrol(db, one, ada)
    enrol(db, two, ada)
    client = signed_in(app, ada)
    listing = client.get("/classes").get_data(as_text=True)
    assert "One" in listing
    assert "Two" in listing
    url = f"/classes/{one.id}/leave"
    assert "Leave One?" in client.get(url).get_data(as_text=True)
    assert member_role(db.session, ada.id, one.id) is MemberRole.LEARNER
    assert post(client, url, form_page=url).status_code == 302
    assert member_role(db.session, ada.id, one.id) is None
    assert learns_in(db.session, ada.id, two.id)


def test_a_teacher_cannot_leave_their_class(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    room = classroom(db, tess)
    client = signed_in(app, tess)
    assert client.get(f"/classes/{room.id}/leave").status_code == 302
    assert teaches(db.session, tess.id, room.id)


def test_the_roster_pages_beyond_fifty(app, db) -> None:  # type: ignore[no-untyped-def]
    tess = teacher(db)
    room = classroom(db, tess)
    people = [learner(db, f"kid{n:02}", display_name=f"Kid {n:02}") for n in range(51)]
    enrol(db, room, *people)
    client = signed_in(app, tess)
    first = client.get(f"/classes/{room.id}").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Kid 49" in first
    assert "Kid 50" not in first
    second = client.get(f"/classes/{room.id}?page=2").get_data(as_text=True)
    assert "Kid 50" in second
    assert "Kid 00" not in second
    assert client.get(f"/classes/{room.id}?page=999999999999").status_code == 200


def test_an_empty_class_says_what_to_do(app, db) -> None:  # type: ignore[no-untyped-def]
    room = classroom(db, teacher(db))
    page = signed_in(app, room.members[0].user).get(f"/classes/{room.id}").get_data(as_text=True)
    assert "No learner has joined yet" in page
    assert "Nothing assigned yet" in page
