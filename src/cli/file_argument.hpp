#pragma once
// The FILE[,key=value...] arguments of --attach and --inline.

#include <string>
#include <string_view>
#include <vector>

namespace smtpsend::cli {

struct FileArgument {
  std::string path;
  std::string media_type;  // type=  (--attach)
  std::string name;        // name=  (--attach): the file name shown to the recipient
  std::string content_id;  // cid=   (--inline)
};

// Splits "report.pdf,type=application/pdf,name=Q3 report.pdf". Only the keys in `allowed_keys`
// are recognized, and only as trailing ",key=value" pieces, so a file name that merely contains
// a comma still works. Throws Failure(usage) for an empty path or an empty value.
FileArgument parse_file_argument(std::string_view text, std::string_view option,
                                 const std::vector<std::string_view>& allowed_keys);

}  // namespace smtpsend::cli
