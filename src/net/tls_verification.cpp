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
  // A revoked certificate is not cured by trusting anything: its issuer withdrew it.
  const bool revoked = (status & GNUTLS_CERT_REVOKED) != 0;
  std::string advice =
      revoked ? std::string(
                    "its issuer's revocation list (tls_crl_file) lists it; the server "
                    "needs a new certificate")
      : only_wrong_name
          ? std::string(
                "connect using a name the certificate lists, or use --tls-insecure to "
                "skip verification (unsafe)")
          : std::string(trust_advice);
  return fmt::format("the TLS certificate of {} is not trusted: {} (GnuTLS: {}); {}",
                     describe_host(expected_host), join(reasons, "; "),
                     verification_status_text(status), advice);
}

}  // namespace smtpsend::net
