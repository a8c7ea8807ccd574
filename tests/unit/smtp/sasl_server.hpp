#pragma once
// An SMTP server with a real SASL server side (GNU SASL's), as a transport for the one driver
// loop: it answers whatever the client writes, so the mechanisms whose messages carry random
// nonces (SCRAM, DIGEST-MD5) run their whole exchange in a unit test, fed whole and one byte at a
// time. The integration tests check the same mechanisms against Dovecot's own SASL code; this
// one lets the dialog tests tamper with the server's side (a wrong SCRAM signature, a channel
// binding that differs, an iteration count out of bounds, a reply that quotes the payload).

#include <gsasl.h>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/base64.hpp"
#include "net/tls_facts.hpp"
#include "net/transport.hpp"

namespace smtpsend::smtp::testing {

struct SaslServerOptions {
  std::string offered = "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256";
  std::string password = "s3cret-pa55";  // the one the server knows for every user
  bool implicit_tls = true;              // the connection is TLS from the start
  std::string client_binding;  // tls-unique octets the client's TLS layer reports; "" none
  std::string server_binding;  // what the server's side of the connection sees; "" = same
  std::string scram_iterations = "4096";
  // Changes the server's last SASL message (SCRAM's "v=..."), as a server that does not know
  // the password, or a man in the middle, would send it.
  std::function<void(std::string&)> tamper_final;
  // Changes the server's first challenge (SCRAM's "r=...,s=...,i=...").
  std::function<void(std::string&)> tamper_first;
  bool echo_payload_in_refusal = false;  // 535 quoting the client's last payload, decoded too
  bool skip_final = false;  // 235 at once, without the server's last message (SCRAM's v=)
};

class SaslServer final : public net::Transport {
 public:
  explicit SaslServer(SaslServerOptions options) : options_(std::move(options)) {
    if (gsasl_init(&context_) != GSASL_OK) {
      throw std::runtime_error("gsasl_init failed");
    }
    gsasl_callback_hook_set(context_, this);
    gsasl_callback_set(context_, &SaslServer::callback);
    pending_ = "220 mx.example.net ESMTP\r\n";
    if (!options_.client_binding.empty()) {
      facts_.protocol = "TLS1.2";
      facts_.channel_bindings.tls_unique.assign(options_.client_binding.begin(),
                                                options_.client_binding.end());
    }
  }
  ~SaslServer() override {
    if (session_ != nullptr) {
      gsasl_finish(session_);
    }
    gsasl_done(context_);
  }
  SaslServer(const SaslServer&) = delete;
  SaslServer& operator=(const SaslServer&) = delete;
  SaslServer(SaslServer&&) = delete;
  SaslServer& operator=(SaslServer&&) = delete;

  void write(std::string_view bytes) override {
    received_ += bytes;
    for (std::size_t end = received_.find("\r\n"); end != std::string::npos;
         end = received_.find("\r\n")) {
      const std::string line = received_.substr(0, end);
      received_.erase(0, end + 2);
      handle(line);
    }
  }
  void write(std::string_view bytes, std::chrono::milliseconds /*limit*/) override { write(bytes); }
  std::size_t read(char* buffer, std::size_t size) override {
    return read(buffer, size, std::chrono::minutes(5));
  }
  std::size_t read(char* buffer, std::size_t size, std::chrono::milliseconds limit) override {
    if (pending_.empty() && limit.count() == 0) {
      throw Failure(ErrorKind::temporary, "nothing has arrived yet");
    }
    const std::size_t n = std::min(size, pending_.size());
    pending_.copy(buffer, n);
    pending_.erase(0, n);
    return n;  // 0: the server closed
  }
  void start_tls() override {}
  bool tls_active() const override { return options_.implicit_tls; }
  const net::TlsFacts* tls_facts() const override {
    return options_.implicit_tls ? &facts_ : nullptr;
  }
  void close() override { closed_ = true; }

  // What the client sent, one line each, payloads as sent (base64).
  const std::vector<std::string>& client_lines() const { return client_lines_; }
  // The mechanism the client asked for, and whether the server's side completed.
  const std::string& mechanism() const { return mechanism_; }
  bool authenticated() const { return authenticated_; }
  int messages_received() const { return messages_; }
  // What the server side saw as the client's gs2 channel-binding flag ("p=tls-unique", "y", "n").
  const std::string& first_client_message() const { return first_client_message_; }

 private:
  static int callback(Gsasl* context, Gsasl_session* session, Gsasl_property property) {
    auto* self = static_cast<SaslServer*>(gsasl_callback_hook_get(context));
    switch (property) {
      case GSASL_PASSWORD:
        return gsasl_property_set(session, property, self->options_.password.c_str());
      case GSASL_SCRAM_ITER:
        return gsasl_property_set(session, property, self->options_.scram_iterations.c_str());
      case GSASL_CB_TLS_UNIQUE: {
        const std::string& binding = self->options_.server_binding.empty()
                                         ? self->options_.client_binding
                                         : self->options_.server_binding;
        if (binding.empty()) {
          return GSASL_NO_CALLBACK;
        }
        return gsasl_property_set(session, property, encode_base64(binding).c_str());
      }
      case GSASL_VALIDATE_EXTERNAL:
        return GSASL_OK;  // as if the TLS layer had checked a client certificate
      case GSASL_SERVICE:
        return gsasl_property_set(session, property, "smtp");
      case GSASL_HOSTNAME:
        return gsasl_property_set(session, property, "mx.example.net");
      default:
        return GSASL_NO_CALLBACK;
    }
  }

  void reply(std::string_view text) {
    pending_ += text;
    pending_ += "\r\n";
  }

  void handle(const std::string& line) {
    client_lines_.push_back(line);
    if (in_body_) {
      if (line == ".") {
        in_body_ = false;
        ++messages_;
        reply("250 2.0.0 queued");
      }
      return;
    }
    if (session_ != nullptr) {
      return sasl_step(line);
    }
    if (line.rfind("EHLO ", 0) == 0) {
      reply("250-mx.example.net");
      reply("250 AUTH " + options_.offered);
    } else if (line.rfind("AUTH ", 0) == 0) {
      start_sasl(line.substr(5));
    } else if (line == "DATA") {
      in_body_ = true;
      reply("354 go ahead");
    } else if (line == "QUIT") {
      reply("221 2.0.0 bye");
    } else if (!authenticated_) {
      reply("530 5.7.0 authentication required");
    } else {
      reply("250 2.0.0 ok");
    }
  }

  void start_sasl(const std::string& arguments) {
    const std::size_t space = arguments.find(' ');
    mechanism_ = arguments.substr(0, space);
    if (gsasl_server_start(context_, mechanism_.c_str(), &session_) != GSASL_OK) {
      session_ = nullptr;
      return reply("504 5.5.4 unknown mechanism");
    }
    if (space == std::string::npos) {
      // Server-first mechanisms start with a challenge; the others with an empty one.
      return sasl_input("");
    }
    const std::string response = arguments.substr(space + 1);
    sasl_step(response == "=" ? std::string() : response);
  }

  void sasl_step(const std::string& line) {
    if (line == "*") {
      finish_sasl();
      return reply("501 5.7.0 authentication cancelled");
    }
    last_payload_ = line;
    const std::optional<std::string> decoded = decode_base64(line);
    if (!decoded) {
      finish_sasl();
      return reply("501 5.5.2 not base64");
    }
    if (first_client_message_.empty()) {
      first_client_message_ = *decoded;
    }
    sasl_input(*decoded);
  }

  void sasl_input(const std::string& input) {
    if (finished_exchange_) {
      // The client's empty answer to the server's last message.
      finish_sasl();
      authenticated_ = true;
      return reply("235 2.7.0 authenticated");
    }
    char* output = nullptr;
    std::size_t output_size = 0;
    const int status = gsasl_step(session_, input.data(), input.size(), &output, &output_size);
    std::string out = output == nullptr ? std::string() : std::string(output, output_size);
    gsasl_free(output);
    if (status == GSASL_NEEDS_MORE) {
      if (options_.tamper_first && !first_tampered_) {
        options_.tamper_first(out);
        first_tampered_ = true;
      }
      return reply("334 " + encode_base64(out));
    }
    if (status == GSASL_OK) {
      if (out.empty()) {
        finish_sasl();
        authenticated_ = true;
        return reply("235 2.7.0 authenticated");
      }
      if (options_.skip_final) {
        finish_sasl();
        authenticated_ = true;
        return reply("235 2.7.0 authenticated");
      }
      if (options_.tamper_final) {
        options_.tamper_final(out);
      }
      finished_exchange_ = true;
      return reply("334 " + encode_base64(out));
    }
    finish_sasl();
    if (options_.echo_payload_in_refusal) {
      return reply("535 5.7.8 credentials " + last_payload_ + " (" + input + ") rejected");
    }
    reply("535 5.7.8 authentication credentials invalid");
  }

  void finish_sasl() {
    gsasl_finish(session_);
    session_ = nullptr;
    finished_exchange_ = false;
  }

  SaslServerOptions options_;
  Gsasl* context_ = nullptr;
  Gsasl_session* session_ = nullptr;
  net::TlsFacts facts_;
  std::string received_;
  std::string pending_;
  std::vector<std::string> client_lines_;
  std::string mechanism_;
  std::string last_payload_;
  std::string first_client_message_;
  bool finished_exchange_ = false;
  bool first_tampered_ = false;
  bool authenticated_ = false;
  bool in_body_ = false;
  bool closed_ = false;
  int messages_ = 0;
};

}  // namespace smtpsend::smtp::testing
