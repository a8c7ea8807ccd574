"""The full MIME message through a real MTA (Exim), then unpacked by Debian's MIME unpackers:
munpack (package mpack) and ripMIME (package ripmime). Every file they write must be
byte-identical to what was attached, the non-ASCII named one included.

CI installs the tools (packages.txt); a missing tool is a failure naming its package, not a skip.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from exim_server import EximServer
from smtp_server import TestSmtpServer
from support import (MESSAGE_WAIT_SECONDS, PASSWORD, RECIPIENT, SENDER,
                     SUBPROCESS_TIMEOUT_SECONDS, USER, Smtpsend, assert_exit, assert_no_defects,
                     assert_wire_format, mime_tree, parse_message, require_exim)
from test_exim_interop import exim_args
from test_mime_message import FULL_TREE, addressing_args

UNPACKERS = {
    # tool: (Debian package, argv writing every part of MESSAGE into DIRECTORY)
    "munpack": ("mpack", lambda message, directory: ["munpack", "-q", "-t", "-C",
                                                     str(directory), str(message)]),
    "ripmime": ("ripmime", lambda message, directory: ["ripmime", "-i", str(message), "-d",
                                                       str(directory), "--no-paranoid"]),
}


@pytest.fixture(scope="module")
def relayed_message(exim_workspace, pki, mime_files, smtpsend_binary, tmp_path_factory):
    """The full message as the recording server behind Exim received it: sent once, through
    Exim with STARTTLS and AUTH like test_exim_interop.py, and shared by the tests below."""
    exim_binary = require_exim()
    base = tmp_path_factory.mktemp("mime-interop")
    sink = TestSmtpServer("plain", base / "sink")
    sink.start()
    exim = EximServer(exim_workspace, pki.server, sink.port, user=USER, password=PASSWORD)
    try:
        exim.start(exim_binary)
        smtpsend = Smtpsend(smtpsend_binary, base / "home")
        run = smtpsend.run(*exim_args(exim, pki), *addressing_args(),
                           *mime_files.content_args(), body=b"",
                           env={"SMTPSEND_PASSWORD": PASSWORD})
        assert_exit(run, 0)
        try:
            [received] = sink.wait_for_messages(1, MESSAGE_WAIT_SECONDS)
        except TimeoutError as error:
            pytest.fail(f"{error}\n{run.describe()}\n{exim.logs()}")
        assert received.mail_from == SENDER and RECIPIENT in received.rcpt_tos
        yield received.raw
    finally:
        exim.stop()
        sink.stop()


def test_exim_relays_the_full_message_intact(relayed_message):
    assert_wire_format(relayed_message)
    message = parse_message(relayed_message)
    assert_no_defects(message)
    assert mime_tree(message) == FULL_TREE
    assert "esmtpsa" in str(message["Received"]), "Exim did not record an authenticated submission"


@pytest.mark.parametrize("tool", sorted(UNPACKERS))
def test_unpacked_files_equal_the_originals(relayed_message, mime_files, tmp_path, tool):
    package, argv = UNPACKERS[tool]
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} not found: install it with `apt-get install -y {package}`",
                    pytrace=False)
    message_file = tmp_path / "message.eml"
    message_file.write_bytes(relayed_message)
    output = tmp_path / "out"
    output.mkdir()

    completed = subprocess.run(argv(message_file, output), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=SUBPROCESS_TIMEOUT_SECONDS,
                               check=False)

    listing = "\n".join(f"{p.relative_to(output)} ({p.stat().st_size} octets)"
                        for p in sorted(output.rglob("*")) if p.is_file())
    report = (f"{tool} exited {completed.returncode}:\n"
              f"{completed.stdout.decode(errors='replace')}\nfiles written:\n{listing}")
    assert completed.returncode == 0, report
    written = {path: path.read_bytes() for path in output.rglob("*") if path.is_file()}
    for sent in [*mime_files.inline, *mime_files.attachments]:
        matches = [path for path, data in written.items() if data == sent.data]
        assert matches, (f"no file {tool} wrote equals {sent.name} ({len(sent.data)} octets)\n"
                         f"{report}")
    # The ASCII names must survive as they are; the non-ASCII one is checked by content above,
    # since the tools spell such names in their own ways.
    names = {Path(path).name for path in written}
    for sent in mime_files.attachments:
        if sent.name.isascii():
            assert sent.name in names, f"{tool} wrote no file named {sent.name}\n{report}"
