#include "net/tls_facts.hpp"

#include <fmt/format.h>

#include "net/gnutls_handles.hpp"

namespace smtpsend::net {
namespace {

std::string name_or_empty(const char* name) {
  return name != nullptr ? name : "";
}

// The bytes GnuTLS gives for `type`, or nothing when it gives none for this session (RFC 9266
// §3: tls-exporter only where the master secret is unique to the session; tls-unique is not
// defined for TLS 1.3, RFC 8446 §C.5).
std::vector<unsigned char> channel_binding(gnutls_session_t session,
                                           gnutls_channel_binding_t type) {
  gnutls_datum_t data{};
  if (gnutls_session_channel_binding(session, type, &data) < 0) {
    return {};
  }
  std::string bytes = take_datum(data);
  return {bytes.begin(), bytes.end()};
}

void add_leaf_lines(const PeerCertificate& leaf, std::vector<std::string>& lines) {
  lines.push_back(fmt::format("TLS certificate subject: {}", leaf.subject));
  lines.push_back(fmt::format("TLS certificate issuer: {}", leaf.issuer));
  if (!leaf.alt_names.empty()) {
    lines.push_back(fmt::format("TLS certificate names: {}", fmt::join(leaf.alt_names, ", ")));
  }
  lines.push_back(fmt::format("TLS certificate valid from {} to {}", format_utc(leaf.not_before),
                              format_utc(leaf.not_after)));
  // Both, always: what a user copies into --tls-fingerprint.
  if (leaf.fingerprints) {
    lines.push_back(
        fmt::format("TLS certificate fingerprint: {}", format_pin(leaf.fingerprints->certificate)));
    lines.push_back(
        fmt::format("TLS public key fingerprint: {}", format_pin(leaf.fingerprints->public_key)));
  }
}

void add_verification_lines(const TlsVerification& verification, std::vector<std::string>& lines) {
  if (verification.basis == TrustBasis::pin) {
    lines.push_back(
        fmt::format("TLS certificate's {} matches --tls-fingerprint", describe(verification.pin)));
    lines.push_back(fmt::format(
        "TLS certificate trusted for '{}' by its pin alone (no CA, host name or dates checked)",
        verification.name));
    return;
  }
  if (!verification.insecure) {
    lines.push_back(fmt::format("TLS certificate verified for '{}' against {}", verification.name,
                                verification.trust_source));
    return;
  }
  // Say what verification would have found, so a user who reached for --tls-insecure learns
  // what the real problem is.
  if (!verification.checked) {
    lines.push_back(
        fmt::format("TLS certificate NOT verified (--tls-insecure): {}", verification.status_text));
    return;
  }
  lines.push_back(
      fmt::format("TLS certificate NOT verified (--tls-insecure); verification would have {}: {}",
                  verification.status == 0 ? "passed" : "failed", verification.status_text));
}

void add_client_certificate_lines(const TlsClientCertificate& client,
                                  std::vector<std::string>& lines) {
  if (client.sent) {
    lines.push_back(fmt::format("TLS client certificate sent: '{}' (the server asked for one)",
                                client.subject));
  } else if (client.requested) {
    lines.emplace_back(!client.subject.empty()
                           ? "the server asked for a TLS client certificate; ours was not sent: it "
                             "is not from a CA the server named"
                           : "the server asked for a TLS client certificate; none sent (see "
                             "--tls-cert)");
  } else if (!client.subject.empty()) {
    lines.emplace_back("TLS client certificate not sent: the server did not ask for one");
  }
}

}  // namespace

TlsFacts read_tls_facts(gnutls_session_t session) {
  TlsFacts facts;
  const gnutls_protocol_t version = gnutls_protocol_get_version(session);
  facts.protocol = name_or_empty(gnutls_protocol_get_name(version));
  facts.cipher = name_or_empty(gnutls_cipher_get_name(gnutls_cipher_get(session)));
  const gnutls_mac_algorithm_t mac = gnutls_mac_get(session);
  if (mac != GNUTLS_MAC_AEAD && mac != GNUTLS_MAC_NULL && mac != GNUTLS_MAC_UNKNOWN) {
    facts.mac = name_or_empty(gnutls_mac_get_name(mac));
  }
  if (const gnutls_group_t group = gnutls_group_get(session); group != GNUTLS_GROUP_INVALID) {
    facts.group = name_or_empty(gnutls_group_get_name(group));
  }
  if (char* description = gnutls_session_get_desc(session)) {
    facts.description = description;
    gnutls_free(description);
  }
  facts.chain = read_peer_chain(session);
  facts.resumed = gnutls_session_is_resumed(session) != 0;
  facts.channel_bindings.tls_exporter = channel_binding(session, GNUTLS_CB_TLS_EXPORTER);
  if (version != GNUTLS_TLS1_3) {
    facts.channel_bindings.tls_unique = channel_binding(session, GNUTLS_CB_TLS_UNIQUE);
  }
  return facts;
}

std::vector<std::string> tls_facts_lines(const TlsFacts& facts) {
  std::vector<std::string> lines;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(facts.handshake_duration);
  lines.push_back(fmt::format("TLS handshake done in {} ms: {}{}", took.count(),
                              facts.protocol.empty() ? "unknown version" : facts.protocol,
                              facts.resumed ? " (session resumed)" : ""));
  if (!facts.description.empty()) {
    lines.push_back(fmt::format("TLS cipher suite: {}", facts.description));
  }
  lines.push_back(fmt::format(
      "TLS cipher: {}{}; key exchange group: {}", facts.cipher.empty() ? "unknown" : facts.cipher,
      facts.mac.empty() ? "" : ", MAC " + facts.mac, facts.group.empty() ? "none" : facts.group));
  if (!facts.chain.empty()) {
    add_leaf_lines(facts.chain.front(), lines);
  }
  for (std::size_t index = 1; index < facts.chain.size(); ++index) {
    const PeerCertificate& certificate = facts.chain[index];
    lines.push_back(fmt::format("TLS chain certificate {}: {}, issued by {}, valid from {} to {}",
                                index, certificate.subject, certificate.issuer,
                                format_utc(certificate.not_before),
                                format_utc(certificate.not_after)));
  }
  add_verification_lines(facts.verification, lines);
  add_client_certificate_lines(facts.client_certificate, lines);
  // Which kinds only, never the bytes: they belong to authentication, and traces get pasted into
  // bug reports.
  std::vector<std::string> bindings;
  if (!facts.channel_bindings.tls_exporter.empty()) {
    bindings.emplace_back("tls-exporter");
  }
  if (!facts.channel_bindings.tls_unique.empty()) {
    bindings.emplace_back("tls-unique");
  }
  lines.push_back(bindings.empty() ? "TLS channel binding: none available"
                                   : fmt::format("TLS channel binding available: {}",
                                                 fmt::join(bindings, ", ")));
  return lines;
}

}  // namespace smtpsend::net
