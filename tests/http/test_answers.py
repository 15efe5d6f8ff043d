"""wants_json(): the API is told apart by path_info, so a deployment under a sub-path works."""

import json

from django.test import RequestFactory, override_settings

from photoshelf.http import answers


def test_the_api_is_recognised_under_a_script_prefix():
    request = RequestFactory().get("/api/images", SCRIPT_NAME="/photos")
    assert request.path == "/photos/api/images"
    assert answers.wants_json(request)


def test_a_page_whose_path_only_contains_api_is_not_the_api():
    request = RequestFactory().get("/images/api/", SCRIPT_NAME="/photos")
    assert not answers.wants_json(request)


@override_settings(ROOT_URLCONF="photoshelf.urls")
def test_not_found_under_a_script_prefix_is_a_problem_for_the_api():
    request = RequestFactory().get("/api/nothing-here", SCRIPT_NAME="/photos")
    response = answers.not_found(request)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "not-found"


def test_server_error_is_problem_json_for_the_api_and_text_for_people():
    api = answers.server_error(RequestFactory().get("/api/images"))
    page = answers.server_error(RequestFactory().get("/"))
    assert api.status_code == page.status_code == 500
    assert json.loads(api.content)["code"] == "server-error"
    assert page["Content-Type"].startswith("text/plain")
