// A profile the caller chose (--profile, AWS_PROFILE, AWS_DEFAULT_PROFILE) that exists in neither file is
// refused before anything runs, as botocore does (ProfileNotFound: "The config profile (nope) could not be
// found"), even when the environment holds keys that would otherwise have been used.
#include "aws/client_factory.h"
#include "credentials_test_support.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;

namespace {

std::string factory_error(const AwsOptions& options, const GetEnv& env) {
  try {
    ClientFactory factory(options, env);
    factory.credentials()->get();
  } catch (const ConfigurationError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other error: ") + e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_F(ChainTest, ChosenProfileThatDoesNotExistIsRefusedEvenWithEnvironmentKeys) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_.vars["AWS_PROFILE"] = "nope";
  write("config", "[profile dev]\nregion = us-east-1\n");
  const std::string msg = factory_error({}, env_.fn());
  EXPECT_NE(msg.find("The config profile (nope) could not be found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("AWS_PROFILE"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path("config")), std::string::npos) << msg;
  EXPECT_NE(msg.find(path("credentials")), std::string::npos) << msg;
}

TEST_F(ChainTest, EveryWayOfChoosingAProfileIsChecked) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_.vars["AWS_DEFAULT_PROFILE"] = "nope";
  EXPECT_NE(factory_error({}, env_.fn()).find("(from AWS_DEFAULT_PROFILE"), std::string::npos);
  env_.vars.erase("AWS_DEFAULT_PROFILE");
  AwsOptions flag;
  flag.profile = "nope";
  EXPECT_NE(factory_error(flag, env_.fn()).find("(from --profile"), std::string::npos);
  // botocore: a profile named explicitly must exist even when it is "default".
  env_.vars["AWS_PROFILE"] = "default";
  EXPECT_NE(factory_error({}, env_.fn()).find("The config profile (default) could not be found"), std::string::npos);
}

TEST_F(ChainTest, NoChosenProfileOrAnExistingOneIsFine) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  EXPECT_EQ(factory_error({}, env_.fn()), "(no error)");   // no files, no profile chosen: environment keys
  write("credentials", "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = s\n");
  env_.vars["AWS_PROFILE"] = "ops";   // a profile in the credentials file only exists too
  EXPECT_EQ(factory_error({}, env_.fn()), "(no error)");
}
