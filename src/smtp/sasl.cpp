#include "smtp/sasl.hpp"

#include "smtp/sasl_gsasl.hpp"
#include "smtp/sasl_oauth.hpp"

namespace smtpsend::smtp {

bool sasl_mechanism_available(std::string_view name) {
  return is_oauth_mechanism(name) || gsasl_supports(name);
}

std::unique_ptr<SaslMechanism> make_sasl_mechanism(std::string_view name,
                                                   const SaslContext& context) {
  // GNU SASL has no XOAUTH2 or OAUTHBEARER; ours go first all the same, so that a GNU SASL that
  // grows one does not change what is sent.
  if (auto oauth = make_oauth_mechanism(name, context)) {
    return oauth;
  }
  return make_gsasl_mechanism(name, context);
}

}  // namespace smtpsend::smtp
