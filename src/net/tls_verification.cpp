#include "net/tls_verification.hpp"

#include <fmt/format.h>
#include <gnutls/gnutls.h>

#include <vector>

#include "net/gnutls_handles.hpp"
#include "net/resolver.hpp"

namespace smtpsend::net {
namespace {

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!joined.empty()) {
      joined += separator;
    }
    joined += part;
  }
  return joined;
}

std::string describe_owner(const PeerCertificate& certificate) {
  if (certificate.alt_names.empty()) {
    return fmt::format("'{}'", certificate.subject);
  }
  return fmt::format("'{}' (names: {})", certificate.subject, join(certificate.alt_names, ", "));
}

std::vector<std::string> reasons_for(unsigned status, std::string_view expected_host,
                                     const std::optional<PeerCertificate>& certificate,
                                     std::string_view trust_source, bool trust_store_empty) {
  std::vector<std::string> reasons;
  if ((status & GNUTLS_CERT_SIGNER_NOT_FOUND) != 0) {
    std::string why = trust_store_empty ? " (it holds no certificates; is the ca-certificates "
                                          "package installed?)"
                                        : "";
    if (certificate && certificate->issuer == certificate->subject) {
      reasons.push_back(fmt::format("the certificate is self-signed ('{}') and not in {}{}",
                                    certificate->subject, trust_source, why));
    } else if (certificate) {
      reasons.push_back(fmt::format("its issuer '{}' is not trusted by {}{}", certificate->issuer,
                                    trust_source, why));
    } else {
      reasons.push_back(fmt::format("its issuer is not trusted by {}{}", trust_source, why));
    }
  }
  if ((status & GNUTLS_CERT_SIGNER_NOT_CA) != 0) {
    reasons.push_back("it was signed by a certificate that is not a CA");
  }
  if ((status & GNUTLS_CERT_UNEXPECTED_OWNER) != 0) {
    reasons.push_back(certificate
                          ? fmt::format("it is for {}, not for {}", describe_owner(*certificate),
                                        describe_host(expected_host))
                          : fmt::format("it is not for {}", describe_host(expected_host)));
  }
  if ((status & GNUTLS_CERT_EXPIRED) != 0) {
    reasons.push_back(certificate
                          ? fmt::format("it expired on {}", format_utc(certificate->not_after))
                          : std::string("it has expired"));
  }
  if ((status & GNUTLS_CERT_NOT_ACTIVATED) != 0) {
    reasons.push_back(
        certificate ? fmt::format("it is not valid before {}", format_utc(certificate->not_before))
                    : std::string("it is not valid yet"));
  }
  if ((status & GNUTLS_CERT_REVOKED) != 0) {
    reasons.push_back("it has been revoked");
  }
  if ((status & GNUTLS_CERT_INSECURE_ALGORITHM) != 0) {
    reasons.push_back("it is signed with an insecure algorithm");
  }
  if ((status & GNUTLS_CERT_SIGNATURE_FAILURE) != 0) {
    reasons.push_back("its signature does not verify");
  }
  if ((status & GNUTLS_CERT_PURPOSE_MISMATCH) != 0) {
    reasons.push_back("it is not meant for TLS servers");
  }
  if (reasons.empty()) {
    reasons.push_back("it is not trusted");
  }
  return reasons;
}

}  // namespace

std::string verification_status_text(unsigned status) {
  gnutls_datum_t text{};
  if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) < 0) {
    return fmt::format("status 0x{:x}", status);
  }
  std::string printed = take_datum(text);
  // GnuTLS ends each sentence with a space, the last one included.
  while (!printed.empty() && (printed.back() == ' ' || printed.back() == '\0')) {
    printed.pop_back();
  }
  return printed;
}

std::string verification_failure_message(unsigned status, std::string_view expected_host,
                                         const std::optional<PeerCertificate>& certificate,
                                         std::string_view trust_source, bool trust_store_empty) {
  std::vector<std::string> reasons =
      reasons_for(status, expected_host, certificate, trust_source, trust_store_empty);
  // A name mismatch alone is not cured by trusting another CA: the server must be reached by a
  // name its certificate lists.
  bool only_wrong_name = status == (GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER) ||
                         status == GNUTLS_CERT_UNEXPECTED_OWNER;
  std::string advice =
      only_wrong_name ? std::string(
                            "connect using a name the certificate lists, or use --tls-insecure to "
                            "skip verification (unsafe)")
                      : std::string(trust_advice);
  return fmt::format("the TLS certificate of {} is not trusted: {} (GnuTLS: {}); {}",
                     describe_host(expected_host), join(reasons, "; "),
                     verification_status_text(status), advice);
}

unsigned pinned_certificate_status(unsigned ca_status, gnutls_x509_crt_t leaf,
                                   const std::string& expected_host, std::time_t now) {
  // What a pin vouches for instead of a CA. The dates are among them because GnuTLS reports them
  // for the whole chain; the leaf's own dates are checked again below.
  constexpr unsigned waived_by_pin =
      GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA |
      GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE | GNUTLS_CERT_INSECURE_ALGORITHM |
      GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED;
  unsigned status = ca_status & ~waived_by_pin;
  // RFC 6125 §6: the name is checked whatever vouches for the certificate; an IP literal is
  // matched against the certificate's iPAddress entries.
  if (gnutls_x509_crt_check_hostname2(leaf, expected_host.c_str(), 0) == 0) {
    status |= GNUTLS_CERT_UNEXPECTED_OWNER;
  }
  // RFC 5280 §4.1.2.5: the validity period, checked like GnuTLS does, at the current time.
  if (now < gnutls_x509_crt_get_activation_time(leaf)) {
    status |= GNUTLS_CERT_NOT_ACTIVATED;
  }
  if (now > gnutls_x509_crt_get_expiration_time(leaf)) {
    status |= GNUTLS_CERT_EXPIRED;
  }
  if (status != 0) {
    status |= GNUTLS_CERT_INVALID;
  }
  return status;
}

std::string pinned_verification_failure_message(unsigned status, std::string_view expected_host,
                                                const std::optional<PeerCertificate>& certificate) {
  // The trust source plays no part once a pin matched; reasons_for() only uses it for issuers.
  std::vector<std::string> reasons =
      reasons_for(status, expected_host, certificate, "the pinned fingerprints", false);
  bool wrong_name = (status & GNUTLS_CERT_UNEXPECTED_OWNER) != 0;
  std::string_view fix = wrong_name ? "connect using a name the certificate lists"
                                    : "ask the server's administrator to renew it";
  return fmt::format(
      "the TLS certificate of '{}' matches the pin given with --tls-fingerprint but is not "
      "valid: {} (GnuTLS: {}); {}, or use --tls-insecure to skip the name and date checks (the "
      "pin is still checked)",
      expected_host, join(reasons, "; "), verification_status_text(status), fix);
}

}  // namespace smtpsend::net
