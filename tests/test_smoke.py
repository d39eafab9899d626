"""The app starts, migrates and answers on every database."""


def test_me_answers_logged_out_with_a_csrf_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json["user"] is None
    assert len(response.json["csrf_token"]) > 20
