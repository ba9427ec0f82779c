"""A real OIDC provider for the tests: oidc-provider-mock on 127.0.0.1 in a thread, seen through a thin recorder.

The recorder writes down what the portal sent to the authorization and token endpoints (to check PKCE on the
client's side: the mock does not enforce it), and can make the provider misbehave the way a misconfigured or hostile
one would: issue its tokens to another client (another audience), or break the ID token's signature.
"""
from __future__ import annotations

import base64
import io
import json
import threading
from urllib.parse import parse_qsl, urlencode

import httpx
import oidc_provider_mock
from werkzeug.serving import make_server

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"


class MockProvider:
    def __init__(self):
        self._app = oidc_provider_mock.app(require_nonce=True)
        self.authorize_queries: list[dict] = []
        self.token_forms: list[dict] = []
        #: When set, the provider issues its codes and tokens to this client id instead of the portal's.
        self.audience: str | None = None
        #: When true, the ID token in the token response carries a broken signature.
        self.break_signature = False
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def reset(self):
        self.authorize_queries.clear()
        self.token_forms.clear()
        self.audience = None
        self.break_signature = False

    def set_user(self, sub: str, **claims) -> None:
        """What the provider will say about `sub` (the mock's own API: PUT /users/<sub>)."""
        httpx.put(f"{self.url}/users/{sub}", json=claims).raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """The user signs in at the provider as `sub` (the mock's form); returns where it sends the browser back."""
        response = httpx.post(authorize_url, data={"sub": sub})
        assert response.status_code == 302, response.text[:300]
        return response.headers["location"]

    def _wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize":
            query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            self.authorize_queries.append(query)
            if self.audience:
                environ["QUERY_STRING"] = urlencode({**query, "client_id": self.audience})
        if path == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            form = dict(parse_qsl(body.decode()))
            self.token_forms.append(form)
            if self.audience:
                # The mock accepts any secret for a client it does not know.
                environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{self.audience}:x".encode()).decode()
                form.pop("client_id", None)
                body = urlencode(form).encode()
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
            if self.break_signature:
                return self._with_broken_signature(environ, start_response)
        return self._app(environ, start_response)

    def _with_broken_signature(self, environ, start_response):
        captured = {}

        def keep(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)

        body = b"".join(self._app(environ, keep))
        token = json.loads(body)
        head, payload, signature = token["id_token"].split(".")
        token["id_token"] = ".".join([head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
        body = json.dumps(token).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
        return [body]
