"""The NinjaAPI instance: routers, and every error answered as problem+json."""

from __future__ import annotations

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from photoshelf.core.refusals import PROBLEM_CONTENT_TYPE, REFUSALS, Refusal, catalogue
from photoshelf.http.answers import problem_response, unauthenticated
from photoshelf.http.body import UnreadableBody

from . import uploads_openapi
from .activity import router as activity_router
from .albums import router as albums_router
from .auth import SIGNED_IN
from .cameras import router as cameras_router
from .images import router as images_router
from .links import router as links_router
from .schemas import ANY_ERRORS, ProblemType, answers
from .shared import router as shared_router
from .trash import router as trash_router
from .users import router as users_router


class PhotoshelfAPI(NinjaAPI):
    """Documents error answers as what they are: application/problem+json (RFC 9457), and the
    tus endpoints, plain views beside the operations (uploads_openapi.py declares them)."""

    def get_openapi_schema(self, **kwargs) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
        schema["paths"].update(uploads_openapi.paths())
        return schema


api = PhotoshelfAPI(
    title="photoshelf",
    version="1",
    description="Upload, list and delete photos. Errors are RFC 9457 problem+json with a `code`.",
    urls_namespace="api",
    auth=SIGNED_IN,
)
api.add_router("/images", images_router)
api.add_router("/users", users_router)
api.add_router("/cameras", cameras_router)
api.add_router("/trash", trash_router)
api.add_router("/activity", activity_router)
api.add_router("/albums", albums_router)
api.add_router("/", links_router)
api.add_router("/shared", shared_router)


@api.get(
    "/problems",
    auth=None,
    response={200: list[ProblemType]},
    summary="The closed set of refusal codes",
    tags=["problems"],
)
def list_problems(request: HttpRequest):
    return catalogue()


@api.get(
    "/problems/{code}",
    auth=None,
    response=answers({200: ProblemType}, *ANY_ERRORS, 404),
    summary="One refusal code",
    tags=["problems"],
)
def get_problem(request: HttpRequest, code: str):
    if code not in REFUSALS:
        raise Refusal("not-found", f"There is no problem type {code!r}.")
    return next(entry for entry in catalogue() if entry["code"] == code)


@api.exception_handler(Refusal)
def on_refusal(request: HttpRequest, exc: Refusal):
    return problem_response(exc)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return unauthenticated("Sign in, or send `Authorization: Bearer <token>`.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    # ninja raises this for a session call without its CSRF token (403).
    code = "forbidden" if exc.status_code == 403 else "invalid-request"
    return problem_response(Refusal(code, str(exc)))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    errors = [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())),
            "message": str(err.get("msg", "invalid")),
        }
        for err in exc.errors
    ]
    detail = "The request is not valid: " + "; ".join(
        f"{err['field'] or 'body'}: {err['message']}" for err in errors
    )
    refusal = Refusal("invalid-request", detail, {"errors": errors})
    return problem_response(refusal)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
def on_bad_request(request: HttpRequest, exc: Exception):
    if isinstance(exc, UnreadableBody):  # says what was wrong with the body
        return problem_response(Refusal("invalid-request", str(exc)))
    return problem_response(
        Refusal("invalid-request", "The request body is not a valid multipart/form-data form.")
    )
