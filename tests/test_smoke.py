from tests.support.factories import make_show, person


def test_registration_through_the_api_issues_a_ticket(app, client):
    make_show(app, "demo", quota=2)
    response = client.post("/api/v1/shows/demo/registrations", json=person(1))
    assert response.status_code == 202, response.json
    assert response.json["status"] == "pending"
