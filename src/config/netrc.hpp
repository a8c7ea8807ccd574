#pragma once
// Passwords from a netrc file, the format ftp(1) introduced and curl, fetchmail and msmtp read
// (GNU inetutils documents it; there is no RFC). Only the password is taken from it: the server
// and the user name come from our own settings, and the file is asked for the pair's password.

#include <optional>
#include <string>
#include <string_view>

namespace smtpsend::config {

// The password for `user` at `host` in netrc text.
//
// Tokens are separated by spaces, tabs and line ends; the keywords machine, default, login,
// password, account and macdef are recognized in any letter case. A token may be double-quoted,
// with \n, \r and \t inside it standing for those characters and a backslash before any other
// character standing for that character (\" and \\), as curl accepts. A line whose first
// non-blank character is '#' is a comment. A `macdef` body runs up to the next empty line and is
// skipped.
//
// The first `machine` entry whose name equals `host` (ignoring letter case), whose `login` equals
// `user` and that has a password wins; failing that, the first `default` entry with a password
// whose login equals `user` or that names no login. nullopt when no entry matches.
//
// Throws Failure(config) naming the line when a quoted token lacks its closing quote; the message
// never contains a token.
std::optional<std::string> netrc_password(std::string_view text, std::string_view host,
                                          std::string_view user);

// Reads the netrc file at `path` and looks the password up as netrc_password does. A missing file
// is nullopt. Throws Failure(config) when the file can be read by its group or by others (a file of
// passwords must be private: run chmod 600), when it is not a regular file, when it cannot be read,
// or when it is malformed.
std::optional<std::string> password_from_netrc_file(const std::string& path, std::string_view host,
                                                    std::string_view user);

}  // namespace smtpsend::config
