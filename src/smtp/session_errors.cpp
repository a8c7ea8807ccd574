#include "smtp/session_errors.hpp"

#include <fmt/format.h>

#include <cstddef>

#include "common/auth_mechanisms.hpp"
#include "smtp/reply.hpp"

namespace smtpsend::smtp {
namespace {

bool transient(const ServerReply& reply) {
  return reply.code / 100 == 4;
}

// The refused recipients an error names one by one; the rest are counted. Enough to see what
// went wrong; the trace (--trace) lists every recipient with its reply.
constexpr std::size_t max_listed_refusals = 50;

}  // namespace

Error refusal_error(const ServerReply& reply, std::string_view what) {
  if (transient(reply)) {
    return Error{ErrorKind::temporary,
                 fmt::format("the server temporarily refused {}: {}; try again later", what,
                             describe(reply)),
                 reply};
  }
  return Error{ErrorKind::unavailable,
               fmt::format("the server refused {}: {}", what, describe(reply)), reply};
}

Error closing_error(const ServerReply& reply, std::string_view activity) {
  return Error{ErrorKind::temporary,
               fmt::format("the server is closing the connection (while {}): {}; try again later",
                           activity, describe(reply)),
               reply};
}

Error unsolicited_reply_error(const ServerReply& reply, std::string_view activity) {
  return Error{ErrorKind::protocol,
               fmt::format("the server sent a reply when none was expected (while {}): {}",
                           activity, describe(reply)),
               reply};
}

Error unexpected_reply_error(const ServerReply& reply, std::string_view command) {
  return Error{
      ErrorKind::protocol,
      fmt::format("the server sent a reply that {} cannot have: {}", command, describe(reply)),
      reply};
}

Error authentication_error(const ServerReply& reply, std::string_view user,
                           std::string_view mechanism) {
  // What to check depends on what the mechanism proved us with.
  std::string_view check;
  switch (auth_credential(mechanism)) {
    case AuthCredential::password:
      check = "the user name and password";
      break;
    case AuthCredential::oauth_token:
      check = "the user name and the OAuth 2.0 access token (and the scope it was issued for)";
      break;
    case AuthCredential::kerberos_ticket:
      check = "the Kerberos ticket (klist) and the server's service principal";
      break;
    case AuthCredential::client_certificate:
      check = "the client certificate (--tls-cert) and whom the server maps it to";
      break;
  }
  return Error{ErrorKind::permission,
               fmt::format("authentication failed for user '{}' (AUTH {}): {}; check {}", user,
                           mechanism, describe(reply), check),
               reply};
}

Error recipients_refused_error(const std::vector<RecipientResult>& recipients) {
  std::size_t refused = 0;
  bool all_transient = true;
  const ServerReply* first_refusal = nullptr;
  std::string details;
  for (const auto& recipient : recipients) {
    if (recipient.accepted) {
      continue;
    }
    ++refused;
    all_transient = all_transient && transient(recipient.reply);
    if (first_refusal == nullptr) {
      first_refusal = &recipient.reply;
    }
    if (refused <= max_listed_refusals) {
      details += fmt::format("\n  <{}>: {}", recipient.address, describe(recipient.reply));
    }
  }
  if (refused > max_listed_refusals) {
    details += fmt::format("\n  ... and {} more", refused - max_listed_refusals);
  }
  Error error;
  error.kind = all_transient ? ErrorKind::temporary : ErrorKind::recipient_refused;
  error.message =
      fmt::format("the server refused {} of {} recipients, so no message was sent to anyone:{}",
                  refused, recipients.size(), details);
  if (all_transient) {
    error.message += "\nthe refusals are temporary; try again later";
  }
  if (first_refusal != nullptr) {
    error.reply = *first_refusal;
  }
  return error;
}

std::string partial_delivery_warning(const std::vector<RecipientResult>& recipients) {
  std::size_t refused = 0;
  std::string details;
  for (const auto& recipient : recipients) {
    if (recipient.accepted) {
      continue;
    }
    if (++refused <= max_listed_refusals) {
      details += fmt::format("\n  <{}>: {}", recipient.address, describe(recipient.reply));
    }
  }
  if (refused > max_listed_refusals) {
    details += fmt::format("\n  ... and {} more", refused - max_listed_refusals);
  }
  return fmt::format(
      "the server refused {} of {} recipients; the message was delivered to the "
      "others (partial delivery), not to these:{}",
      refused, recipients.size(), details);
}

Error early_reply_error(const std::optional<ServerReply>& reply) {
  const std::string what = reply ? describe(*reply) : "(the start of a reply)";
  return Error{ErrorKind::protocol,
               fmt::format("the server replied before the end of the message was sent: {}; "
                           "only a reply to the end of the message can accept it, so the "
                           "connection was closed without ending the message and the message "
                           "was not sent. The server does not follow RFC 5321; report this to "
                           "its administrator",
                           what),
               reply};
}

Error message_refused_error(const ServerReply& reply) {
  if (transient(reply)) {
    return Error{ErrorKind::temporary,
                 fmt::format("the server temporarily refused the message after receiving it: "
                             "{}; try again later",
                             describe(reply)),
                 reply};
  }
  if (reply.code == exceeded_storage) {
    return message_too_large_error(reply, "the end of the message");
  }
  return Error{ErrorKind::unavailable,
               fmt::format("the server refused the message: {}", describe(reply)), reply};
}

Error message_too_large_error(const ServerReply& reply, std::string_view what) {
  return Error{ErrorKind::data,
               fmt::format("the server says the message is too large (it refused {}): {}; the "
                           "message was not delivered. Make the message (or its attachments) "
                           "smaller",
                           what, describe(reply)),
               reply};
}

Error unconfirmed_message_error(const ServerReply& reply) {
  return Error{ErrorKind::protocol,
               fmt::format("the server did not confirm the message with 250 but replied {}; the "
                           "message may or may not have been delivered — check before sending "
                           "it again",
                           describe(reply)),
               reply};
}

Error lost_before_confirmation_error(std::string_view what) {
  // Temporary, as for any failure to get the reply; but the message must not simply be sent
  // again, hence the plain words (RFC 1047).
  return Error{ErrorKind::temporary,
               fmt::format("delivery state unknown: the whole message was sent, but no reply to "
                           "it came ({}); it may have been delivered — check before sending it "
                           "again",
                           what),
               std::nullopt};
}

std::string_view unconfirmed_delivery_note() {
  return "; delivery state unknown: this happened after the message was sent, before the server "
         "confirmed it, so it may have been delivered — check before sending it again";
}

}  // namespace smtpsend::smtp
