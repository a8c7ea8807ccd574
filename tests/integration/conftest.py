"""Fixtures shared by the integration tests: the binary under test, certificates, SMTP servers.

The binary is named by the environment variable SMTPSEND_BIN; the suite fails at once without it
rather than testing whatever happens to lie in a build directory.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from certs import Pki, make_pki  # noqa: E402
from dovecot_server import DOVECOT_PACKAGES, DovecotServer, find_dovecot  # noqa: E402
from dovecot_server import make_workspace as make_dovecot_workspace  # noqa: E402
from exim_server import EximServer, make_workspace  # noqa: E402
from smtp_server import TestSmtpServer  # noqa: E402
from support import PASSWORD, USER, Smtpsend, require_exim  # noqa: E402


def pytest_sessionstart(session):
    # One clear failure instead of the same error from every test.
    if not os.environ.get("SMTPSEND_BIN") and not session.config.option.collectonly:
        pytest.exit("SMTPSEND_BIN is not set: point it at the built binary, e.g. "
                    "SMTPSEND_BIN=$PWD/build/smtpsend /usr/bin/python3 -m pytest tests/integration",
                    returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_configure(config):
    # pytest resets warning filters for each test; aiosmtpd's warning about AUTH offered without
    # TLS is what the plain modes are for, not a problem to report.
    config.addinivalue_line("filterwarnings",
                            "ignore:Requiring AUTH while not requiring TLS:UserWarning")
    # Peak-memory figures mean nothing under AddressSanitizer (shadow memory, quarantine):
    # scripts/sanitize leaves these tests to the plain run.
    config.addinivalue_line("markers",
                            "measures_memory: asserts the program's peak resident memory")
    # Tests that wait for real time limits to run out (seconds each) prove the same thing in
    # either build: scripts/sanitize leaves them to the plain run as well, so CI waits them out once.
    config.addinivalue_line("markers",
                            "waits_out_time_limits: waits for real time limits to run out")


@pytest.fixture(scope="session")
def smtpsend_binary() -> Path:
    value = os.environ.get("SMTPSEND_BIN")
    if not value:
        pytest.fail("SMTPSEND_BIN is not set: point it at the built binary, e.g. "
                    "SMTPSEND_BIN=$PWD/build/smtpsend /usr/bin/python3 -m pytest tests/integration",
                    pytrace=False)
    binary = Path(value).resolve()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"SMTPSEND_BIN={value} is not an executable file", pytrace=False)
    return binary


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def smtpsend(smtpsend_binary, tmp_path) -> Smtpsend:
    return Smtpsend(smtpsend_binary, tmp_path / "home")


@pytest.fixture
def start_server(tmp_path, pki) -> Callable[..., TestSmtpServer]:
    """Starts recording servers for one test and stops them all when it ends.

    start_server(mode, users={...}, refuse=[...], tempfail=[...], cert=KeyPair,
                 oauth=OAuthTokens(...)) -> server; the certificate defaults to the trusted
    "localhost" one.
    """
    servers: list[TestSmtpServer] = []

    def start(mode: str, *, users: Optional[dict[str, str]] = None, refuse=(), tempfail=(),
              cert=None, oauth=None) -> TestSmtpServer:
        keypair = cert or pki.server
        server = TestSmtpServer(mode, tmp_path / f"store-{len(servers) + 1}-{mode}", users=users,
                                refuse=refuse, tempfail=tempfail, cert=keypair.cert,
                                key=keypair.key, oauth=oauth)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def mime_files(tmp_path_factory):
    """The text, HTML, inline images and attachments of the full MIME message (about 8 MB),
    written once and shared by every test that sends it."""
    from support import write_mime_files

    return write_mime_files(tmp_path_factory.mktemp("mime-files"))


@pytest.fixture(scope="session")
def exim_workspace():
    """The directory of every Exim server of the session, removed when the session ends."""
    workspace = make_workspace()
    yield workspace
    shutil.rmtree(workspace, ignore_errors=True)


@pytest.fixture
def start_exim(exim_workspace, pki, start_server) -> Callable[..., tuple[EximServer, TestSmtpServer]]:
    """Starts Exim with STARTTLS and AUTH (USER, PASSWORD) relaying to a recording server; both are
    stopped when the test ends.

    start_exim(refuse=[...], implicit_tls=False, chunking=True, recipients_max=None)
        -> (exim, sink)
    """
    exim_binary = require_exim()
    started: list[EximServer] = []

    def start(*, refuse=(), implicit_tls=False, chunking=True,
              recipients_max=None) -> tuple[EximServer, TestSmtpServer]:
        sink = start_server("plain")
        exim = EximServer(exim_workspace, pki.server, sink.port, user=USER, password=PASSWORD,
                          refuse=refuse, implicit_tls=implicit_tls, chunking=chunking,
                          recipients_max=recipients_max)
        started.append(exim)
        exim.start(exim_binary)
        return exim, sink

    yield start
    for exim in started:
        exim.stop()


@pytest.fixture(scope="session")
def dovecot_workspace():
    """The directory of every Dovecot server of the session, removed when the session ends."""
    workspace = make_dovecot_workspace()
    yield workspace
    shutil.rmtree(workspace, ignore_errors=True)


@pytest.fixture
def start_dovecot(dovecot_workspace, pki, start_server) -> Callable[..., tuple[DovecotServer,
                                                                               TestSmtpServer]]:
    """Starts Dovecot's submission service (STARTTLS, the trusted "localhost" certificate)
    relaying to a recording server; both are stopped when the test ends.

    start_dovecot(mechanisms=[...], users={USER: PASSWORD}, extra_conf="") -> (dovecot, sink)
    """
    if find_dovecot() is None:
        pytest.fail("Dovecot's submission service not found: install it with "
                    f"`apt-get install -y {' '.join(DOVECOT_PACKAGES)}`", pytrace=False)
    started: list[DovecotServer] = []

    def start(*, mechanisms=("plain", "login"), users: Optional[dict[str, Optional[str]]] = None,
              extra_conf: str = "") -> tuple[DovecotServer, TestSmtpServer]:
        sink = start_server("plain")
        dovecot = DovecotServer(dovecot_workspace, pki.server, sink.port, mechanisms=mechanisms,
                                users={USER: PASSWORD} if users is None else users,
                                extra_conf=extra_conf)
        started.append(dovecot)
        dovecot.start()
        return dovecot, sink

    yield start
    for dovecot in started:
        dovecot.stop()
