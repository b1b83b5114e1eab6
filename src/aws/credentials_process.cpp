// credential_process: run the configured command and read its JSON (format Version 1) from stdout.
// Its stderr goes to ours, so the tool's own diagnostics reach the user; its stdout (secrets) never does.
#include <sys/wait.h>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "aws/credentials_sources.h"

namespace pingwatch::aws::credential_sources {

namespace {
struct PipeCloser {
  int* status;
  void operator()(FILE* f) const { *status = pclose(f); }
};

std::string field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) throw std::runtime_error(std::string("field ") + name + " is not a string");
  return it->get<std::string>();
}
}  // namespace

Credentials run_credential_process(const std::string& command, const std::string& profile) {
  const std::string where = "credential_process of AWS profile '" + profile + "'";
  std::string output;
  int status = -1;
  {
    std::fflush(nullptr);
    std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"), PipeCloser{&status});
    if (!pipe) throw std::runtime_error("cannot start the " + where);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0) output.append(buf, n);
  }
  if (status == -1) throw std::runtime_error("cannot wait for the " + where);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                        : "was killed by signal " + std::to_string(WTERMSIG(status));
    throw std::runtime_error("the " + where + " " + how + ": run it by hand to see why");
  }

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(output);
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error("the " + where + " did not print JSON on stdout");   // the output may hold secrets
  }
  if (!j.is_object()) throw std::runtime_error("the " + where + " did not print a JSON object");
  auto version = j.find("Version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != 1) {
    throw std::runtime_error("the " + where + " printed an unsupported format: \"Version\": 1 is required");
  }
  Credentials c;
  try {
    c.access_key_id = field(j, "AccessKeyId");
    c.secret_access_key = field(j, "SecretAccessKey");
    c.session_token = field(j, "SessionToken");
    if (auto exp = field(j, "Expiration"); !exp.empty()) {
      c.expiration = parse_iso8601(exp);
      if (!c.expiration) throw std::runtime_error("field Expiration is not an ISO 8601 time");
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("the " + where + " printed bad JSON: " + e.what());
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    throw std::runtime_error("the " + where + " printed no AccessKeyId/SecretAccessKey");
  }
  c.source = "credential-process:" + profile;
  return c;
}

}  // namespace pingwatch::aws::credential_sources
