"""Field messages are Swedish everywhere (issue 10, point 11): marshmallow's length message,
which an empty login form used to get in English."""

from __future__ import annotations

from tests.support.app import Api


def test_empty_login_fields_answer_in_swedish(seeded):
    api = Api(seeded)
    response = api.login("", "")
    assert response.status_code == 422
    assert response.json["errors"] == {
        "username": ["Måste vara 1–80 tecken långt."],
        "password": ["Måste vara 1–256 tecken långt."],
    }
    api.client.set_cookie("lang", "en")
    english = api.login("", "")
    assert english.json["errors"]["username"] == ["Must be 1 to 80 characters long."]
