#pragma once
// Files the stack writes for others to read while it runs (a mail in --mailbox DIR, the Python runtime client a
// function's process loads): each appears whole or not at all.
#include <filesystem>
#include <string>

namespace pingwatch::local {

// Writes `content` under a temporary name unique to this process and call, then renames it to `file` (atomic within
// one directory): a reader never opens a half-written file, and two writers of the same file never mix their bytes.
// Throws std::runtime_error naming the file when it cannot be written.
void write_whole_file(const std::filesystem::path& file, const std::string& content);

}  // namespace pingwatch::local
