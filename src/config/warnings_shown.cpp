#include "config/warnings_shown.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"

namespace smtpsend::config {

namespace {

constexpr std::string_view state_file_name = "config-warnings";
// Enough for every configuration file a user plausibly alternates between; the oldest records
// go first, so the state file cannot grow without bound when paths keep changing.
constexpr std::size_t max_records = 64;

struct Record {
  std::string identity;  // "DEVICE INODE SIZE SECONDS NANOSECONDS"
  std::string path;
};

std::optional<std::string> identity_of(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << status.st_dev << ' ' << status.st_ino << ' ' << status.st_size << ' '
       << status.st_mtim.tv_sec << ' ' << status.st_mtim.tv_nsec;
  return text.str();
}

// Lines that do not parse are dropped: the state is a cache, never worth an error.
std::vector<Record> read_records(const std::string& state_path) {
  std::vector<Record> records;
  std::ifstream file(state_path);
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream fields(line);
    std::string device, inode, size, seconds, nanoseconds, path;
    if (!(fields >> device >> inode >> size >> seconds >> nanoseconds)) {
      continue;
    }
    const auto identity_end = static_cast<std::size_t>(fields.tellg());
    if (fields.get() != ' ' || !std::getline(fields, path) || path.empty()) {
      continue;
    }
    records.push_back({line.substr(0, identity_end), path});
  }
  return records;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// A temporary file in the same directory (mkstemp creates it 0600), renamed over the state.
bool replace_records(const std::string& directory, const std::string& state_path,
                     const std::vector<Record>& records) {
  std::string text;
  for (const auto& record : records) {
    text += record.identity + ' ' + record.path + '\n';
  }
  std::string temporary = directory + "/.config-warnings.XXXXXX";
  UniqueFd fd(::mkostemp(temporary.data(), O_CLOEXEC));
  if (!fd.valid()) {
    return false;
  }
  const bool written = write_all(fd.get(), text) && ::fsync(fd.get()) == 0;
  fd.reset();
  if (!written || ::rename(temporary.c_str(), state_path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool make_directory(const std::string& directory) {
  std::error_code error;
  const std::filesystem::path path(directory);
  if (std::filesystem::is_directory(path, error)) {
    return true;
  }
  std::filesystem::create_directories(path.parent_path(), error);
  // XDG Base Directory Specification: created with permissions 0700.
  return ::mkdir(directory.c_str(), 0700) == 0 || errno == EEXIST;
}

}  // namespace

std::optional<std::string> warnings_state_directory(
    const std::optional<std::string>& xdg_state_home, const std::optional<std::string>& home) {
  if (xdg_state_home && !xdg_state_home->empty() && xdg_state_home->front() == '/') {
    return *xdg_state_home + "/smtpsend";
  }
  if (home && !home->empty()) {
    return *home + "/.local/state/smtpsend";
  }
  return std::nullopt;
}

bool show_config_warnings_now(const std::string& config_path,
                              const std::optional<std::string>& state_directory) {
  std::error_code error;
  const std::string path = std::filesystem::absolute(config_path, error).lexically_normal();
  const auto identity = identity_of(path);
  if (!state_directory || error || !identity || path.find('\n') != std::string::npos) {
    return true;
  }
  const std::string state_path = *state_directory + "/" + std::string(state_file_name);
  std::vector<Record> records = read_records(state_path);
  const auto same_path = [&](const Record& record) { return record.path == path; };
  const auto seen = std::find_if(records.begin(), records.end(), same_path);
  if (seen != records.end() && seen->identity == *identity) {
    return false;
  }
  std::erase_if(records, same_path);
  records.push_back({*identity, path});
  if (records.size() > max_records) {
    records.erase(records.begin(), records.end() - static_cast<std::ptrdiff_t>(max_records));
  }
  // Recorded or not, this run shows them; a state that cannot be written shows them every time.
  if (make_directory(*state_directory)) {
    replace_records(*state_directory, state_path, records);
  }
  return true;
}

}  // namespace smtpsend::config
