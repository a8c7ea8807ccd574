#pragma once
// The FILE[,key=value...] arguments of --attach and --inline.
//
// The parameters are taken off the end: each ",key=value" piece whose key is a word is one, and
// the first piece that is not (no '=') ends them, so a file name with a comma ("report,v2.pdf")
// needs nothing special. A comma inside a value (or before a "key=" in a file name) is written
// twice: "name=a,,b.csv" is the name "a,b.csv". A key that is not one of the option's own is an
// error rather than part of the file name; and an argument that names an existing file as a
// whole ("notes,v=2.txt") is that file, with no parameters.

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

// Splits "report.pdf,type=application/pdf,name=Q3 report.pdf" as the comment above says. Only
// the keys in `allowed_keys` are accepted. Throws Failure(usage) for an empty path, an empty
// value, a key given twice, or a key not allowed (the message names the allowed ones). The only
// I/O is one stat() of the whole argument when it holds a comma.
FileArgument parse_file_argument(std::string_view text, std::string_view option,
                                 const std::vector<std::string_view>& allowed_keys);

}  // namespace smtpsend::cli
