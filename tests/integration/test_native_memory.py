"""A native text body is held once: peak memory is about the body's size plus a constant, whether
it comes from a pipe, a redirected file or --text, and whether it is sent as 7bit or
quoted-printable. Measured with /usr/bin/time -v (Debian's `time`), on --dry-run to /dev/null."""

import re
import subprocess
from pathlib import Path

import pytest

from support import RECIPIENT, SENDER, SUBPROCESS_TIMEOUT_SECONDS, dry_run_args

BODY_OCTETS = 50 * 1024 * 1024
# The program itself (libraries, GnuTLS, buffers) with a body of a few octets is under 10 MB.
CONSTANT_KIB = 24 * 1024
TIME = Path("/usr/bin/time")


def write_body(path: Path, line: str) -> None:
    encoded = line.encode("utf-8")
    path.write_bytes(encoded * (BODY_OCTETS // len(encoded)))


@pytest.fixture(scope="module")
def bodies(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("memory")
    lines = {"7bit": "The quick brown fox jumps over the lazy dog.\n",
             "quoted-printable": "Grüße aus Köln — mit Umlauten und einem langen Satz.\n"}
    paths = {}
    for encoding, line in lines.items():
        paths[encoding] = directory / f"{encoding}.txt"
        write_body(paths[encoding], line)
    return paths


def peak_kib(smtpsend, how: str, body: Path) -> int:
    assert TIME.exists(), "install Debian's `time` package (/usr/bin/time)"
    args = [str(TIME), "-v", str(smtpsend.binary), *dry_run_args(), "-f", SENDER, "-t",
            RECIPIENT, "-s", "Memory"]
    feeder = None
    with open(body, "rb") as file:
        if how == "--text":
            stdin, args = subprocess.DEVNULL, [*args, "--text", str(body)]
        elif how == "file on stdin":
            stdin = file
        else:
            # Another process writes the pipe while the program reads it: no size known.
            feeder = subprocess.Popen(["cat", str(body)], stdout=subprocess.PIPE)
            stdin = feeder.stdout
        process = subprocess.Popen(args, stdin=stdin, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=smtpsend.environment())
        if feeder is not None:
            feeder.stdout.close()
        _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT_SECONDS)
        if feeder is not None:
            feeder.wait(timeout=SUBPROCESS_TIMEOUT_SECONDS)
    text = stderr.decode(errors="replace")
    assert process.returncode == 0, text
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    assert match, text
    return int(match.group(1))


# How the body is read does not depend on its encoding, nor encoding on how it was read.
@pytest.mark.measures_memory
@pytest.mark.parametrize("encoding, how", [("7bit", "pipe"), ("7bit", "file on stdin"),
                                           ("7bit", "--text"), ("quoted-printable", "pipe")])
def test_text_body_is_held_once(smtpsend, bodies, encoding, how):
    body = bodies[encoding]
    peak = peak_kib(smtpsend, how, body)
    limit = body.stat().st_size * 3 // 2 // 1024 + CONSTANT_KIB
    assert peak < limit, (f"peak resident memory {peak} KiB for a {encoding} body of "
                          f"{body.stat().st_size // 1024} KiB ({how}); the limit is {limit} KiB")
