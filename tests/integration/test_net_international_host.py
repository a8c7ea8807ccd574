"""An international server name (--server): looked up, sent as SNI and checked against the
certificate as its A-label (RFC 5890, RFC 6066 §3, RFC 6125 §6.4.2).

No hosts file or DNS is needed: UTS #46 maps the full-width "ｌｏｃａｌｈｏｓｔ" to "localhost",
which the system resolves on its own and the test certificate names, so the name the program
looks up, sends as SNI and verifies can only be right if it was converted. A name under
.invalid (RFC 6761 §6.4) shows the two forms in the error.
"""

from support import assert_exit, connect_args, envelope_args

FULL_WIDTH_LOCALHOST = "ｌｏｃａｌｈｏｓｔ"


def test_a_full_width_name_reaches_the_server_as_its_ascii_form(smtpsend, start_server, pki):
    server = start_server("starttls")

    run = smtpsend.run(*connect_args(server, "starttls", host=FULL_WIDTH_LOCALHOST,
                                     trust_file=pki.ca.cert),
                       "--trace", *envelope_args())

    assert_exit(run, 0)
    assert "TLS server name (SNI): localhost" in run.stderr, run.describe()
    assert "TLS certificate verified for 'localhost'" in run.stderr, run.describe()
    [received] = server.messages
    assert received.in_tls


def test_an_unresolvable_international_name_is_named_in_both_forms(smtpsend):
    run = smtpsend.run("--server", "smtp.bücher.invalid", "--port", "2525", "--tls", "none",
                       *envelope_args())

    assert_exit(run, 68)
    assert "cannot resolve 'smtp.bücher.invalid' (smtp.xn--bcher-kva.invalid): " in run.stderr, (
        run.describe())


def test_a_name_idna_does_not_allow_is_a_configuration_error(smtpsend):
    # A ZERO WIDTH JOINER outside the context IDNA2008 allows it in (RFC 5892 appendix A.2).
    run = smtpsend.run("--server", "a\u200db.example", "--port", "2525", "--tls", "none",
                       *envelope_args())

    assert_exit(run, 78)
    assert "invalid international domain name 'a\u200db.example'" in run.stderr, run.describe()
    assert "check --server" in run.stderr, run.describe()
