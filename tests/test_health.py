from layers import registry


def test_health_reports_connection_and_counts(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["database"]["connected"] is True
    assert set(body["layers"]) == {layer.id for layer in registry.layers()}
    assert all(count > 0 for count in body["layers"].values()), body["layers"]
