#include "runtime/lambda_deploy.h"

#include <fstream>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace pingwatch::runtime {

namespace {
std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

void validate_deploy_options(const DeployOptions& o) {
  // CloudFormation: letters, digits, hyphens; starts with a letter; at most 128 characters.
  if (!std::regex_match(o.stack, std::regex("[A-Za-z][A-Za-z0-9-]{0,127}"))) {
    throw std::invalid_argument("deploy: --stack \"" + o.stack +
                                "\" is not a stack name: use a letter followed by letters, digits or hyphens (<= 128)");
  }
  if (!std::regex_match(o.email, std::regex(R"([^@\s]+@[^@\s]+\.[^@\s]+)"))) {
    throw std::invalid_argument("deploy: --email \"" + o.email + "\" is not an email address (e.g. ops@example.com)");
  }
  if (!o.region.empty() && !std::regex_match(o.region, std::regex("[a-z]{2}(-[a-z]+)+-\\d+"))) {
    throw std::invalid_argument("deploy: --region \"" + o.region + "\" is not a region name (e.g. ap-northeast-1)");
  }
  // S3 bucket names: 3..63 lowercase letters, digits, dots, hyphens.
  if (!o.bucket.empty() && !std::regex_match(o.bucket, std::regex("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"))) {
    throw std::invalid_argument("deploy: --bucket \"" + o.bucket + "\" is not an S3 bucket name (3-63 of a-z 0-9 . -)");
  }
  if (!o.architecture.empty() && o.architecture != "arm64" && o.architecture != "x86_64") {
    throw std::invalid_argument("deploy: --architecture \"" + o.architecture + "\" is not allowed: use arm64 or x86_64");
  }
  if (o.mode != "watch" && o.mode != "alarms" && o.mode != "both") {
    throw std::invalid_argument("deploy: --mode \"" + o.mode + "\" is not allowed: use watch (one notice per node "
                                "transition), alarms (the post's per-node alarms) or both");
  }
  for (const auto& p : o.parameters) {
    if (!std::regex_match(p, std::regex("[A-Za-z0-9]+=.*"))) {
      throw std::invalid_argument("deploy: --parameter \"" + p + "\" is not Name=Value (e.g. NameSuffix=-staging)");
    }
    const std::string name = p.substr(0, p.find('='));
    if (name == "NotificationEmail" || name == "CodeBucket" || name == "CodeKey" || name == "Architecture" ||
        name == "Mode") {
      throw std::invalid_argument("deploy: --parameter " + name + " is set by deploy itself: use --email, --bucket, "
                                  "--architecture or --mode instead");
    }
  }
  if (!std::ifstream(o.zip)) {
    throw std::invalid_argument("deploy: --zip " + o.zip + " cannot be read: build it with `make package`");
  }
  if (!std::ifstream(o.template_file)) {
    throw std::invalid_argument("deploy: --template " + o.template_file +
                                " cannot be read: run from the source tree or pass deploy/template.yaml's path");
  }
}

std::string architecture_of(const DeployOptions& o) {
  if (!o.architecture.empty()) return o.architecture;
  return base_name(o.zip).find("arm64") != std::string::npos ? "arm64" : "x86_64";
}

std::string default_bucket(const std::string& account, const std::string& region) {
  return "pingwatch-artifacts-" + account + "-" + region;
}

std::string code_key(const std::string& zip_sha256_hex, const std::string& zip_path) {
  return "pingwatch/" + zip_sha256_hex.substr(0, 16) + "/" + base_name(zip_path);
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("deploy: cannot read " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) EVP_DigestUpdate(ctx, buf, static_cast<size_t>(in.gcount()));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::vector<std::string> aws_base(const DeployOptions& o) {
  std::vector<std::string> argv{o.aws_cli};
  if (!o.region.empty()) argv.insert(argv.end(), {"--region", o.region});
  if (!o.profile.empty()) argv.insert(argv.end(), {"--profile", o.profile});
  return argv;
}

std::vector<std::string> upload_command(const DeployOptions& o, const std::string& bucket, const std::string& key) {
  auto argv = aws_base(o);
  argv.insert(argv.end(), {"s3", "cp", o.zip, "s3://" + bucket + "/" + key, "--only-show-errors"});
  return argv;
}

std::vector<std::string> stack_deploy_command(const DeployOptions& o, const std::string& bucket, const std::string& key) {
  auto argv = aws_base(o);
  argv.insert(argv.end(), {"cloudformation", "deploy", "--template-file", o.template_file, "--stack-name", o.stack,
                           "--capabilities", "CAPABILITY_NAMED_IAM", "--no-fail-on-empty-changeset",
                           "--parameter-overrides", "NotificationEmail=" + o.email, "CodeBucket=" + bucket,
                           "CodeKey=" + key, "Architecture=" + architecture_of(o), "Mode=" + o.mode});
  argv.insert(argv.end(), o.parameters.begin(), o.parameters.end());
  return argv;
}

}  // namespace pingwatch::runtime
