#pragma once
// The errors the session reports, in one place so that their wording stays consistent: each says
// what failed, quotes the server's reply, and says what the user can do.

#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "smtp/session.hpp"

namespace smtpsend::smtp {

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

// The reply to the final dot was not 250: 4xx temporary, 552 (too big) data, other 5xx
// unavailable.
Error message_refused_error(const ServerReply& reply);

}  // namespace smtpsend::smtp
