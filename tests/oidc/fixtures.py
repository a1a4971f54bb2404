"""A real OpenID provider for the tests: tests/oidc/provider.js (npm oidc-provider) on a free
loopback port, started once per test process and redirect base (the test client's
http://testserver, the live server's address).

Node.js is needed, as chromium is for the browser tests: without it these tests fail with a
clear message (never a silent skip); `make test` deselects them with one line instead. The npm
packages are installed with `npm ci` from the committed package-lock.json when node_modules is
missing (.ci/run does it first).
"""

import fcntl
import json
import re
import shutil
import socket
import subprocess  # nosec B404 (starts the test provider, a fixed command)
import tempfile
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).parent
CLIENT_SECRET = "testleverantorens-klienthemlighet-0123456789"  # nosec B105
START_SECONDS = 30

# The provider's users. The e-mail addresses are matched to the accounts that tests create;
# several logins name the same person with different authentication (amr / acr).
EMAIL = "hanna.handledare@kommun.example.se"
USERS = {
    "hanna-mfa": {"email": EMAIL, "amr": ["pwd", "mfa"], "acr": "urn:test:loa:2"},
    "hanna-acr": {"email": EMAIL, "amr": ["pwd"], "acr": "urn:test:loa:2"},
    "hanna-pwd": {"email": EMAIL, "amr": ["pwd"], "acr": "urn:test:loa:1"},
    "okand": {"email": "okand.person@kommun.example.se", "amr": ["pwd", "mfa"]},
    "utan-epost": {"amr": ["pwd", "mfa"]},
}
# Clients of provider.js: the ordinary one, and two whose ID tokens are wrong on purpose.
CLIENT = "finsam"
CLIENT_WRONG_AUDIENCE = "finsam-fel-aud"
CLIENT_EXPIRED = "finsam-utgangen"

CALLBACK_PATH = "/logga-in/oidc/klar/"
LOGIN_PATH = "/logga-in/"


class OidcTestProvider:
    def __init__(self, base_url: str):
        node = shutil.which("node")
        if node is None:
            pytest.fail(
                "node saknas: installera Debians paket nodejs och npm, eller kör -m 'not oidc'"
            )
        _npm_ci()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="oidc-provider-")
        config = Path(self._dir.name) / "config.json"
        config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "redirect_uris": [base_url + CALLBACK_PATH],
                    "post_logout_redirect_uris": [base_url + LOGIN_PATH],
                    "client_secret": CLIENT_SECRET,
                    "users": USERS,
                }
            ),
            encoding="utf-8",
        )
        self._log = open(Path(self._dir.name) / "provider.log", "w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603 (fixed arguments)
            [node, str(HERE / "provider.js"), str(config)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        ready = threading.Event()

        def wait_ready():
            line = self.process.stdout.readline()
            if line.startswith("ready "):
                ready.set()

        threading.Thread(target=wait_ready, daemon=True).start()
        if not ready.wait(START_SECONDS):
            self.stop()
            self._log.seek(0)
            pytest.fail(f"testleverantören (oidc-provider) startade inte:\n{self._log.read()}")

    def configure(self, settings, client_id=CLIENT):
        """Point the application's OIDC settings at this provider (pytest-django's
        `settings` fixture restores them after the test)."""
        settings.OIDC_ISSUER = self.issuer
        settings.OIDC_CLIENT_ID = client_id
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_ENABLED = True
        return self

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()
        self._dir.cleanup()


def _npm_ci():
    """Install the provider's npm packages once (a file lock serialises xdist workers)."""
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm saknas: installera Debians paket npm (för testleverantören)")
    with open(HERE / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (HERE / "node_modules" / "oidc-provider").is_dir():
            subprocess.run(  # noqa: S603  # nosec B603 (fixed arguments)
                [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True
            )


@pytest.fixture(scope="session")
def oidc_providers():
    """One running provider per redirect base, for the whole test process."""
    started: dict[str, OidcTestProvider] = {}

    def provider_for(base_url: str) -> OidcTestProvider:
        if base_url not in started:
            started[base_url] = OidcTestProvider(base_url)
        return started[base_url]

    yield provider_for
    for provider in started.values():
        provider.stop()


@pytest.fixture
def oidc_provider(oidc_providers, settings):
    """The provider for the Django test client, with the application configured for it."""
    return oidc_providers("http://testserver").configure(settings)


def provider_login(client, login: str, next_url: str | None = None) -> str:
    """Start the log-in on the application (test client), log in as `login` on the provider
    (a plain HTTP client, as a browser would) and return the application's callback address
    (path and query) that the provider sends the browser back to."""
    query = {"next": next_url} if next_url else {}
    response = client.get("/logga-in/oidc/", query)
    assert response.status_code == 302, response
    browser = requests.Session()
    answer = _follow(browser, response["Location"])
    if isinstance(answer, str):
        return answer
    action = re.search(r'action="([^"]+)"', answer.text)
    assert action, answer.text
    posted = browser.post(
        urljoin(answer.url, action.group(1)), data={"login": login}, allow_redirects=False
    )
    answer = _follow(browser, posted)
    assert isinstance(answer, str), answer.text
    return answer


def _follow(browser, start):
    """Follows the provider's redirects; the application's address (http://testserver) is
    returned as path and query, a page of the provider as the response."""
    response = start if isinstance(start, requests.Response) else None
    url = start if response is None else None
    for _ in range(10):
        if response is None:
            if url.startswith("http://testserver"):
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
            response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code not in (301, 302, 303, 307):
            return response
        url = urljoin(response.url, response.headers["Location"])
        response = None
    raise AssertionError("för många omdirigeringar hos testleverantören")
