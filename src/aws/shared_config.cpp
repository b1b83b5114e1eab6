#include "aws/shared_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pingwatch::aws::shared_config {

namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string read_optional_file(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read AWS shared file " + path + ": check its permissions");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::map<std::string, Section> parse_ini(const std::string& text) {
  std::map<std::string, Section> sections;
  Section* current = nullptr;
  std::string last_key;   // the key indented lines belong to
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      current = &sections[trim(std::string_view(line).substr(1, line.size() - 2))];
      last_key.clear();
      continue;
    }
    if (current == nullptr) continue;   // keys before any section are ignored, as configparser would refuse them
    bool indented = std::isspace(static_cast<unsigned char>(raw[0]));
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = lower(trim(std::string_view(line).substr(0, eq)));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    if (indented && !last_key.empty() && current->values[last_key].empty()) {
      current->nested[last_key][key] = value;
      continue;
    }
    current->values[key] = value;
    last_key = key;
  }
  return sections;
}

std::string expand_home(const std::string& path, const GetEnv& getenv) {
  if (path.rfind("~/", 0) != 0 && path != "~") return path;
  auto home = getenv ? getenv("HOME") : std::nullopt;
  if (!home || home->empty()) return path;
  return *home + path.substr(1);
}

std::string profile_name(const std::string& explicit_profile, const GetEnv& getenv) {
  if (!explicit_profile.empty()) return explicit_profile;
  for (const char* var : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
    if (auto v = getenv ? getenv(var) : std::nullopt; v && !v->empty()) return *v;
  }
  return "default";
}

Files load(const GetEnv& getenv) {
  Files files;
  auto env = [&](const char* name) -> std::optional<std::string> {
    auto v = getenv ? getenv(name) : std::nullopt;
    if (v && v->empty()) return std::nullopt;
    return v;
  };
  files.config_path = expand_home(env("AWS_CONFIG_FILE").value_or("~/.aws/config"), getenv);
  files.credentials_path = expand_home(env("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), getenv);

  for (auto& [name, section] : parse_ini(read_optional_file(files.config_path))) {
    if (name == "default") {
      files.config_profiles["default"] = section;
    } else if (name.rfind("profile", 0) == 0 && name.size() > 7 && std::isspace(static_cast<unsigned char>(name[7]))) {
      files.config_profiles[trim(std::string_view(name).substr(7))] = section;
    } else if (name.rfind("services", 0) == 0 && name.size() > 8 && std::isspace(static_cast<unsigned char>(name[8]))) {
      files.services[trim(std::string_view(name).substr(8))] = section;
    }
    // Other sections ([sso-session x], or [x] without "profile ") are not profiles in the config file.
  }
  files.credentials_profiles = parse_ini(read_optional_file(files.credentials_path));
  return files;
}

std::optional<std::string> profile_not_found(const std::string& explicit_profile, const GetEnv& getenv, const Files& files) {
  std::string origin;
  if (!explicit_profile.empty()) {
    origin = "--profile";
  } else {
    for (const char* name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
      if (auto v = getenv ? getenv(name) : std::nullopt; v && !v->empty()) {
        origin = name;
        break;
      }
    }
  }
  if (origin.empty()) return std::nullopt;   // nobody chose a profile: "default" may be absent
  const std::string name = profile_name(explicit_profile, getenv);
  if (files.profile(name)) return std::nullopt;
  return "The config profile (" + name + ") could not be found (from " + origin + "; read " + files.config_path +
         " and " + files.credentials_path + "): create it there, or choose another with --profile or AWS_PROFILE";
}

std::optional<Section> Files::profile(const std::string& name) const {
  auto c = config_profiles.find(name);
  auto k = credentials_profiles.find(name);
  if (c == config_profiles.end() && k == credentials_profiles.end()) return std::nullopt;
  Section merged = c != config_profiles.end() ? c->second : Section{};
  if (k != credentials_profiles.end()) {
    for (const auto& [key, value] : k->second.values) merged.values[key] = value;
    for (const auto& [key, value] : k->second.nested) merged.nested[key] = value;
  }
  return merged;
}

}  // namespace pingwatch::aws::shared_config
