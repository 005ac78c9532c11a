"""The OpenAPI document lists the credit-profile, consent and document operations (which the
schemathesis contract test then drives for every role), each with its documented answers."""

from __future__ import annotations

EXPECTED = {
    ("/api/v1/credit-profiles/{credit_code}", "get"),
    ("/api/v1/consents", "get"),
    ("/api/v1/consents", "post"),
    ("/api/v1/consents/{consent_id}/revoke", "post"),
    ("/api/v1/consents/views", "get"),
    ("/api/v1/documents", "get"),
    ("/api/v1/documents", "post"),
    ("/api/v1/documents/{document_id}", "get"),
    ("/api/v1/documents/{document_id}/content", "get"),
    ("/api/v1/document-requests", "get"),
    ("/api/v1/document-requests", "post"),
}


def test_the_document_has_the_credit_consent_and_document_operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert operations >= EXPECTED
    profile = spec["paths"]["/api/v1/credit-profiles/{credit_code}"]["get"]
    # Refusals (403, 404) are problem+json under the operation's `default` answer.
    assert {"200", "default"} <= set(profile["responses"])
    grant = spec["paths"]["/api/v1/consents"]["post"]
    assert {"201", "422", "default"} <= set(grant["responses"])
