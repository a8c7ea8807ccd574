#pragma once
// SMTP AUTH (RFC 4954) with the two mechanisms every submission server offers: PLAIN (RFC 4616)
// and LOGIN (draft-murchison-sasl-login). Only over TLS unless the user allowed otherwise; the
// session checks that before anything here produces a secret.

#include <string>
#include <string_view>
#include <vector>

#include "smtp/session.hpp"

namespace smtpsend::smtp {

enum class AuthMechanism { plain, login };

std::string_view mechanism_name(AuthMechanism mechanism);

// The mechanism to use: `configured` when the server offers it (else a Failure naming what the
// server offers), otherwise PLAIN, then LOGIN. A Failure when the server offers neither.
AuthMechanism choose_auth_mechanism(std::string_view configured,
                                    const std::vector<std::string>& offered);

// RFC 4616 §2: base64(authzid NUL authcid NUL passwd), with an empty authzid.
std::string plain_initial_response(const Credentials& credentials);

// What a LOGIN 334 challenge asks for. Servers send base64("Username:") and base64("Password:"),
// but the texts vary ("User Name", "VXNlcm5hbWU6" decoded), so anything else is `unknown` and the
// caller falls back to the order: user name first, then password.
enum class LoginPrompt { user, password, unknown };
LoginPrompt classify_login_challenge(std::string_view challenge_base64);

}  // namespace smtpsend::smtp
