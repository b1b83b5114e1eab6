#pragma once
// The shared AWS config and credentials files (~/.aws/config, ~/.aws/credentials), read as botocore does:
// [default] / [profile NAME] / [services NAME] in the config file, [NAME] in the credentials file, keys
// lower-cased, indented "sub = value" lines nested under a key with an empty value, no inline comments.
#include <map>
#include <optional>
#include <string>

#include "aws/endpoints.h"

namespace pingwatch::aws::shared_config {

struct Section {
  std::map<std::string, std::string> values;
  std::map<std::string, std::map<std::string, std::string>> nested;   // e.g. services: cloudwatch = / endpoint_url = ...

  const std::string* get(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
  }
};

struct Files {
  std::string config_path;        // AWS_CONFIG_FILE or ~/.aws/config
  std::string credentials_path;   // AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
  std::map<std::string, Section> config_profiles;
  std::map<std::string, Section> credentials_profiles;
  std::map<std::string, Section> services;

  // The profile as botocore sees it: config-file keys, overridden by credentials-file keys. nullopt if absent.
  std::optional<Section> profile(const std::string& name) const;
};

// Parses INI text; section names are returned as written between the brackets (trimmed).
std::map<std::string, Section> parse_ini(const std::string& text);

// Reads both files (a missing file is empty; an unreadable existing one throws std::runtime_error).
Files load(const GetEnv& getenv);

// explicit_profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
std::string profile_name(const std::string& explicit_profile, const GetEnv& getenv);

// botocore's rule (Session.get_scoped_config raises ProfileNotFound): a profile named by the caller (--profile),
// AWS_PROFILE or AWS_DEFAULT_PROFILE must exist in one of the two files -- even "default", and even when the
// environment holds keys. Returns the error message (the name, where it came from, the files read), or nullopt.
std::optional<std::string> profile_not_found(const std::string& explicit_profile, const GetEnv& getenv, const Files& files);

// Expands a leading "~/" with HOME.
std::string expand_home(const std::string& path, const GetEnv& getenv);

}  // namespace pingwatch::aws::shared_config
