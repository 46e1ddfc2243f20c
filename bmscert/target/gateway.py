"""The request path every call takes, in the order the real API gateway applies it.

route -> request id -> body -> operation (by body key on shared URIs) -> authentication ->
project match -> ceiling -> request validation -> handler -> reply. A call refused at any step
has no effect on the state: a throttled or invalid request never reaches its handler.

Authentication takes an IAM token (``X-Auth-Token``) or an AK/SK signature (``Authorization:
SDK-HMAC-SHA256 ...``), verified by ``bmscert.target.signing`` over the request as received,
against the users of ``bmscert.target.iam``. Every refusal is a 401 in the gateway envelope.
The project in the URL must be the caller's: another tenant's is refused as the documents say
(``Common.0018`` on the BMS API, a 400 on the Nova API as upstream Nova answers it).

A Nova call also negotiates its microversion (``bmscert.target.nova.microversions``): a
refused version is answered after authentication, the request is validated as the dialect
reads its schema at that version, and every reply echoes the version it was served at.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections import defaultdict
from email.utils import formatdate
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.microversion import echo_headers
from bmscert.core.schemas import SchemaStore
from bmscert.core.views import SchemaView
from bmscert.target import signing
from bmscert.target.faults import (
    Faults,
    ascii_length_problems,
    holds_empty_object,
    keys_cut,
    parts_that_pass,
)
from bmscert.target.http import ApiError, Call, Reply, bms_error, gateway_error, nova_fault
from bmscert.target.iam import AccessKey, IdentityStore, refused
from bmscert.target.limiter import CeilingEnforcer
from bmscert.target.model import User, World
from bmscert.target.nova.microversions import Negotiated, negotiate, require_minimum
from bmscert.target.registry import Handler, body_preparers
from bmscert.target.settings import TargetSettings
from bmscert.target.validation import RequestValidator

logger = logging.getLogger(__name__)

VERSION_OPERATIONS = frozenset(
    {"ListVersions", "ShowSpecifiedVersion", "list_api_versions", "show_api_version"}
)
MAX_BODY_BYTES = 12 * 1024 * 1024
# Every route takes every method, so an unpublished method gets the gateway's own 404.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _HttpDate:
    """The ``Date`` header from the target's clock, formatted once a second."""

    def __init__(self, settings: TargetSettings):
        self.settings = settings
        self._second = -1
        self._text = ""

    def __call__(self) -> str:
        now = self.settings.now()
        if int(now) != self._second:
            self._second = int(now)
            self._text = formatdate(now, usegmt=True)
        return self._text


def _route_order(path: str) -> tuple[int, ...]:
    """Literal segments sort before parameters, so ``/detail`` wins over ``/{server_id}``."""
    return tuple(1 if segment.startswith("{") else 0 for segment in path.split("/"))


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    """Read a query value as the type its schema documents; leave it as text otherwise."""
    types = schema.get("type", "string")
    types = types if isinstance(types, list) else [types]
    if "integer" in types:
        try:
            return int(value)
        except ValueError:
            return value
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def _invalid(operation: Operation, message: str) -> ApiError:
    if operation.is_bms:
        return bms_error(400, "BMS.0018", message)
    return nova_fault(400, message)


class _Endpoint:
    """A plain ASGI app per path: Starlette routes to it without wrapping each call in the
    request/response adapter a function endpoint gets, which the request path cannot afford.
    """

    def __init__(self, gateway: Gateway, methods: dict[str, list[Operation]]):
        self.gateway = gateway
        self.methods = methods

    async def __call__(self, scope, receive, send) -> None:
        response = await self.gateway.handle(Request(scope, receive), self.methods)
        await response(scope, receive, send)


class Gateway:
    """Turns HTTP requests into handler calls for one ``World``."""

    def __init__(
        self,
        settings: TargetSettings,
        world: World,
        catalogue: Catalogue,
        store: SchemaStore,
        handlers: dict[str, Handler],
        faults: Faults,
    ):
        self.settings = settings
        self.world = world
        self.catalogue = catalogue
        self.store = store
        self.handlers = handlers
        self.faults = faults
        self.enforcer = CeilingEnforcer(
            settings.window_seconds,
            settings.limiter,
            shared_actions=settings.behaviours["action_counters"] == "shared"
            or faults.has("shared-counters"),
            scales=faults.ceiling_scales(),
            undocumented=settings.undocumented_ceilings,
        )
        self.identities = IdentityStore(world.users, settings)
        self.http_date = _HttpDate(settings)
        self.preparers = body_preparers()
        self._query_schemas: dict[tuple[str, SchemaView | None], dict[str, Any]] = {}
        self.validator = RequestValidator(store)

    def routes(self, endpoint: str) -> list[Route]:
        """One route per published path of ``endpoint``, literal paths first."""
        by_path: dict[str, dict[str, list[Operation]]] = defaultdict(lambda: defaultdict(list))
        for operation in self.catalogue:
            if operation.endpoint == endpoint and operation.id in self.handlers:
                by_path[operation.path][operation.method].append(operation)
        routes = []
        for path in sorted(by_path, key=_route_order):
            methods = dict(by_path[path])
            routes.append(Route(path, self._endpoint(methods), methods=ANY_METHOD))
        return routes

    def _endpoint(self, methods: dict[str, list[Operation]]) -> _Endpoint:
        return _Endpoint(self, methods)

    async def not_found(self, scope, receive, send) -> None:
        """The gateway's answer for a path no operation publishes."""
        error = gateway_error(
            404, "APIGW.0101", "The API does not exist or has not been published"
        )
        await self._render(error.reply, uuid.uuid4().hex, None)(scope, receive, send)

    async def handle(self, request: Request, methods: dict[str, list[Operation]]) -> Response:
        request_id = uuid.uuid4().hex
        operation = first = None
        negotiated = Negotiated(None)
        try:
            candidates = methods.get(request.method)
            if not candidates:
                raise gateway_error(
                    404, "APIGW.0101", "The API does not exist or has not been published"
                )
            first = candidates[0]
            negotiated = self._negotiate(request, first)
            raw = await self._read_body(request)
            operation, body = self._select(candidates, raw)
            project_id, user_id = self._authenticate(request, operation, raw)
            project = self._project(request, operation, project_id)
            self._check_version(operation, negotiated)
            if not self._admit(operation, project_id):
                if self.faults.has("throttled-effect", operation.id):
                    self._leak_effect(request, operation, project, user_id, body, request_id)
                raise self._throttled(operation)
            call = self._call(
                request, operation, project, user_id, body, request_id, negotiated.version
            )
            self.world.lifecycle.advance(project, call.now)
            if self.faults:
                self._crash_on_empty(operation, call)
            reply = self.handlers[operation.id](call)
            reply = self.faults.alter(operation.id, reply) if self.faults else reply
        except ApiError as error:
            reply = error.reply
        except Exception:
            logger.exception("request %s failed inside the reference target", request_id)
            reply = gateway_error(500, "APIGW.0201", "Internal error of the backend").reply
        echo = self._echo(operation or first, negotiated.version)
        return self._render(reply, request_id, operation, echo)

    def _negotiate(self, request: Request, operation: Operation) -> Negotiated:
        """The microversion of a Nova call; BMS calls have none."""
        if operation.is_bms:
            return Negotiated(None)
        return negotiate(request.headers, self.settings)

    def _check_version(self, operation: Operation, negotiated: Negotiated) -> None:
        if operation.is_bms:
            return
        negotiated.raise_refusal()
        if negotiated.version and not self.faults.has("ignore-min-microversion", operation.id):
            require_minimum(operation, negotiated.version)

    def _view(self, operation: Operation, version: str | None) -> SchemaView | None:
        if operation.is_bms or version is None:
            return None
        return SchemaView(self.settings.dialect, version)

    async def _read_body(self, request: Request) -> bytes:
        """The body, refused with 413 once it passes the gateway's limit, declared or not."""
        headers = request.headers
        if "content-length" not in headers and "transfer-encoding" not in headers:
            return b""
        too_large = gateway_error(413, "APIGW.0201", "Request entity too large")
        declared = headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_large
        received = bytearray()
        async for chunk in request.stream():
            received += chunk
            if len(received) > MAX_BODY_BYTES:
                raise too_large
        return bytes(received)

    def _select(self, candidates: list[Operation], raw: bytes) -> tuple[Operation, Any]:
        """The operation a request means; shared URIs are told apart by the body's key."""
        first = candidates[0]
        body = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                raise (
                    bms_error(400, "BMS.0001", "The request body is not valid JSON")
                    if first.is_bms
                    else nova_fault(400, "Malformed request body")
                ) from None
        if len(candidates) == 1:
            return first, body
        keys = set(body) if isinstance(body, dict) else set()
        chosen = [op for op in candidates if op.body_selector in keys]
        if len(chosen) != 1 or len(keys) != 1:
            selectors = ", ".join(op.body_selector or "" for op in candidates)
            raise _invalid(first, f"The body must hold exactly one action key of: {selectors}")
        return chosen[0], body

    def _authenticate(self, request: Request, operation: Operation, raw: bytes) -> tuple[str, str]:
        """The caller's project and user id, from a token or an AK/SK signature."""
        exempt = operation.id in VERSION_OPERATIONS and (
            self.settings.behaviours.get("versions_need_auth") == "no"
        )
        if exempt or self.faults.has("skip-auth", operation.id):
            main = self.identities.main
            return main.project_id, main.id
        token = request.headers.get("x-auth-token")
        if token:
            user = self.identities.user_of_token(token)
            return user.project_id, user.id
        if request.headers.get("authorization"):
            return self._authenticate_signed(request, operation, raw)
        raise refused("x-auth-token not found")

    def _authenticate_signed(
        self, request: Request, operation: Operation, raw: bytes
    ) -> tuple[str, str]:
        """An AK/SK-signed request: known key, timely date, matching signature, the security
        token of temporary credentials, and a project the key's user belongs to."""
        try:
            authorization = signing.parse_authorization(request.headers["authorization"])
        except signing.SignatureRefused as why:
            raise refused(str(why)) from None
        key = self.identities.access_key(authorization.access_key)
        try:
            signing.verify(
                _as_received(request, raw),
                authorization,
                key.secret_key,
                self.settings.now(),
                with_query=not self.faults.has("sign-ignores-query", operation.id),
            )
            _check_security_token(request, authorization, key)
        except signing.SignatureRefused as why:
            self.identities.signature_failed(authorization.access_key)
            raise refused(f"verify aksk signature fail, {why}") from None
        self.identities.signature_passed(authorization.access_key)
        return _signed_project(request, key.user), key.user.id

    def _project(self, request: Request, operation: Operation, project_id: str):
        in_path = request.path_params.get("project_id")
        if in_path is None:
            return self.world.project(project_id)
        if self.faults.has("ignore-url-project", operation.id) and self.world.project(in_path):
            return self.world.project(in_path)
        if in_path != project_id or self.world.project(in_path) is None:
            message = "The project in the URL is not the project of the token"
            if operation.is_bms:
                raise bms_error(400, "Common.0018", message)
            raise nova_fault(400, message)
        return self.world.project(in_path)

    def _admit(self, operation: Operation, caller: str) -> bool:
        if self.faults.has("no-throttle", operation.id):
            return True
        return self.enforcer.admit(operation, caller)

    def _throttled(self, operation: Operation) -> ApiError:
        policy = self.enforcer.describe(operation)
        message = f"The throttling threshold has been reached: policy user over ratelimit,{policy}"
        if self.faults.has("throttle-envelope", operation.id):
            return bms_error(429, "APIGW.0308", message)
        return gateway_error(429, "APIGW.0308", message)

    def _leak_effect(self, request, operation, project, user_id, body, request_id) -> None:
        """The deliberate fault ``throttled-effect``: act on a call that was throttled."""
        try:
            call = self._call(request, operation, project, user_id, body, request_id)
            self.world.lifecycle.advance(project, call.now)
            self.handlers[operation.id](call)
        except ApiError:
            pass

    def _query_schema(self, operation: Operation, view: SchemaView | None) -> dict[str, Any]:
        """The documented query parameters; those the view leaves out are ignored, as Nova
        ignores parameters it does not know (below 2.75)."""
        key = (operation.id, view)
        if key not in self._query_schemas:
            schema: dict[str, Any] = {}
            if self.store.has(operation.request_schema):
                document = self.store.document(operation.request_schema, view)
                schema = document.get("properties", {}).get("query", {}).get("properties", {})
            self._query_schemas[key] = {name: s for name, s in schema.items() if s is not False}
        return self._query_schemas[key]

    def _call(
        self,
        request: Request,
        operation: Operation,
        project: Any,
        user_id: str,
        body: Any,
        request_id: str,
        version: str | None = None,
    ) -> Call:
        view = self._view(operation, version)
        query = {}
        if request.scope.get("query_string"):
            documented = self._query_schema(operation, view)
            query = {
                name: _coerce(request.query_params.getlist(name)[-1], documented[name])
                for name in request.query_params
                if name in documented
            }
        if operation.id in self.preparers:
            body = self.preparers[operation.id](body, self.settings)
        if not self.faults.has("skip-validation", operation.id):
            if not operation.is_bms:
                self._validate(operation, "/properties/path", dict(request.path_params), view)
            self._validate(operation, "/properties/query", query, view)
            if body is not None or operation.method in ("POST", "PUT"):
                try:
                    self._validate(operation, "/properties/body", body, view)
                except ApiError:
                    if self.faults.has("apply-invalid", operation.id):
                        self._apply_what_passes(request, operation, project, user_id, body, view)
                    raise
        return Call(
            operation=operation,
            world=self.world,
            settings=self.settings,
            project=project,
            user_id=user_id,
            path=dict(request.path_params),
            query=query,
            body=body,
            base_url=f"{request.scope['scheme']}://{request.headers.get('host', '')}",
            request_id=request_id,
            now=time.time(),
            microversion=version,
        )

    def _crash_on_empty(self, operation: Operation, call: Call) -> None:
        """The deliberate fault ``crash-on-empty``: a 500 for an empty object in the body."""
        if self.faults.has("crash-on-empty", operation.id) and holds_empty_object(call.body):
            raise RuntimeError("deliberate fault crash-on-empty: an empty object in the body")

    def _apply_what_passes(self, request, operation, project, user_id, body, view) -> None:
        """The deliberate fault ``apply-invalid``: act on the parts of an invalid body that
        pass on their own, before the body is refused."""

        def passes(candidate: Any) -> bool:
            problem = self.validator.problem(operation, "body", candidate, view)
            return problem is None

        kept = parts_that_pass(body, passes)
        if kept is None:
            return
        version = view.microversion if view is not None else None
        call = self._call(request, operation, project, user_id, kept, uuid.uuid4().hex, version)
        with contextlib.suppress(ApiError):
            self.handlers[operation.id](call)

    def _validate(
        self, operation: Operation, pointer: str, instance: Any, view: SchemaView | None = None
    ) -> None:
        part = pointer.rsplit("/", 1)[-1]
        if not self.validator.describes(operation, part):
            if (
                part == "body"
                and instance is not None
                and self.store.has(operation.request_schema)
            ):
                raise _invalid(operation, "This operation takes no request body")
            return
        if self.faults:
            self._validate_with_faults(operation, pointer, part, instance, view)
            return
        self._validate_as_documented(operation, part, instance, view)

    def _validate_as_documented(self, operation, part, instance, view) -> None:
        problem = self.validator.problem(operation, part, instance, view)
        if problem is not None:
            raise _invalid(operation, f"Invalid request parameter: {problem}")

    def _validate_with_faults(self, operation, pointer, part, instance, view) -> None:
        """Validation as the deliberate faults bend it, kept off a faithful target's path."""
        skipped = self.faults.arguments("skip-rule", operation.id)
        if skipped:
            self._validate_skipping(operation, pointer, instance, view, skipped)
            return
        if part == "body" and self.faults.has("long-metadata-key", operation.id):
            instance = keys_cut(instance)
        if self.faults.has("ascii-length", operation.id):
            self._validate_counting_ascii(operation, pointer, instance, view)
            return
        self._validate_as_documented(operation, part, instance, view)

    def _validate_skipping(self, operation, pointer, instance, view, skipped) -> None:
        """The deliberate fault ``skip-rule``: validate, but ignore one keyword's verdicts."""
        problems = self.store.problems(
            operation.request_schema, instance, pointer, formats=False, view=view
        )
        problems = [problem for problem in problems if problem.keyword not in skipped]
        if problems:
            raise _invalid(operation, f"Invalid request parameter: {problems[0]}")

    def _validate_counting_ascii(self, operation, pointer, instance, view) -> None:
        """The deliberate fault ``ascii-length``: length limits count ASCII characters only."""
        validator = self.store.validator(
            operation.request_schema, pointer, formats=False, view=view
        )
        errors = ascii_length_problems(validator.iter_errors(instance))
        if errors:
            raise _invalid(operation, f"Invalid request parameter: {errors[0].message}")

    def _echo(self, operation: Operation | None, version: str | None) -> dict[str, str]:
        """The microversion headers a Nova reply carries (none for a refused version)."""
        if operation is None or version is None:
            return {}
        if self.faults.has("no-microversion-echo", operation.id):
            return {}
        return echo_headers(version)

    def _render(
        self,
        reply: Reply,
        request_id: str,
        operation: Operation | None,
        echo: dict[str, str] | None = None,
    ) -> Response:
        headers = {
            "X-Request-Id": request_id,
            "Date": self.http_date(),
            **reply.headers,
            **(echo or {}),
        }
        body = reply.body
        if reply.status >= 400 and isinstance(body, dict) and "error_msg" in body:
            body = {**body, "request_id": request_id}
        if body is None:
            return Response(status_code=reply.status, headers=headers)
        content = orjson.dumps(body)
        return Response(content, reply.status, headers, media_type="application/json")


def _as_received(request: Request, raw: bytes) -> signing.ReceivedRequest:
    """The request as it crossed the wire: the path and query still percent-encoded."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    return signing.ReceivedRequest(
        method=request.method,
        raw_path=raw_path.decode("latin-1"),
        raw_query=request.scope.get("query_string", b"").decode("latin-1"),
        headers=request.headers,
        body=raw,
    )


def _check_security_token(
    request: Request, authorization: signing.SignedAuthorization, key: AccessKey
) -> None:
    """Temporary credentials hold only with their security token, signed with the rest."""
    if not key.security_token:
        return
    if "x-security-token" not in authorization.signed_headers:
        raise signing.SignatureRefused("the security token of temporary credentials is missing")
    given = signing.received_header(request.headers, "x-security-token")
    if given != key.security_token:
        raise signing.SignatureRefused("the security token does not belong to the access key")


def _signed_project(request: Request, user: User) -> str:
    """The project an AK/SK call acts in: ``X-Project-Id`` if given, the user's own else."""
    wanted = request.headers.get("x-project-id", user.project_id)
    if wanted != user.project_id:
        raise refused(f"the access key has no role in project {wanted}")
    return wanted
