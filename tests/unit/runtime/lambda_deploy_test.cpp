#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "runtime/lambda_deploy.h"

using namespace pingwatch::runtime;

namespace {
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name, const std::string& content) : path(::testing::TempDir() + name) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

DeployOptions valid(const TempFile& zip, const TempFile& tmpl) {
  DeployOptions o;
  o.stack = "pingwatch";
  o.email = "ops@example.com";
  o.region = "ap-northeast-1";
  o.zip = zip.path;
  o.template_file = tmpl.path;
  return o;
}
}  // namespace

TEST(LambdaDeploy, Sha256OfAKnownInput) {
  TempFile f("pw-sha.bin", "abc");
  EXPECT_EQ(sha256_file_hex(f.path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(sha256_file_hex(f.path + ".missing"), std::runtime_error);
}

TEST(LambdaDeploy, CodeKeyChangesWithTheContent) {
  EXPECT_EQ(code_key("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "dist/pingwatch-lambda-arm64.zip"),
            "pingwatch/ba7816bf8f01cfea/pingwatch-lambda-arm64.zip");
  EXPECT_EQ(default_bucket("123456789012", "ap-northeast-1"), "pingwatch-artifacts-123456789012-ap-northeast-1");
}

TEST(LambdaDeploy, ArchitectureFollowsTheZipUnlessGiven) {
  DeployOptions o;
  o.zip = "dist/pingwatch-lambda-arm64.zip";
  EXPECT_EQ(architecture_of(o), "arm64");
  o.zip = "dist/pingwatch-lambda-x86_64.zip";
  EXPECT_EQ(architecture_of(o), "x86_64");
  o.architecture = "arm64";
  EXPECT_EQ(architecture_of(o), "arm64");
}

TEST(LambdaDeploy, ValidationNamesTheOption) {
  TempFile zip("pw-lambda-x86_64.zip", "zip"), tmpl("pw-template.yaml", "Resources: {}");
  EXPECT_NO_THROW(validate_deploy_options(valid(zip, tmpl)));
  auto expect_error = [&](auto mutate, const std::string& needle) {
    DeployOptions o = valid(zip, tmpl);
    mutate(o);
    try {
      validate_deploy_options(o);
      ADD_FAILURE() << "accepted; expected an error mentioning " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([](DeployOptions& o) { o.stack = "1stack"; }, "--stack");
  expect_error([](DeployOptions& o) { o.stack = "has_underscore"; }, "--stack");
  expect_error([](DeployOptions& o) { o.email = "nobody"; }, "--email");
  expect_error([](DeployOptions& o) { o.region = "Tokyo"; }, "--region");
  expect_error([](DeployOptions& o) { o.bucket = "UPPER"; }, "--bucket");
  expect_error([](DeployOptions& o) { o.architecture = "i386"; }, "--architecture");
  expect_error([](DeployOptions& o) { o.parameters = {"NoEquals"}; }, "--parameter");
  expect_error([](DeployOptions& o) { o.parameters = {"CodeBucket=x"}; }, "set by deploy itself");
  expect_error([](DeployOptions& o) { o.parameters = {"Mode=both"}; }, "--mode");
  expect_error([](DeployOptions& o) { o.mode = "alarm"; }, "--mode \"alarm\" is not allowed");
  expect_error([](DeployOptions& o) { o.zip += ".missing"; }, "make package");
  expect_error([](DeployOptions& o) { o.template_file += ".missing"; }, "--template");
}

TEST(LambdaDeploy, CommandsAreArgvWithoutAShell) {
  DeployOptions o;
  o.stack = "pingwatch";
  o.email = "ops@example.com";
  o.region = "ap-northeast-1";
  o.profile = "prod";
  o.parameters = {"NameSuffix=-b"};
  const auto deploy = stack_deploy_command(o, "bucket", "pingwatch/k/pingwatch-lambda-x86_64.zip");
  const std::vector<std::string> head{"aws", "--region", "ap-northeast-1", "--profile", "prod", "cloudformation", "deploy"};
  ASSERT_GE(deploy.size(), head.size());
  EXPECT_TRUE(std::equal(head.begin(), head.end(), deploy.begin()));
  auto has = [&](const std::string& s) { return std::find(deploy.begin(), deploy.end(), s) != deploy.end(); };
  EXPECT_TRUE(has("CAPABILITY_NAMED_IAM"));
  EXPECT_TRUE(has("CodeKey=pingwatch/k/pingwatch-lambda-x86_64.zip"));
  EXPECT_TRUE(has("NameSuffix=-b"));
  EXPECT_TRUE(has("Mode=watch")) << "watch is the default deployment (docs/deploy.md)";
  EXPECT_EQ(deploy.back(), "NameSuffix=-b");
  o.mode = "both";
  EXPECT_TRUE(std::ranges::count(stack_deploy_command(o, "bucket", "key"), std::string("Mode=both")) == 1);
  const auto up = upload_command(o, "bucket", "key");
  EXPECT_EQ(up[up.size() - 2], "s3://bucket/key");
}
