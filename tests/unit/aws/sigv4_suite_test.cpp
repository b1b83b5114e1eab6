// The AWS SigV4 test suite (awslabs/aws-c-auth, header-signing cases) read from ../shared/testdata/sigv4
// next to the source tree. Cases with "normalize": false describe S3's un-normalised paths, which pingwatch
// never signs, and the query-* (presigned URL) files are out of scope: both are skipped, saying so.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"

namespace fs = std::filesystem;
using namespace pingwatch::aws;

namespace {

fs::path suite_dir() {
  if (const char* src = std::getenv("PINGWATCH_SOURCE_DIR")) return fs::path(src) / ".." / "shared" / "testdata" / "sigv4";
  // tests/unit/aws/<this file> -> <source dir>/../shared/testdata/sigv4
  return fs::path(PINGWATCH_SOURCE_DIR) / ".." / "shared" / "testdata" / "sigv4";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string strip_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// request.txt: "METHOD PATH HTTP/1.1", header lines (continuations start with whitespace), blank line, body.
HttpRequest parse_request(const std::string& text) {
  HttpRequest req;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  auto sp = line.find(' ');
  auto proto = line.rfind(" HTTP/");
  req.method = line.substr(0, sp);
  std::string path = line.substr(sp + 1, proto - sp - 1);
  bool in_body = false;
  std::string body;
  while (std::getline(in, line)) {
    if (in_body) {
      if (!body.empty()) body += "\n";
      body += line;
      continue;
    }
    if (line.empty()) {
      in_body = true;
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !req.headers.empty()) {
      req.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  req.body = body;
  const std::string* host = find_header(req.headers, "host");
  req.url = "https://" + (host ? *host : std::string("example.amazonaws.com")) + path;
  return req;
}

SystemTime parse_iso(const std::string& s) {   // 2015-08-30T12:36:00Z
  std::string compact = s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) + "T" + s.substr(11, 2) + s.substr(14, 2) +
                        s.substr(17, 2) + "Z";
  return *sigv4::parse_amz_date(compact);
}

std::string authorization_line(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Authorization:", 0) == 0) return line.substr(14);
  }
  return {};
}

class SigV4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, HeaderSigningMatches) {
  fs::path dir = suite_dir() / GetParam();
  auto context = nlohmann::json::parse(read_file(dir / "context.json"));
  if (!context.value("normalize", true)) GTEST_SKIP() << "un-normalised (S3-style) path: pingwatch signs no S3 requests";

  HttpRequest request = parse_request(read_file(dir / "request.txt"));
  Credentials creds;
  creds.access_key_id = context["credentials"]["access_key_id"];
  creds.secret_access_key = context["credentials"]["secret_access_key"];
  std::string token = context["credentials"].value("token", "");
  bool omit_token = context.value("omit_session_token", false);
  if (!omit_token) creds.session_token = token;
  if (context.value("sign_body", false)) {
    // aws-c-auth's option: declare the payload hash in x-amz-content-sha256 (which is then signed).
    request.headers.emplace_back("x-amz-content-sha256", sigv4::sha256_hex(request.body));
  }
  sigv4::SigningParams params{context["region"], context["service"], parse_iso(context["timestamp"])};
  sigv4::sign_request(request, creds, params);

  const std::string* auth = find_header(request.headers, "authorization");
  ASSERT_NE(auth, nullptr);
  auto parsed = sigv4::parse_authorization(*auth);
  ASSERT_TRUE(parsed.has_value()) << *auth;

  std::string payload = sigv4::sha256_hex(request.body);
  if (auto* declared = find_header(request.headers, "x-amz-content-sha256")) payload = *declared;
  std::string canonical = sigv4::canonical_request(request, parsed->signed_headers, payload);
  EXPECT_EQ(canonical, strip_trailing_newlines(read_file(dir / "header-canonical-request.txt")));

  std::string amz_date = sigv4::format_amz_date(params.time);
  std::string scope = parsed->date + "/" + parsed->region + "/" + parsed->service + "/aws4_request";
  std::string sts = sigv4::string_to_sign(amz_date, scope, canonical);
  EXPECT_EQ(sts, strip_trailing_newlines(read_file(dir / "header-string-to-sign.txt")));
  EXPECT_EQ(parsed->signature, strip_trailing_newlines(read_file(dir / "header-signature.txt")));
  EXPECT_EQ(*auth, authorization_line(read_file(dir / "header-signed-request.txt")));
}

std::vector<std::string> cases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(suite_dir(), ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "header-signature.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4Suite);
INSTANTIATE_TEST_SUITE_P(AwsTestSuite, SigV4Suite, ::testing::ValuesIn(cases()), case_name);

TEST(SigV4SuitePresence, SuiteFolderFoundOrSkipped) {
  if (!fs::exists(suite_dir())) {
    GTEST_SKIP() << "SigV4 test suite not found at " << suite_dir().string() << ": its cases were not run";
  }
  EXPECT_GE(cases().size(), 30u) << "expected the aws-c-auth v4 cases in " << suite_dir().string();
}
