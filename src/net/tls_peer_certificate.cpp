#include "net/tls_peer_certificate.hpp"

#include <arpa/inet.h>
#include <gnutls/x509.h>
#include <netinet/in.h>

#include <cstddef>
#include <span>

#include "common/error.hpp"
#include "net/gnutls_handles.hpp"

namespace smtpsend::net {
namespace {

std::string distinguished_name(gnutls_x509_crt_t certificate, bool issuer) {
  gnutls_datum_t datum{};
  int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(certificate, &datum, 0)
                  : gnutls_x509_crt_get_dn3(certificate, &datum, 0);
  if (rc < 0) {
    return "(unreadable)";
  }
  return take_datum(datum);
}

std::string ip_address_text(const std::string& raw) {
  char text[INET6_ADDRSTRLEN] = {};
  if (raw.size() == 4) {
    ::inet_ntop(AF_INET, raw.data(), text, sizeof text);
  } else if (raw.size() == 16) {
    ::inet_ntop(AF_INET6, raw.data(), text, sizeof text);
  } else {
    return "(malformed IP address)";
  }
  return text;
}

std::vector<std::string> alt_names(gnutls_x509_crt_t certificate) {
  // A certificate with more names than this is a shared-hosting bundle; listing them all would
  // drown the message they appear in.
  constexpr unsigned max_names_listed = 32;
  std::vector<std::string> names;
  for (unsigned index = 0; index < max_names_listed; ++index) {
    std::string buffer(256, '\0');
    std::size_t size = buffer.size();
    int type =
        gnutls_x509_crt_get_subject_alt_name(certificate, index, buffer.data(), &size, nullptr);
    if (type == GNUTLS_E_SHORT_MEMORY_BUFFER) {
      buffer.resize(size);
      type =
          gnutls_x509_crt_get_subject_alt_name(certificate, index, buffer.data(), &size, nullptr);
    }
    if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
      break;
    }
    if (type < 0) {
      continue;
    }
    buffer.resize(size);
    if (type == GNUTLS_SAN_DNSNAME) {
      // GnuTLS counts a terminating NUL for text types.
      if (!buffer.empty() && buffer.back() == '\0') {
        buffer.pop_back();
      }
      names.push_back(buffer);
    } else if (type == GNUTLS_SAN_IPADDRESS) {
      names.push_back(ip_address_text(buffer));
    }
  }
  return names;
}

PeerCertificate describe_certificate(gnutls_x509_crt_t certificate, bool with_fingerprints) {
  PeerCertificate facts;
  facts.subject = distinguished_name(certificate, false);
  facts.issuer = distinguished_name(certificate, true);
  facts.alt_names = alt_names(certificate);
  facts.not_before = gnutls_x509_crt_get_activation_time(certificate);
  facts.not_after = gnutls_x509_crt_get_expiration_time(certificate);
  if (with_fingerprints) {
    try {
      facts.fingerprints = fingerprints_of(certificate);
    } catch (const Failure&) {
      // The other facts still help; a message without fingerprints is better than none.
    }
  }
  return facts;
}

// The certificates the server sent, as GnuTLS holds them (DER, leaf first, valid while the
// session lives); empty when it sent none or they are not X.509.
std::span<const gnutls_datum_t> peer_chain_der(gnutls_session_t session) {
  if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS) != GNUTLS_CRT_X509) {
    return {};
  }
  unsigned count = 0;
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
  if (chain == nullptr) {
    return {};
  }
  return {chain, count};
}

// One certificate of the chain, parsed; null when GnuTLS cannot read it.
UniqueGnutlsCertificate import_der(const gnutls_datum_t& der) {
  gnutls_x509_crt_t raw = nullptr;
  if (gnutls_x509_crt_init(&raw) < 0) {
    return nullptr;
  }
  UniqueGnutlsCertificate certificate(raw);
  if (gnutls_x509_crt_import(certificate.get(), &der, GNUTLS_X509_FMT_DER) < 0) {
    return nullptr;
  }
  return certificate;
}

}  // namespace

UniqueGnutlsCertificate peer_leaf_certificate(gnutls_session_t session) {
  const std::span<const gnutls_datum_t> chain = peer_chain_der(session);
  return chain.empty() ? nullptr : import_der(chain.front());
}

std::optional<PeerCertificate> read_peer_certificate(gnutls_session_t session) {
  UniqueGnutlsCertificate certificate = peer_leaf_certificate(session);
  if (!certificate) {
    return std::nullopt;
  }
  return describe_certificate(certificate.get(), true);
}

std::vector<PeerCertificate> read_peer_chain(gnutls_session_t session) {
  std::vector<PeerCertificate> chain;
  const std::span<const gnutls_datum_t> der = peer_chain_der(session);
  for (std::size_t index = 0; index < der.size(); ++index) {
    const UniqueGnutlsCertificate certificate = import_der(der[index]);
    if (!certificate) {
      break;  // what follows an unreadable certificate is no chain we can show
    }
    chain.push_back(describe_certificate(certificate.get(), index == 0));
  }
  return chain;
}

std::string format_utc(std::time_t when) {
  std::tm parts{};
  if (::gmtime_r(&when, &parts) == nullptr) {
    return "(unknown time)";
  }
  char text[64] = {};
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

}  // namespace smtpsend::net
