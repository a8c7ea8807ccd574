"""Options that send nothing: --dry-run, --version, --help, and usage errors."""

from support import (RECIPIENT, SENDER, all_defects, assert_exit, connect_args, envelope_args,
                     parse_message, text_body)


def test_dry_run_prints_a_well_formed_message_and_connects_nowhere(smtpsend, start_server):
    server = start_server("plain")
    body = "Dry run body.\n.with a dot line\n"

    run = smtpsend.run(*connect_args(server, "none", host="127.0.0.1"), "--dry-run",
                       *envelope_args(RECIPIENT, subject="Dry run"), body=body)

    assert_exit(run, 0)
    assert server.connections == 0, "--dry-run must not connect"
    message = parse_message(run.stdout)
    assert all_defects(message) == [], run.stdout.decode(errors="replace")
    assert SENDER in str(message["From"]) and RECIPIENT in str(message["To"])
    assert str(message["Subject"]) == "Dry run"
    assert message["Date"] is not None and message["Message-ID"] is not None
    assert text_body(message) == body


def test_version_exits_zero(smtpsend):
    run = smtpsend.run("--version", body=b"")

    assert_exit(run, 0)
    assert b"smtpsend" in run.stdout, run.describe()


def test_help_exits_zero_and_lists_the_main_options(smtpsend):
    run = smtpsend.run("--help", body=b"")

    assert_exit(run, 0)
    for option in (b"--server", b"--tls", b"--user", b"--dry-run"):
        assert option in run.stdout, f"{option!r} missing from --help\n{run.describe()}"


def test_unknown_option_is_a_usage_error(smtpsend):
    run = smtpsend.run("--no-such-option", *envelope_args())

    assert_exit(run, 64)


def test_invalid_tls_mode_is_a_usage_error(smtpsend):
    run = smtpsend.run("--server", "localhost", "--tls", "sometimes", *envelope_args())

    assert_exit(run, 64)


def test_missing_text_file_is_no_input(smtpsend, tmp_path):
    run = smtpsend.run("--server", "localhost", "--tls", "none", *envelope_args(), "--text",
                       str(tmp_path / "does-not-exist.txt"), body=b"")

    assert_exit(run, 66)
