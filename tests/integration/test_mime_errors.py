"""Errors in what makes up a MIME message are found before any connection is made.

Each test starts a recording server and names it on the command line: the exit code alone could
hide a client that connected first and failed later, the server's connection count cannot.
"""

import pytest

from support import ERROR_PREFIX, RECIPIENT, SENDER, assert_exit, connect_args, make_png

EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66


@pytest.fixture
def server(start_server):
    return start_server("plain")


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "body.txt"
    path.write_text("Body.\n", encoding="utf-8")
    return path


def send(smtpsend, server, *args: str, sender: str = SENDER, recipient: str = RECIPIENT,
         subject: str | None = "Errors", body: bytes = b""):
    subject_args = ["-s", subject] if subject is not None else []
    return smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "-f", sender, "-t",
                        recipient, *subject_args, *args, body=body)


def assert_refused_before_connecting(run, server, expected_exit: int) -> None:
    assert_exit(run, expected_exit)
    assert server.connections == 0, (
        f"smtpsend connected before finding the error\n{run.describe()}")


@pytest.mark.parametrize("option", ["--attach", "--inline", "--html", "--text"])
def test_missing_file_is_no_input_and_nothing_is_sent(smtpsend, server, tmp_path, text_file,
                                                      option):
    missing = tmp_path / "no-such-file.png"
    html = tmp_path / "page.html"
    html.write_text('<img src="cid:no-such-file.png">\n', encoding="utf-8")
    content = {
        "--attach": ["--text", str(text_file), "--attach", str(missing)],
        "--inline": ["--html", str(html), "--inline", str(missing)],
        "--html": ["--text", str(text_file), "--html", str(missing)],
        "--text": ["--text", str(missing)],
    }[option]

    run = send(smtpsend, server, *content)

    assert_refused_before_connecting(run, server, EX_NOINPUT)
    assert "no-such-file.png" in run.stderr, f"the error does not name the file\n{run.describe()}"


def test_unreadable_attachment_is_no_input(smtpsend, server, tmp_path, text_file):
    # A directory cannot be read as a file, even by root (a chmod 000 file can).
    directory = tmp_path / "a-directory.bin"
    directory.mkdir()

    run = send(smtpsend, server, "--text", str(text_file), "--attach", str(directory))

    assert_refused_before_connecting(run, server, EX_NOINPUT)
    assert "a-directory.bin" in run.stderr, run.describe()


@pytest.mark.parametrize("line_break", ["\n", "\r", "\r\n"], ids=["LF", "CR", "CRLF"])
def test_header_with_a_line_break_is_a_data_error(smtpsend, server, text_file, line_break):
    # Header injection: the second line would become a header of its own (a hidden Bcc).
    header = f"X-Note: first line{line_break}Bcc: victim@example.test"

    run = send(smtpsend, server, "--text", str(text_file), "-H", header)

    assert_refused_before_connecting(run, server, EX_DATAERR)


@pytest.mark.parametrize("header", ["Bad Name: value", "X-Ümlaut: value"],
                         ids=["space-in-name", "non-ascii-name"])
def test_header_name_outside_rfc5322_is_a_data_error(smtpsend, server, text_file, header):
    # RFC 5322 §3.6.8: a field name is printable US-ASCII other than ":" and space.
    run = send(smtpsend, server, "--text", str(text_file), "-H", header)

    assert_refused_before_connecting(run, server, EX_DATAERR)


@pytest.mark.parametrize("argument", [": no name", "no colon at all"])
def test_header_argument_without_a_name_is_a_usage_error(smtpsend, server, text_file, argument):
    run = send(smtpsend, server, "--text", str(text_file), "-H", argument)

    assert_refused_before_connecting(run, server, EX_USAGE)


@pytest.mark.parametrize("header", ["Bcc: hidden@example.test",
                                    "Content-Type: text/html",
                                    "MIME-Version: 1.0"])
def test_header_the_writer_owns_is_a_data_error(smtpsend, server, text_file, header):
    run = send(smtpsend, server, "--text", str(text_file), "-H", header)

    assert_refused_before_connecting(run, server, EX_DATAERR)
    assert header.split(":")[0].lower() in run.stderr.lower(), run.describe()


@pytest.mark.parametrize("option,address", [
    ("-t", "not an address"),
    ("-t", "bob@@example.test"),
    ("-c", "carol@"),
    ("-b", "@example.test"),
    ("-r", "reply to nobody"),
    ("-f", "alice@exa mple.test"),
    ("-t", "Bob <bob@example.test"),
])
def test_invalid_address_is_a_data_error(smtpsend, server, text_file, option, address):
    args = ["--text", str(text_file)]
    if option == "-f":
        run = send(smtpsend, server, *args, sender=address)
    else:
        run = send(smtpsend, server, *args, option, address)

    assert_refused_before_connecting(run, server, EX_DATAERR)


def test_unresolved_content_id_warns_and_still_sends(smtpsend, server, tmp_path):
    html = tmp_path / "page.html"
    html.write_text('<p><img src="cid:logo.png"> <img src="cid:missing-chart-42"></p>\n',
                    encoding="utf-8")
    logo = tmp_path / "logo.png"
    logo.write_bytes(make_png(2, 2, seed=5))

    run = send(smtpsend, server, "--html", str(html), "--inline", str(logo))

    assert_exit(run, 0)
    assert "missing-chart-42" in run.stderr, f"no warning naming the ID\n{run.describe()}"
    assert "logo.png" not in run.stderr, f"a resolved ID was reported\n{run.describe()}"
    assert ERROR_PREFIX not in run.stderr, run.describe()
    assert len(server.messages) == 1


def test_bogus_media_type_is_refused_naming_the_type(smtpsend, server, tmp_path, text_file):
    attachment = tmp_path / "x"
    attachment.write_bytes(b"data")

    run = send(smtpsend, server, "--text", str(text_file), "--attach",
               f"{attachment},type=bogus")

    assert run.returncode in (EX_USAGE, EX_DATAERR), f"expected 64 or 65\n{run.describe()}"
    assert_refused_before_connecting(run, server, run.returncode)
    assert "bogus" in run.stderr, f"the error does not name the type\n{run.describe()}"


def test_message_with_composed_content_is_a_usage_error(smtpsend, server, tmp_path, text_file):
    prepared = tmp_path / "prepared.eml"
    prepared.write_bytes(b"Subject: x\n\nbody\n")

    run = send(smtpsend, server, "--message", str(prepared), "--text", str(text_file),
               subject=None)

    assert_refused_before_connecting(run, server, EX_USAGE)


def test_missing_prepared_message_is_no_input(smtpsend, server, tmp_path):
    run = send(smtpsend, server, "--message", str(tmp_path / "absent.eml"), subject=None)

    assert_refused_before_connecting(run, server, EX_NOINPUT)
    assert "absent.eml" in run.stderr, run.describe()
