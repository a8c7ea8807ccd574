#include "smtp/sasl.hpp"

#include "smtp/sasl_gsasl.hpp"

namespace smtpsend::smtp {

bool sasl_mechanism_available(std::string_view name) {
  return gsasl_supports(name);
}

std::unique_ptr<SaslMechanism> make_sasl_mechanism(std::string_view name,
                                                   const SaslContext& context) {
  return make_gsasl_mechanism(name, context);
}

}  // namespace smtpsend::smtp
