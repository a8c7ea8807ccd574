#include "smtp/base64.hpp"

#include <gnutls/gnutls.h>

#include <limits>

#include "common/error.hpp"

namespace smtpsend::smtp {
namespace {

// Takes ownership of a datum GnuTLS allocated, wiping it on release since it may hold a secret.
std::string take_datum(gnutls_datum_t& datum) {
  std::string result(reinterpret_cast<const char*>(datum.data), datum.size);
  if (datum.data != nullptr) {
    gnutls_memset(datum.data, 0, datum.size);
    gnutls_free(datum.data);
  }
  datum.size = 0;
  return result;
}

gnutls_datum_t view_as_datum(std::string_view data) {
  if (data.size() > std::numeric_limits<unsigned int>::max()) {
    throw Failure(ErrorKind::internal, "base64 input too large");
  }
  // GnuTLS only reads the input; the cast is needed because gnutls_datum_t is not const.
  return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(data.data())),
                        static_cast<unsigned int>(data.size())};
}

}  // namespace

std::string base64_encode(std::string_view data) {
  if (data.empty()) {
    return {};
  }
  const gnutls_datum_t input = view_as_datum(data);
  gnutls_datum_t output{};
  if (const int rc = gnutls_base64_encode2(&input, &output); rc < 0) {
    throw Failure(ErrorKind::internal,
                  std::string("base64 encoding failed: ") + gnutls_strerror(rc));
  }
  return take_datum(output);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty()) {
    return std::string{};
  }
  const gnutls_datum_t input = view_as_datum(text);
  gnutls_datum_t output{};
  if (gnutls_base64_decode2(&input, &output) < 0) {
    return std::nullopt;
  }
  return take_datum(output);
}

}  // namespace smtpsend::smtp
