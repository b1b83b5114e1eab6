#include "local/lambda/lambda_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "local/lambda/code_package.h"
#include "local/lambda/python_runtime.h"
#include "local/lambda/runtimes.h"
#include "local/services.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local {

std::unique_ptr<Service> make_lambda_service(StackContext& context) {
  return std::make_unique<lambda::LambdaService>(context);
}

namespace lambda {
namespace {

constexpr const char* kApiPrefix = "/2015-03-31/functions";
constexpr int kAsyncWorkers = 2;
constexpr std::size_t kMaxEnvironmentBytes = 4096;
constexpr std::size_t kMaxSyncPayloadBytes = 6 * 1024 * 1024;
constexpr std::size_t kMaxAsyncPayloadBytes = 256 * 1024;

[[noreturn]] void validation(const std::string& message) { throw ServiceError(400, "ValidationException", message); }
[[noreturn]] void invalid_value(const std::string& message) {
  throw ServiceError(400, "InvalidParameterValueException", message);
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool valid_function_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

bool valid_role(const std::string& role) {
  // arn:aws:iam::<12 digits>:role/<path and name>
  const std::string prefix = "arn:aws:iam::";
  if (role.rfind(prefix, 0) != 0 || role.size() < prefix.size() + 12 + 7) return false;
  for (std::size_t i = 0; i < 12; ++i)
    if (!std::isdigit(static_cast<unsigned char>(role[prefix.size() + i]))) return false;
  return role.compare(prefix.size() + 12, 6, ":role/") == 0 && role.size() > prefix.size() + 18;
}

const std::set<std::string>& reserved_environment_keys() {
  static const std::set<std::string> keys = {
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"};
  return keys;
}

bool is_pending(const Function& f) { return std::chrono::steady_clock::now() < f.active_at; }

constexpr const char* kCreatingReason = "The function is being created.";

int int_field(const nlohmann::json& body, const char* name, const char* wire_name, int min, int max, int fallback) {
  if (!body.contains(name) || body[name].is_null()) return fallback;
  if (!body[name].is_number_integer()) validation(std::string("1 validation error detected: Value at '") + wire_name +
                                                  "' failed to satisfy constraint: Member must be an integer");
  const long long value = body[name].get<long long>();
  if (value < min)
    validation("1 validation error detected: Value '" + std::to_string(value) + "' at '" + wire_name +
               "' failed to satisfy constraint: Member must have value greater than or equal to " + std::to_string(min));
  if (value > max)
    validation("1 validation error detected: Value '" + std::to_string(value) + "' at '" + wire_name +
               "' failed to satisfy constraint: Member must have value less than or equal to " + std::to_string(max));
  return static_cast<int>(value);
}

std::map<std::string, std::string> environment_field(const nlohmann::json& body) {
  std::map<std::string, std::string> out;
  if (!body.contains("Environment") || !body["Environment"].is_object()) return out;
  const auto& variables = body["Environment"].value("Variables", nlohmann::json::object());
  std::vector<std::string> reserved;
  std::size_t bytes = 0;
  for (auto& [k, v] : variables.items()) {
    if (!v.is_string()) validation("1 validation error detected: Value at 'environment.variables' failed to satisfy "
                                   "constraint: Map value must be a string");
    if (reserved_environment_keys().count(k)) reserved.push_back(k);
    out[k] = v.get<std::string>();
    bytes += k.size() + v.get<std::string>().size();
  }
  if (!reserved.empty()) {
    std::string list;
    for (const auto& k : reserved) list += (list.empty() ? "" : ",") + k;
    invalid_value("Lambda was unable to configure your environment variables because the environment variables you "
                  "have provided contains reserved keys that are currently not supported for modification. Reserved "
                  "keys used in this request: " + list);
  }
  if (bytes > kMaxEnvironmentBytes)
    invalid_value("Lambda was unable to configure your environment variables because the environment variables you "
                  "have provided exceeded the 4KB limit. String measured: " + nlohmann::json(out).dump());
  return out;
}

Response json_response(const Request& r, int status, const nlohmann::json& body) {
  Response response = json_reply(r, body);
  response.status = status;
  return response;
}

std::string zip_bytes_from(const nlohmann::json& code_or_body) {
  if (code_or_body.contains("S3Bucket") || code_or_body.contains("ImageUri"))
    invalid_value("The local stack takes function code as ZipFile only (no S3Bucket or ImageUri).");
  if (!code_or_body.contains("ZipFile") || !code_or_body["ZipFile"].is_string())
    invalid_value("Please provide a source for function code.");
  try {
    return wire::base64_decode(code_or_body["ZipFile"].get<std::string>());
  } catch (const std::invalid_argument&) {
    invalid_value("Could not unzip uploaded file. Please check your file, then try to upload again.");
  }
}

}  // namespace

std::string function_name_from(const std::string& name_or_arn) {
  std::string text = name_or_arn;
  // Drop a version/alias qualifier only when it follows the function name in an ARN-like form.
  const auto function_pos = text.find("function:");
  if (function_pos != std::string::npos) {
    std::string rest = text.substr(function_pos + 9);
    auto colon = rest.find(':');
    return colon == std::string::npos ? rest : rest.substr(0, colon);
  }
  return text;
}

LambdaService::LambdaService(StackContext& context) : context_(context) {
  for (int i = 0; i < kAsyncWorkers; ++i) async_workers_.emplace_back([this] { async_loop(); });
}

LambdaService::~LambdaService() {
  {
    std::lock_guard lock(async_mutex_);
    async_stopping_ = true;
    async_queue_.clear();
  }
  async_wake_.notify_all();
  for (auto& t : async_workers_) t.join();
  std::map<std::string, Function> functions;
  {
    std::lock_guard lock(mutex_);
    functions.swap(functions_);
  }
  functions.clear();   // instances stop their processes outside the lock
}

std::string LambdaService::code_base_dir() const {
  return context_.lambda_code_dir.empty() ? default_code_base_dir() : context_.lambda_code_dir;
}

Function& LambdaService::find(const std::string& name_or_arn) {
  const std::string name = function_name_from(name_or_arn);
  auto it = functions_.find(name);
  if (it == functions_.end()) {
    const std::string region = context_.default_region;
    throw ServiceError(404, "ResourceNotFoundException",
                       "Function not found: arn:aws:lambda:" + region + ":" + context_.account_id + ":function:" + name);
  }
  return it->second;
}

nlohmann::json LambdaService::configuration(const Function& f) const {
  nlohmann::json env_vars = nlohmann::json::object();
  for (const auto& [k, v] : f.environment) env_vars[k] = v;
  const bool pending = is_pending(f);   // read once: every field of one answer tells the same state
  nlohmann::json config = {
      {"FunctionName", f.name},
      {"FunctionArn", f.arn},
      {"Runtime", f.runtime},
      {"Role", f.role},
      {"Handler", f.handler},
      {"CodeSize", f.code_size},
      {"Description", f.description},
      {"Timeout", f.timeout},
      {"MemorySize", f.memory},
      {"LastModified", f.last_modified},
      {"CodeSha256", f.code_sha256},
      {"Version", "$LATEST"},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"RevisionId", f.revision_id},
      {"State", pending ? "Pending" : "Active"},
      {"LastUpdateStatus", pending ? "InProgress" : "Successful"},
      {"PackageType", "Zip"},
      {"Architectures", {"x86_64"}},
      {"EphemeralStorage", {{"Size", 512}}},
      {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
      {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + f.name}}},
  };
  if (!f.environment.empty()) config["Environment"] = {{"Variables", env_vars}};
  if (pending) {
    config["StateReason"] = config["LastUpdateStatusReason"] = kCreatingReason;
    config["StateReasonCode"] = config["LastUpdateStatusReasonCode"] = "Creating";
  }
  return config;
}

void LambdaService::refuse_while_pending(const Function& f) const {
  // The text Lambda answers an Invoke of a function that is still being created.
  if (is_pending(f))
    throw ServiceError(409, "ResourceConflictException",
                       "The operation cannot be performed at this time. The function is currently in the following "
                       "state: Pending");
}

void LambdaService::add_python_runtime(const Function& f, InstanceConfig& c) const {
  // The managed runtime's layout: the client lives in LAMBDA_RUNTIME_DIR, the code in LAMBDA_TASK_ROOT. `-s` keeps the
  // operator's user site-packages out of the function's imports, as in Lambda's image; `-u`: a handler's print() reaches
  // the log when it runs (between START and END), not when a pipe buffer fills, as Lambda's runtime flushes every write.
  const std::string runtime_dir = (std::filesystem::path(code_base_dir()) / ".runtime" / "python").string();
  c.command = {python_interpreter(), "-s", "-u", install_python_runtime(runtime_dir)};
  c.environment["LAMBDA_RUNTIME_DIR"] = runtime_dir;
  c.environment["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + f.runtime;
  // Lambda runs the runtime's own Python version; here it is whatever python3 the machine has: say which.
  spdlog::info("lambda: {} ({}) starts on {}", f.name, f.runtime, c.command.front().empty() ? "(no python3 found)"
                                                                                            : c.command.front());
}

InstanceConfig LambdaService::instance_config(const Function& f) const {
  InstanceConfig c;
  c.function_name = f.name;
  c.function_arn = f.arn;
  c.code_dir = f.code_dir;
  c.timeout_seconds = f.timeout;
  c.memory_mb = f.memory;
  auto& env = c.environment;
  env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  env["LANG"] = "en_US.UTF-8";
  env["TZ"] = ":UTC";
  env["LD_LIBRARY_PATH"] = f.code_dir + "/lib";
  if (!context_.endpoint_url.empty()) env["AWS_ENDPOINT_URL"] = context_.endpoint_url;
  for (const auto& [k, v] : f.environment) env[k] = v;   // the function's own variables, then the reserved ones
  env["_HANDLER"] = f.handler;
  env["AWS_LAMBDA_FUNCTION_NAME"] = f.name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(f.memory);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + f.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = "local/[$LATEST]" + f.revision_id.substr(0, 8);
  env["AWS_REGION"] = f.region;
  env["AWS_DEFAULT_REGION"] = f.region;
  env["LAMBDA_TASK_ROOT"] = f.code_dir;
  env["LAMBDA_RUNTIME_DIR"] = f.code_dir;
  // The role credentials the stack minted for its functions (see StackContext), else the default pair
  // test/test; a function never sees the operator's own credentials.
  if (!context_.function_access_key_id.empty()) {
    env["AWS_ACCESS_KEY_ID"] = context_.function_access_key_id;
    env["AWS_SECRET_ACCESS_KEY"] = context_.function_secret_access_key;
    env["AWS_SESSION_TOKEN"] = context_.function_session_token;
  } else {
    env["AWS_ACCESS_KEY_ID"] = "test";
    env["AWS_SECRET_ACCESS_KEY"] = "test";
  }
  if (runtime_kind(f.runtime) == RuntimeKind::Python) add_python_runtime(f, c);
  return c;
}

Response LambdaService::handle(const Request& r) {
  if (r.operation.rfind("_local/functions", 0) == 0) return local_endpoint(r);
  std::string path = r.path;
  if (path.rfind(kApiPrefix, 0) != 0) {
    if (r.operation == "RuntimeApi")
      throw ServiceError(404, "ResourceNotFoundException",
                         "The Runtime API is served per function instance on AWS_LAMBDA_RUNTIME_API, not here.");
    throw ServiceError(404, "UnknownOperationException", "Unknown operation " + r.method + " " + path);
  }
  std::string rest = path.substr(std::string(kApiPrefix).size());
  if (rest.empty() || rest == "/") {
    if (r.method == "POST") return create_function(r);
    if (r.method == "GET") return list_functions(r);
    throw ServiceError(405, "UnknownOperationException", "Unknown operation " + r.method + " " + path);
  }
  rest = rest.substr(1);
  const auto slash = rest.find('/');
  const std::string name = url_decode(slash == std::string::npos ? rest : rest.substr(0, slash));
  std::string tail = slash == std::string::npos ? "" : rest.substr(slash + 1);
  while (!tail.empty() && tail.back() == '/') tail.pop_back();
  if (tail.empty()) {
    if (r.method == "GET") return get_function(r, name);
    if (r.method == "DELETE") return delete_function(name);
  } else if (tail == "invocations" && r.method == "POST") {
    return invoke_action(r, name);
  } else if (tail == "code" && r.method == "PUT") {
    return update_function_code(r, name);
  } else if (tail == "configuration") {
    if (r.method == "PUT") return update_function_configuration(r, name);
    if (r.method == "GET") return get_function_configuration(name);
  } else if (tail == "policy") {
    if (r.method == "POST") return add_permission(r, name);
    if (r.method == "GET") return get_policy(name);
  }
  throw ServiceError(404, "UnknownOperationException", "Unknown operation " + r.method + " " + path);
}

Response LambdaService::create_function(const Request& r) {
  const nlohmann::json& body = r.json;
  const std::string name = body.value("FunctionName", std::string());
  if (!valid_function_name(name))
    validation("1 validation error detected: Value '" + name +
               "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
               "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
               "(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  const std::string role = body.value("Role", std::string());
  if (!valid_role(role))
    validation("1 validation error detected: Value '" + role +
               "' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "
               "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  const std::string runtime = body.value("Runtime", std::string());
  if (runtime.empty() || body.value("Handler", std::string()).empty())
    invalid_value("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
  runtime_kind(runtime);   // refuses what Lambda refuses, and what this stack cannot run
  Function f;
  f.name = name;
  f.region = r.region.empty() ? context_.default_region : r.region;
  f.arn = "arn:aws:lambda:" + f.region + ":" + context_.account_id + ":function:" + name;
  f.runtime = runtime;
  f.role = role;
  f.handler = body.value("Handler", std::string());
  f.description = body.value("Description", std::string());
  f.timeout = int_field(body, "Timeout", "timeout", 1, 900, 3);
  f.memory = int_field(body, "MemorySize", "memorySize", 128, 10240, 128);
  f.environment = environment_field(body);
  if (body.contains("Tags") && body["Tags"].is_object()) f.tags = body["Tags"];
  const std::string zip = zip_bytes_from(body.value("Code", nlohmann::json::object()));
  {
    std::lock_guard lock(mutex_);
    if (functions_.count(name)) throw ServiceError(409, "ResourceConflictException", "Function already exist: " + name);
  }
  UnpackedCode code;
  try {
    code = unpack_code(code_base_dir(), name, zip);
  } catch (const std::invalid_argument& e) {
    invalid_value(e.what());
  }
  f.code_dir = code.dir;
  f.code_sha256 = code.sha256_b64;
  f.code_size = code.size;
  f.last_modified = wire::iso8601_millis_offset(context_.clock ? context_.clock->now() : SimClock::wall_now());
  f.revision_id = wire::uuid4();
  f.active_at = std::chrono::steady_clock::now() + kPendingAfterCreate;
  nlohmann::json config;
  {
    std::lock_guard lock(mutex_);
    if (functions_.count(name)) throw ServiceError(409, "ResourceConflictException", "Function already exist: " + name);
    config = configuration(f);
    functions_.emplace(name, std::move(f));
  }
  spdlog::info("lambda: created {} ({}, timeout {} s, {} MB)", name, runtime, config["Timeout"].get<int>(),
               config["MemorySize"].get<int>());
  return json_response(r, 201, config);
}

// GetFunction's Code.Location: a URL that fetches the package without signing (AWS's is a presigned S3 URL); the
// account names whose function it is (an organization member's, or the management account's).
std::string LambdaService::code_location(const std::string& name) const {
  return context_.endpoint_url + "/_local/functions/" + name + "/code.zip?account=" + context_.account_id;
}

Response LambdaService::get_function(const Request& r, const std::string& name) {
  std::lock_guard lock(mutex_);
  const Function& f = find(name);
  nlohmann::json out = {{"Configuration", configuration(f)},
                        {"Code", {{"RepositoryType", "S3"},
                                  {"Location", code_location(f.name)}}}};
  if (!f.tags.empty()) out["Tags"] = f.tags;
  return json_response(r, 200, out);
}

Response LambdaService::get_function_configuration(const std::string& name) {
  std::lock_guard lock(mutex_);
  Request plain;
  plain.protocol = WireProtocol::RestJson;
  return json_response(plain, 200, configuration(find(name)));
}

Response LambdaService::list_functions(const Request& r) {
  std::size_t max_items = 50;
  std::string marker;
  for (const auto& [k, v] : r.query) {
    if (k == "MaxItems") {
      try {
        max_items = static_cast<std::size_t>(std::stoul(v));
      } catch (const std::exception&) {
        validation("1 validation error detected: Value '" + v + "' at 'maxItems' failed to satisfy constraint: "
                   "Member must have value greater than or equal to 1");
      }
      if (max_items < 1 || max_items > 10000)
        validation("1 validation error detected: Value '" + v + "' at 'maxItems' failed to satisfy constraint: "
                   "Member must have value between 1 and 10000");
    } else if (k == "Marker") {
      marker = v;
    }
  }
  std::lock_guard lock(mutex_);
  nlohmann::json functions = nlohmann::json::array();
  std::string last;
  bool more = false;
  for (auto it = marker.empty() ? functions_.begin() : functions_.upper_bound(marker); it != functions_.end(); ++it) {
    if (functions.size() == max_items) {
      more = true;
      break;
    }
    functions.push_back(configuration(it->second));
    last = it->first;
  }
  nlohmann::json out = {{"Functions", functions}};
  if (more) out["NextMarker"] = last;
  return json_response(r, 200, out);
}

Response LambdaService::delete_function(const std::string& name) {
  Function removed;
  {
    std::lock_guard lock(mutex_);
    Function& f = find(name);
    removed = std::move(f);
    functions_.erase(function_name_from(name));
  }
  removed.instance.reset();   // stops a warm process (outside the lock)
  std::error_code ignored;    // the code folder is ours; a failure to remove it only leaves a temp folder behind
  std::filesystem::remove_all(removed.code_dir, ignored);
  std::filesystem::remove(removed.code_dir + ".zip", ignored);
  Response response;
  response.status = 204;
  return response;
}

Response LambdaService::update_function_code(const Request& r, const std::string& name) {
  const std::string zip = zip_bytes_from(r.json);
  std::string resolved;
  {
    std::lock_guard lock(mutex_);
    const Function& f = find(name);
    refuse_while_pending(f);
    resolved = f.name;
  }
  UnpackedCode code;
  try {
    code = unpack_code(code_base_dir(), resolved, zip);
  } catch (const std::invalid_argument& e) {
    invalid_value(e.what());
  }
  std::shared_ptr<FunctionInstance> old;
  nlohmann::json config;
  {
    std::lock_guard lock(mutex_);
    Function& f = find(resolved);
    if (f.code_dir != code.dir) {
      std::error_code ignored;
      std::filesystem::remove_all(f.code_dir, ignored);
      std::filesystem::remove(f.code_dir + ".zip", ignored);
    }
    f.code_dir = code.dir;
    f.code_sha256 = code.sha256_b64;
    f.code_size = code.size;
    f.last_modified = wire::iso8601_millis_offset(context_.clock ? context_.clock->now() : SimClock::wall_now());
    f.revision_id = wire::uuid4();
    old = std::move(f.instance);   // the next invocation starts the new code cold
    config = configuration(f);
  }
  old.reset();
  return json_response(r, 200, config);
}

Response LambdaService::update_function_configuration(const Request& r, const std::string& name) {
  const nlohmann::json& body = r.json;
  std::shared_ptr<FunctionInstance> old;
  nlohmann::json config;
  {
    std::lock_guard lock(mutex_);
    Function& f = find(name);
    refuse_while_pending(f);
    if (body.contains("Role")) {
      const std::string role = body["Role"].get<std::string>();
      if (!valid_role(role))
        validation("1 validation error detected: Value '" + role +
                   "' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                   "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
      f.role = role;
    }
    if (body.contains("Runtime")) {
      const std::string runtime = body["Runtime"].get<std::string>();
      runtime_kind(runtime);
      f.runtime = runtime;
    }
    f.timeout = int_field(body, "Timeout", "timeout", 1, 900, f.timeout);
    f.memory = int_field(body, "MemorySize", "memorySize", 128, 10240, f.memory);
    if (body.contains("Handler")) f.handler = body["Handler"].get<std::string>();
    if (body.contains("Description")) f.description = body["Description"].get<std::string>();
    if (body.contains("Environment")) f.environment = environment_field(body);
    f.last_modified = wire::iso8601_millis_offset(context_.clock ? context_.clock->now() : SimClock::wall_now());
    f.revision_id = wire::uuid4();
    old = std::move(f.instance);   // new environment variables need a fresh process
    config = configuration(f);
  }
  old.reset();
  return json_response(r, 200, config);
}

Response LambdaService::add_permission(const Request& r, const std::string& name) {
  const nlohmann::json& body = r.json;
  const std::string sid = body.value("StatementId", std::string());
  const std::string action = body.value("Action", std::string());
  const std::string principal = body.value("Principal", std::string());
  if (sid.empty() || action.empty() || principal.empty())
    validation("1 validation error detected: StatementId, Action and Principal are required");
  std::lock_guard lock(mutex_);
  Function& f = find(name);
  for (const auto& s : f.policy_statements)
    if (s.value("Sid", std::string()) == sid)
      throw ServiceError(409, "ResourceConflictException",
                         "The statement id (" + sid +
                             ") provided already exists. Please provide a new statement id, or remove the existing "
                             "statement.");
  nlohmann::json statement = {{"Sid", sid},
                              {"Effect", "Allow"},
                              {"Principal", principal.find('.') != std::string::npos
                                                ? nlohmann::json{{"Service", principal}}
                                                : nlohmann::json{{"AWS", principal}}},
                              {"Action", action},
                              {"Resource", f.arn}};
  if (body.contains("SourceArn"))
    statement["Condition"] = {{"ArnLike", {{"AWS:SourceArn", body["SourceArn"]}}}};
  f.policy_statements.push_back(statement);
  f.revision_id = wire::uuid4();
  return json_response(r, 201, {{"Statement", statement.dump()}});
}

Response LambdaService::get_policy(const std::string& name) {
  std::lock_guard lock(mutex_);
  Function& f = find(name);
  if (f.policy_statements.empty())
    throw ServiceError(404, "ResourceNotFoundException", "The resource you requested does not exist.");
  nlohmann::json policy = {{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", f.policy_statements}};
  Request plain;
  plain.protocol = WireProtocol::RestJson;
  return json_response(plain, 200, {{"Policy", policy.dump()}, {"RevisionId", f.revision_id}});
}

Response LambdaService::local_endpoint(const Request& r) {
  // /_local/functions                    -> every function, and whether a process is warm
  // /_local/functions/<name>/code.zip    -> the deployment package (GetFunction's Code.Location)
  const std::string rest = r.operation.substr(std::string("_local/functions").size());
  if (rest.empty() || rest == "/") {
    std::lock_guard lock(mutex_);
    nlohmann::json functions = nlohmann::json::array();
    for (const auto& [name, f] : functions_) {
      nlohmann::json entry = configuration(f);
      entry["Warm"] = f.instance && f.instance->warm();
      entry["CodeDir"] = f.code_dir;
      functions.push_back(std::move(entry));
    }
    return json_reply(r, {{"functions", functions}});
  }
  const auto slash = rest.find('/', 1);
  const std::string name = rest.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string zip_path;
  {
    std::lock_guard lock(mutex_);
    zip_path = find(name).code_dir + ".zip";
  }
  std::ifstream in(zip_path, std::ios::binary);
  if (!in) throw ServiceError(404, "ResourceNotFoundException", "No package kept for " + name);
  std::stringstream bytes;
  bytes << in.rdbuf();
  Response response;
  response.headers.emplace_back("Content-Type", "application/zip");
  response.body = bytes.str();
  return response;
}

std::shared_ptr<FunctionInstance> LambdaService::instance_for(const std::string& name_or_arn,
                                                              std::string& resolved_name) {
  InstanceConfig config;
  std::chrono::steady_clock::time_point active_at;
  {
    std::lock_guard lock(mutex_);
    active_at = find(name_or_arn).active_at;
  }
  // An EventBridge or SNS delivery to a function still being created is retried by AWS until it is Active; waiting
  // out the (short) Pending time here has the same effect.
  std::this_thread::sleep_until(active_at);
  {
    std::lock_guard lock(mutex_);
    Function& f = find(name_or_arn);
    resolved_name = f.name;
    if (f.instance) return f.instance;
    config = instance_config(f);
  }
  // Binding the Runtime API server happens outside the lock; if two callers race, the first stored wins.
  const std::string name = resolved_name;
  auto instance = std::make_shared<FunctionInstance>(
      std::move(config), [name](const std::string& line) { spdlog::info("[{}] {}", name, line); });
  std::lock_guard lock(mutex_);
  Function& f = find(name);
  if (!f.instance) f.instance = instance;
  return f.instance;
}

InvokeResult LambdaService::invoke_raw(const std::string& function_name_or_arn, const std::string& payload) {
  std::string name;
  auto instance = instance_for(function_name_or_arn, name);
  return instance->invoke(payload.empty() ? "{}" : payload);
}

Response LambdaService::invoke_action(const Request& r, const std::string& name) {
  std::string type = "RequestResponse";
  if (const std::string* header = aws::find_header(r.headers, "X-Amz-Invocation-Type")) type = *header;
  if (type != "RequestResponse" && type != "Event" && type != "DryRun")
    validation("1 validation error detected: Value '" + type +
               "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, "
               "RequestResponse, DryRun]");
  const std::string payload = r.body.empty() ? "{}" : r.body;
  if (nlohmann::json::parse(payload, nullptr, false).is_discarded())
    throw ServiceError(400, "InvalidRequestContentException",
                       "Could not parse request body into json: Could not parse payload into json");
  {
    std::lock_guard lock(mutex_);
    refuse_while_pending(find(name));
  }
  Response response;
  if (type == "DryRun") {
    response.status = 204;
    return response;
  }
  if (type == "Event") {
    if (payload.size() > kMaxAsyncPayloadBytes)
      throw ServiceError(413, "RequestTooLargeException", "Request must be smaller than 262144 bytes for the InvokeAsync operation");
    invoke(name, nlohmann::json::parse(payload), true);
    response.status = 202;
    return response;
  }
  if (payload.size() > kMaxSyncPayloadBytes)
    throw ServiceError(413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the Invoke operation");
  InvokeResult result = invoke_raw(name, payload);
  response.status = 200;
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("X-Amz-Executed-Version", "$LATEST");
  if (result.function_error) response.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
  response.body = result.payload;
  return response;
}

nlohmann::json LambdaService::invoke(const std::string& function_name_or_arn, const nlohmann::json& payload,
                                     bool async) {
  if (async) {
    {
      std::lock_guard lock(mutex_);
      find(function_name_or_arn);   // an unknown function is an error now, not later in the queue
    }
    {
      std::lock_guard lock(async_mutex_);
      async_queue_.emplace_back(function_name_or_arn, payload.dump());
    }
    async_wake_.notify_one();
    return nullptr;
  }
  InvokeResult result = invoke_raw(function_name_or_arn, payload.dump());
  auto parsed = nlohmann::json::parse(result.payload, nullptr, false);
  if (parsed.is_discarded()) return result.payload;
  return parsed;
}

void LambdaService::async_loop() {
  std::unique_lock lock(async_mutex_);
  for (;;) {
    // Take the oldest event of a function no other worker is running: one slow function (its instance runs one
    // invocation at a time) must not hold every worker while another function's events wait.
    auto next = async_queue_.end();
    async_wake_.wait(lock, [&] {
      if (async_stopping_) return true;
      next = std::find_if(async_queue_.begin(), async_queue_.end(),
                          [&](const auto& job) { return !async_running_.count(function_name_from(job.first)); });
      return next != async_queue_.end();
    });
    if (async_stopping_) return;
    auto [function, payload] = std::move(*next);
    async_queue_.erase(next);
    const std::string name = function_name_from(function);
    async_running_.insert(name);
    ++async_busy_;
    lock.unlock();
    try {
      InvokeResult result = invoke_raw(function, payload);
      if (result.function_error)
        spdlog::warn("lambda: async invocation {} of {} failed: {}", result.request_id, function, result.payload);
    } catch (const std::exception& e) {
      // The function was deleted while the event waited; AWS would drop it after retries too.
      spdlog::warn("lambda: async invocation of {} dropped: {}", function, e.what());
    }
    lock.lock();
    async_running_.erase(name);
    --async_busy_;
    async_wake_.notify_all();   // an event of this function may now be taken
    if (async_queue_.empty() && async_busy_ == 0) async_idle_.notify_all();
  }
}

bool LambdaService::wait_for_async(std::chrono::milliseconds timeout) {
  std::unique_lock lock(async_mutex_);
  return async_idle_.wait_for(lock, timeout, [this] { return async_queue_.empty() && async_busy_ == 0; });
}

nlohmann::json LambdaService::save() const {
  std::lock_guard lock(mutex_);
  nlohmann::json functions = nlohmann::json::array();
  for (const auto& [name, f] : functions_) {
    functions.push_back({{"name", f.name}, {"arn", f.arn}, {"region", f.region}, {"runtime", f.runtime},
                         {"role", f.role}, {"handler", f.handler}, {"description", f.description},
                         {"timeout", f.timeout}, {"memory", f.memory}, {"environment", f.environment},
                         {"code_dir", f.code_dir}, {"code_sha256", f.code_sha256}, {"code_size", f.code_size},
                         {"last_modified", f.last_modified}, {"revision_id", f.revision_id}, {"tags", f.tags},
                         {"policy_statements", f.policy_statements}});
  }
  return {{"functions", functions}};
}

void LambdaService::load(const nlohmann::json& state) {
  std::map<std::string, Function> loaded;
  for (const auto& s : state.value("functions", nlohmann::json::array())) {
    Function f;
    f.name = s.at("name");
    f.arn = s.at("arn");
    f.region = s.value("region", context_.default_region);
    f.runtime = s.value("runtime", std::string("provided.al2023"));
    f.role = s.value("role", std::string());
    f.handler = s.value("handler", std::string());
    f.description = s.value("description", std::string());
    f.timeout = s.value("timeout", 3);
    f.memory = s.value("memory", 128);
    f.environment = s.value("environment", std::map<std::string, std::string>{});
    f.code_dir = s.value("code_dir", std::string());
    f.code_sha256 = s.value("code_sha256", std::string());
    f.code_size = s.value("code_size", 0LL);
    f.last_modified = s.value("last_modified", std::string());
    f.revision_id = s.value("revision_id", wire::uuid4());
    f.tags = s.value("tags", nlohmann::json::object());
    f.policy_statements = s.value("policy_statements", nlohmann::json::array());
    const bool custom = f.runtime.rfind("provided", 0) == 0;   // a custom runtime's code must hold its bootstrap
    if (!std::filesystem::exists(std::filesystem::path(f.code_dir) / (custom ? "bootstrap" : "")))
      spdlog::warn("lambda: {}: code folder {} is gone; invocations will fail until UpdateFunctionCode", f.name,
                   f.code_dir);
    loaded.emplace(f.name, std::move(f));
  }
  std::map<std::string, Function> previous;
  {
    std::lock_guard lock(mutex_);
    previous.swap(functions_);
    functions_ = std::move(loaded);
  }
  previous.clear();
}

}  // namespace lambda
}  // namespace pingwatch::local
