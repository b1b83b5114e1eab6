// Credentials from the shared config and credentials files, resolved as botocore's profile providers do:
// role_arn (+ source_profile | credential_source | web_identity_token_file), static keys, credential_process.
#include <fstream>
#include <set>
#include <sstream>

#include "aws/credentials_sources.h"
#include "aws/shared_config.h"

namespace pingwatch::aws::credential_sources {

namespace {

using shared_config::Section;

std::string value_of(const Section& s, const std::string& key) {
  const std::string* v = s.get(key);
  return v ? *v : std::string();
}

bool has_static_keys(const Section& s) {
  return !value_of(s, "aws_access_key_id").empty() || !value_of(s, "aws_secret_access_key").empty();
}

Credentials static_keys(const Section& s, const std::string& profile) {
  std::string id = value_of(s, "aws_access_key_id"), secret = value_of(s, "aws_secret_access_key");
  if (id.empty() || secret.empty()) {
    throw NoCredentialsError("AWS profile '" + profile + "' has " + (id.empty() ? "aws_secret_access_key" : "aws_access_key_id") +
                             " but no " + (id.empty() ? "aws_access_key_id" : "aws_secret_access_key") +
                             ": set both in the credentials file");
  }
  Credentials c;
  c.access_key_id = id;
  c.secret_access_key = secret;
  c.session_token = value_of(s, "aws_session_token");
  if (c.session_token.empty()) c.session_token = value_of(s, "aws_security_token");
  c.source = "profile:" + profile;
  return c;
}

std::string read_token_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " " + path + ": check the path and its permissions");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) throw std::runtime_error(std::string(what) + " " + path + " is empty");
  return token;
}

int parse_duration(const Section& s, const std::string& profile) {
  std::string text = value_of(s, "duration_seconds");
  if (text.empty()) return 0;
  try {
    size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size() && v >= 900 && v <= 43200) return v;
  } catch (const std::exception&) {
  }
  throw std::runtime_error("duration_seconds='" + text + "' in AWS profile '" + profile + "' must be 900..43200");
}

class Resolver {
 public:
  Resolver(const Context& ctx, shared_config::Files files) : ctx_(ctx), files_(std::move(files)) {}

  // nullopt: the profile exists but holds no credentials (the chain goes on, as in botocore).
  std::optional<Credentials> resolve(const std::string& name, std::set<std::string>& visiting) {
    auto section = files_.profile(name);
    if (!section) return std::nullopt;
    if (!value_of(*section, "role_arn").empty()) return assume_role(name, *section, visiting);
    return non_role_credentials(name, *section);
  }

 private:
  std::optional<Credentials> non_role_credentials(const std::string& name, const Section& s) {
    if (has_static_keys(s)) return static_keys(s, name);
    if (auto command = value_of(s, "credential_process"); !command.empty()) return run_credential_process(command, name);
    if (!value_of(s, "sso_start_url").empty() || !value_of(s, "sso_session").empty()) {
      throw NoCredentialsError("AWS profile '" + name +
                               "' uses IAM Identity Center (sso_*), which pingwatch does not read: add "
                               "`credential_process = aws configure export-credentials --profile " + name +
                               "` to a profile and use that one");
    }
    return std::nullopt;
  }

  Credentials source_credentials(const std::string& name, const Section& s, std::set<std::string>& visiting) {
    const std::string source_profile = value_of(s, "source_profile");
    if (source_profile == name) {
      // A profile may name itself as source: its own static keys assume its role.
      if (!has_static_keys(s)) {
        throw NoCredentialsError("AWS profile '" + name + "' is its own source_profile but has no aws_access_key_id");
      }
      return static_keys(s, name);
    }
    if (visiting.count(source_profile)) {
      throw NoCredentialsError("AWS profiles form a source_profile loop through '" + source_profile + "': fix the config file");
    }
    auto source = files_.profile(source_profile);
    if (!source) {
      throw NoCredentialsError("source_profile '" + source_profile + "' of AWS profile '" + name + "' does not exist in " +
                               files_.config_path + " or " + files_.credentials_path);
    }
    // botocore: static keys in the source profile win over its own role settings.
    if (has_static_keys(*source)) return static_keys(*source, source_profile);
    visiting.insert(name);
    std::optional<Credentials> creds = value_of(*source, "role_arn").empty()
                                           ? non_role_credentials(source_profile, *source)
                                           : assume_role(source_profile, *source, visiting);
    if (!creds) {
      throw NoCredentialsError("source_profile '" + source_profile + "' of AWS profile '" + name +
                               "' has no credentials: add aws_access_key_id/aws_secret_access_key or credential_process");
    }
    return *creds;
  }

  Credentials named_source(const std::string& name, const std::string& credential_source) {
    std::optional<Credentials> creds;
    if (credential_source == "Environment") creds = from_environment(ctx_);
    else if (credential_source == "Ec2InstanceMetadata") creds = from_imds(ctx_);
    else if (credential_source == "EcsContainer") creds = from_container(ctx_);
    else {
      throw NoCredentialsError("credential_source '" + credential_source + "' of AWS profile '" + name +
                               "' is not one of Environment, Ec2InstanceMetadata, EcsContainer");
    }
    if (!creds) {
      throw NoCredentialsError("credential_source '" + credential_source + "' of AWS profile '" + name + "' returned no credentials");
    }
    return *creds;
  }

  Credentials assume_role(const std::string& name, const Section& s, std::set<std::string>& visiting) {
    AssumeRoleRequest request;
    request.role_arn = value_of(s, "role_arn");
    request.session_name = value_of(s, "role_session_name");
    if (request.session_name.empty()) request.session_name = default_session_name(ctx_);
    request.external_id = value_of(s, "external_id");
    request.duration_seconds = parse_duration(s, name);
    request.profile = name;
    if (!value_of(s, "mfa_serial").empty()) {
      throw NoCredentialsError("AWS profile '" + name + "' needs an MFA code (mfa_serial), which pingwatch cannot prompt for: "
                               "use a profile without mfa_serial or export temporary credentials");
    }
    const std::string source_profile = value_of(s, "source_profile");
    const std::string credential_source = value_of(s, "credential_source");
    const std::string token_file = value_of(s, "web_identity_token_file");
    if (!source_profile.empty() && !credential_source.empty()) {
      throw NoCredentialsError("AWS profile '" + name + "' sets both source_profile and credential_source: keep one");
    }
    Credentials result;
    if (!source_profile.empty()) {
      result = sts_assume_role(ctx_, source_credentials(name, s, visiting), request);
    } else if (!credential_source.empty()) {
      result = sts_assume_role(ctx_, named_source(name, credential_source), request);
    } else if (!token_file.empty()) {
      result = sts_assume_role_with_web_identity(ctx_, request, read_token_file(token_file, "web_identity_token_file"));
    } else {
      throw NoCredentialsError("AWS profile '" + name + "' has role_arn but no source_profile, credential_source or "
                               "web_identity_token_file: add one");
    }
    result.source = "assume-role:" + name;
    return result;
  }

  const Context& ctx_;
  shared_config::Files files_;
};

}  // namespace

std::optional<Credentials> from_profile(const Context& ctx) {
  const std::string name = shared_config::profile_name(ctx.explicit_profile, ctx.getenv);
  shared_config::Files files = shared_config::load(ctx.getenv);
  if (auto missing = shared_config::profile_not_found(ctx.explicit_profile, ctx.getenv, files)) {
    throw NoCredentialsError(*missing);
  }
  if (!files.profile(name)) return std::nullopt;   // no profile chosen and no [default]: the chain goes on
  Resolver resolver(ctx, std::move(files));
  std::set<std::string> visiting;
  return resolver.resolve(name, visiting);
}

std::optional<Credentials> from_web_identity_env(const Context& ctx) {
  auto token_file = ctx.getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role_arn = ctx.getenv("AWS_ROLE_ARN");
  if (!token_file || token_file->empty() || !role_arn || role_arn->empty()) return std::nullopt;
  AssumeRoleRequest request;
  request.role_arn = *role_arn;
  auto session = ctx.getenv("AWS_ROLE_SESSION_NAME");
  request.session_name = session && !session->empty() ? *session : default_session_name(ctx);
  request.profile = shared_config::profile_name(ctx.explicit_profile, ctx.getenv);
  Credentials c = sts_assume_role_with_web_identity(ctx, request, read_token_file(*token_file, "AWS_WEB_IDENTITY_TOKEN_FILE"));
  c.source = "web-identity";
  return c;
}

}  // namespace pingwatch::aws::credential_sources
