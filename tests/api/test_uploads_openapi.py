"""/api/openapi.json describes the tus endpoints: their headers, bodies and answers, as the
views really give them, and the document stays a valid OpenAPI document."""

from __future__ import annotations

import base64
import hashlib

import jsonschema_rs
import pytest
import schemathesis

from tests.api.test_uploads import OCTETS, TUS, create, head, image_bytes, location, patch

pytestmark = pytest.mark.django_db

COLLECTIONS = ("/api/uploads", "/api/shared/{token}/uploads")


def document(client) -> dict:
    return client.get("/api/openapi.json").json()


def names(operation: dict, path_item: dict | None = None) -> dict[str, dict]:
    parameters = [*(path_item or {}).get("parameters", []), *operation.get("parameters", [])]
    return {parameter["name"]: parameter for parameter in parameters}


def test_it_stays_a_valid_openapi_document(client):
    schemathesis.openapi.from_dict(document(client)).validate()  # the OpenAPI 3.1 meta-schema


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_it_declares_every_tus_operation_for_accounts_and_guests(client, collection):
    paths = document(client)["paths"]
    assert set(paths[collection]) - {"parameters"} == {"options", "post"}
    resource = paths[collection + "/{upload_id}"]
    assert {"head", "patch", "delete", "get"} <= set(resource)
    assert "upload_id" in {parameter["name"] for parameter in resource["parameters"]}


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_creation_takes_the_protocols_headers_and_answers_201_with_location(client, collection):
    post = document(client)["paths"][collection]["post"]
    parameters = names(post)
    assert parameters["Tus-Resumable"]["required"] is True
    assert parameters["Tus-Resumable"]["schema"]["enum"] == ["1.0.0"]
    assert parameters["Upload-Length"]["required"] is True
    assert parameters["Upload-Metadata"]["required"] is False
    assert OCTETS in post["requestBody"]["content"]  # creation-with-upload
    assert {"Location", "Upload-Offset", "Upload-Expires"} <= set(
        post["responses"]["201"]["headers"]
    )
    assert {"400", "412", "413", "503"} <= set(post["responses"])


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_patch_takes_offset_bytes_and_a_checksum_and_names_its_refusals(client, collection):
    patch_operation = document(client)["paths"][collection + "/{upload_id}"]["patch"]
    parameters = names(patch_operation)
    assert parameters["Upload-Offset"]["required"] is True
    assert parameters["Upload-Checksum"]["required"] is False
    body = patch_operation["requestBody"]
    assert body["required"] is True
    assert body["content"][OCTETS]["schema"] == {"type": "string", "format": "binary"}
    assert {"Upload-Offset", "Photoshelf-Image-Id"} <= set(
        patch_operation["responses"]["204"]["headers"]
    )
    refusals = {"404", "409", "410", "412", "413", "415", "422", "423", "460", "503"}
    assert refusals <= set(patch_operation["responses"])
    for status in refusals:
        answer = patch_operation["responses"][status]
        assert answer["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }


def test_the_guest_operations_need_no_sign_in_but_take_the_links_password(client):
    paths = document(client)["paths"]
    for path in ("/api/shared/{token}/uploads", "/api/shared/{token}/uploads/{upload_id}"):
        for method, operation in paths[path].items():
            if method == "parameters":
                continue
            assert operation["security"] == []
            if method != "options":
                assert "X-Share-Password" in names(operation)
    assert paths["/api/uploads"]["post"]["security"] == [
        {"BearerToken": []},
        {"SessionWithCsrf": []},
    ]
    assert paths["/api/uploads"]["options"]["security"] == []


def declared(doc: dict, path: str, method: str) -> set[int]:
    return {int(status) for status in doc["paths"][path][method]["responses"]}


def test_every_answer_of_an_upload_is_one_its_operation_declares(client, settings):
    """A whole upload and each refusal, through the real views: every status is declared."""
    doc = document(client)
    resource = "/api/uploads/{upload_id}"
    seen: list[tuple[str, str, int]] = []

    def saw(path: str, method: str, response) -> None:
        seen.append((path, method, response.status_code))

    saw("/api/uploads", "options", client.options("/api/uploads"))
    saw("/api/uploads", "post", create(client, 10, HTTP_TUS_RESUMABLE="0.2.2"))  # 412
    limit = settings.PHOTOSHELF_MAX_UPLOAD_BYTES
    saw("/api/uploads", "post", create(client, limit + 1))  # 413
    saw("/api/uploads", "post", create(client, 10, metadata="bad,,pair x y"))  # 400
    data = image_bytes()
    created = create(client, len(data))
    saw("/api/uploads", "post", created)  # 201
    url = created["Location"]
    saw(resource, "head", head(client, url))  # 200
    saw(resource, "patch", patch(client, url, 5, data[:10]))  # 409
    saw(resource, "patch", patch(client, url, 0, data[:10], CONTENT_TYPE="text/plain"))  # 415
    saw(resource, "patch", patch(client, url, 0, data + b"x"))  # 413
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    saw(resource, "patch", patch(client, url, 0, data[:10], HTTP_UPLOAD_CHECKSUM=f"sha256 {wrong}"))
    saw(resource, "patch", patch(client, url, 0, data))  # 204, stored
    state = client.get(url)
    saw(resource, "get", state)
    saw(resource, "get", client.get("/api/uploads/" + "0" * 32))  # 404
    again = location(client, len(data))
    saw(resource, "patch", patch(client, again, 0, data))  # 409 duplicate
    saw(resource, "delete", client.delete(location(client, 3), **TUS))  # 204
    assert {status for _, _, status in seen} >= {200, 201, 204, 400, 409, 412, 413, 415, 460}
    undeclared = [s for s in seen if s[2] not in declared(doc, s[0], s[1])]
    assert undeclared == []
    # The outcome's JSON is what the document says it is.
    schema = doc["paths"][resource]["get"]["responses"]["200"]["content"]["application/json"]
    validator = jsonschema_rs.validator_for({**schema["schema"], "components": doc["components"]})
    assert state.json()["state"] == "stored"
    validator.validate(state.json())
