#pragma once
// The errors the session reports, in one place so that their wording stays consistent: each says
// what failed, quotes the server's reply, and says what the user can do.

#include <optional>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {

// RFC 5321 §4.5.3.1.10: 552 "Requested mail action aborted: exceeded storage allocation"; to MAIL
// FROM it means the declared SIZE is over the server's limit (RFC 1870 §6.1).
inline constexpr int exceeded_storage = 552;

// The server refused `what` ("DATA", "the sender <a@b> (MAIL FROM)"): 4xx is temporary, 5xx
// permanent (unavailable).
Error refusal_error(const ServerReply& reply, std::string_view what);

// 421 (RFC 5321 §3.8): the server is shutting the connection down; always temporary.
Error closing_error(const ServerReply& reply, std::string_view activity);

// A reply arrived while no command was waiting for one.
Error unsolicited_reply_error(const ServerReply& reply, std::string_view activity);

// A reply code that the command cannot have (e.g. 354 to MAIL).
Error unexpected_reply_error(const ServerReply& reply, std::string_view command);

// 535, 534 or 530 to AUTH (RFC 4954 §6).
Error authentication_error(const ServerReply& reply, std::string_view user,
                           std::string_view mechanism);

// One or more recipients refused, so nothing was sent; temporary when every refusal was 4xx.
Error recipients_refused_error(const std::vector<RecipientResult>& recipients);

// A positive or intermediate reply that arrived while the message was being sent, before its
// final dot: a protocol error, after which the dot is never sent (so nothing is delivered).
// Without a reply: only the start of one had come in when the message was about to end.
Error early_reply_error(const std::optional<ServerReply>& reply);

// The reply to the final dot was a refusal: 4xx temporary, 552 (too big) data, other 5xx
// unavailable.
Error message_refused_error(const ServerReply& reply);

// 552 to MAIL FROM (RFC 1870 §6.1: the declared SIZE exceeds the server's limit) or to the final
// dot (RFC 5321 §4.5.3.1.10: exceeded storage allocation); `what` names the command refused.
Error message_too_large_error(const ServerReply& reply, std::string_view what);

// A reply to the final dot that is neither 250 nor a refusal (e.g. "221 closing"): the server
// did not confirm the message, and may or may not have delivered it.
Error unconfirmed_message_error(const ServerReply& reply);

// The connection broke after the final dot went out and before its reply came: the outcome is
// unknown (RFC 1047), never "not sent".
Error lost_before_confirmation_error(std::string_view what);

// The message was accepted for some recipients and refused for the others (partial delivery).
std::string partial_delivery_warning(const std::vector<RecipientResult>& recipients);

// Appended to any other error that ends the session while the reply to the final dot is awaited.
std::string_view unconfirmed_delivery_note();

}  // namespace smtpsend::smtp
