#include "app/compose.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "common/error.hpp"
#include "mime/address.hpp"
#include "mime/date.hpp"
#include "mime/message_id.hpp"
#include "mime/text_message.hpp"

namespace smtpsend::app {

namespace {

std::vector<mime::Mailbox> parse_all(const std::vector<std::string>& lists) {
  std::vector<mime::Mailbox> mailboxes;
  for (const auto& list : lists) {
    auto parsed = mime::parse_address_list(list);
    mailboxes.insert(mailboxes.end(), parsed.begin(), parsed.end());
  }
  return mailboxes;
}

std::string read_body(const std::string& path) {
  if (path.empty() || path == "-") {
    if (::isatty(STDIN_FILENO) == 1) {
      std::cerr << "smtpsend: reading the message body from the terminal; end it with Ctrl-D\n";
    }
    std::ostringstream body;
    body << std::cin.rdbuf();
    if (std::cin.bad()) {
      throw Failure(ErrorKind::io, "cannot read the message body from standard input");
    }
    return body.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw Failure(ErrorKind::no_input,
                  "cannot open --text file '" + path + "': " + std::strerror(errno));
  }
  std::string body{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) {
    throw Failure(ErrorKind::io, "cannot read --text file '" + path + "'");
  }
  return body;
}

std::uint64_t random_64() {
  std::uint64_t value = 0;
  if (gnutls_rnd(GNUTLS_RND_NONCE, &value, sizeof value) != 0) {
    throw Failure(ErrorKind::internal, "the random number generator failed");
  }
  return value;
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

}  // namespace

ComposedMessage compose_message(const cli::Options& options, const config::Account& account) {
  const auto senders = mime::parse_address_list(account.from);
  if (senders.size() != 1) {
    throw Failure(ErrorKind::usage,
                  "the sender '" + account.from + "' must be exactly one address; fix -f/--from");
  }
  mime::TextMessageSpec spec;
  spec.from = senders.front();
  spec.to = parse_all(options.to);
  spec.cc = parse_all(options.cc);
  const auto bcc = parse_all(options.bcc);
  if (spec.to.empty() && spec.cc.empty() && bcc.empty()) {
    throw Failure(ErrorKind::usage, "no recipients; give at least one with -t/--to ADDRESS");
  }
  spec.subject = options.subject.value_or("");
  spec.body = read_body(options.text_file);
  spec.date = std::chrono::system_clock::now();
  spec.message_id = mime::make_message_id(domain_of(spec.from.address), random_64);

  ComposedMessage composed;
  composed.content = mime::render_text_message(spec);
  composed.envelope.mail_from = spec.from.address;
  composed.envelope.smtputf8 = mime::needs_smtputf8(spec.from);
  const std::vector<mime::Mailbox>* groups[] = {&spec.to, &spec.cc, &bcc};
  for (const auto* group : groups) {
    for (const auto& mailbox : *group) {
      auto& recipients = composed.envelope.recipients;
      if (std::find(recipients.begin(), recipients.end(), mailbox.address) == recipients.end()) {
        recipients.push_back(mailbox.address);
      }
      composed.envelope.smtputf8 = composed.envelope.smtputf8 || mime::needs_smtputf8(mailbox);
    }
  }
  composed.envelope.size = composed.content.size();
  return composed;
}

}  // namespace smtpsend::app
