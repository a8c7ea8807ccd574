"""What native mode writes from names the user gives: file names without their directories, and
content IDs and file names that cannot push a header line past RFC 5322's 998 octets."""

import pytest

from support import ERROR_PREFIX, RECIPIENT, SENDER, assert_exit, dry_run_args, parse_message

EX_USAGE = 64
# RFC 5322 §2.1.1.
MAXIMUM_LINE_OCTETS = 998


def dry_run(smtpsend, *args: str):
    return smtpsend.run(*dry_run_args(), "-f", SENDER, "-t", RECIPIENT, "-s", "Names", *args,
                        body=b"Body.\n")


@pytest.fixture
def attachment(tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n")
    return path


@pytest.mark.parametrize("name, shown", [
    ("../../.bashrc", ".bashrc"),
    ("/etc/cron.d/x", "x"),
    ("..\\..\\x.exe", "x.exe"),
])
def test_name_keeps_only_its_base_name(smtpsend, attachment, name, shown):
    run = dry_run(smtpsend, "-a", f"{attachment},name={name}")
    assert_exit(run, 0)
    message = parse_message(run.stdout)
    [part] = list(message.iter_attachments())
    assert part.get_filename() == shown, run.describe()
    assert part.get_param("name") == shown, run.describe()
    assert b"/" not in part["Content-Disposition"].encode(), run.describe()
    assert b"\\" not in part["Content-Disposition"].encode(), run.describe()


def test_file_whose_own_name_has_backslashes_is_shown_by_its_last_component(smtpsend, tmp_path):
    path = tmp_path / "..\\..\\x.exe"
    path.write_bytes(b"MZ")
    run = dry_run(smtpsend, "-a", str(path))
    assert_exit(run, 0)
    [part] = list(parse_message(run.stdout).iter_attachments())
    assert part.get_filename() == "x.exe", run.describe()


@pytest.mark.parametrize("name", ["..", "/", "..\\"])
def test_name_that_is_only_directories_is_refused(smtpsend, attachment, name):
    run = dry_run(smtpsend, "-a", f"{attachment},name={name}")
    assert_exit(run, EX_USAGE)
    assert run.stderr.startswith(ERROR_PREFIX + "-a/--attach: name="), run.describe()
    assert run.stdout == b"", run.describe()


def test_content_id_too_long_for_its_header_line_is_refused(smtpsend, tmp_path):
    image = tmp_path / "logo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    html = tmp_path / "page.html"
    long_id = "x" * 5000
    html.write_text(f'<img src="cid:{long_id}">\n', encoding="utf-8")
    run = dry_run(smtpsend, "--html", str(html), "--inline", f"{image},cid={long_id}")
    assert_exit(run, EX_USAGE)
    assert "--inline" in run.stderr and "984" in run.stderr, run.describe()
    assert run.stdout == b"", run.describe()


def test_longest_content_id_that_fits_is_sent_within_the_line_limit(smtpsend, tmp_path):
    image = tmp_path / "logo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    html = tmp_path / "page.html"
    long_id = "x" * 984
    html.write_text(f'<img src="cid:{long_id}">\n', encoding="utf-8")
    run = dry_run(smtpsend, "--html", str(html), "--inline", f"{image},cid={long_id}",
                  "-a", f"{image},name={'é' * 3000}.png")
    assert_exit(run, 0)
    for line in run.stdout.split(b"\r\n"):
        assert len(line) <= MAXIMUM_LINE_OCTETS, f"a line of {len(line)} octets"
