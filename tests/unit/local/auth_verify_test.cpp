// SigV4 verification as the local stack does it: signed by the project's signer, checked by auth.cpp.
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include "aws/sigv4.h"
#include "local/auth.h"

namespace pingwatch::local {
namespace {

constexpr double kNow = 1712910600;   // 2024-04-12T08:30:00Z

aws::HttpRequest make_request(const std::string& body = R"({"MaxResults":5})") {
  aws::HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:4566/";
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}};
  r.body = body;
  return r;
}

aws::HttpRequest sign(aws::HttpRequest r, const std::string& key, const std::string& secret, double at,
                      const std::string& region = "us-east-1", const std::string& service = "ssm") {
  aws::Credentials creds{key, secret, "", std::nullopt, "test"};
  aws::sigv4::SigningParams params{region, service,
                                   std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<long long>(at)))};
  aws::sigv4::sign_request(r, creds, params);
  return r;
}

SignedRequest received(const aws::HttpRequest& r, const std::string& expected_service = "ssm") {
  const auto path_start = r.url.find('/', 7);
  return SignedRequest{r.method, r.url.substr(path_start), r.headers, r.body, expected_service};
}

AuthFailure::Kind failure_of(const SignedRequest& request, double wall = kNow, double sim = kNow) {
  CredentialStore keys;
  try {
    verify_signature(request, keys, wall, sim);
  } catch (const AuthFailure& f) {
    return f.kind;
  }
  ADD_FAILURE() << "verification unexpectedly succeeded";
  return AuthFailure::Kind::MissingToken;
}

std::string message_of(const SignedRequest& request, double wall = kNow, double sim = kNow) {
  CredentialStore keys;
  try {
    verify_signature(request, keys, wall, sim);
  } catch (const AuthFailure& f) {
    return f.what();
  }
  return "";
}

TEST(AuthVerify, AcceptsCorrectlySignedRequest) {
  CredentialStore keys;
  const Identity id = verify_signature(received(sign(make_request(), "test", "test", kNow)), keys, kNow, kNow);
  EXPECT_EQ(id.account_id, "123456789012");
  EXPECT_EQ(id.service, "ssm");
  EXPECT_EQ(id.region, "us-east-1");
}

TEST(AuthVerify, WrongSecretIsSignatureMismatch) {
  const auto r = received(sign(make_request(), "test", "not-the-secret", kNow));
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
  EXPECT_EQ(message_of(r),
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.");
}

TEST(AuthVerify, UnknownKeyIsUnrecognized) {
  const auto r = received(sign(make_request(), "AKIDUNKNOWN", "x", kNow));
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::UnknownKey);
  EXPECT_EQ(message_of(r), "The security token included in the request is invalid.");
}

TEST(AuthVerify, BodyModifiedAfterSigningIsRejected) {
  auto r = received(sign(make_request(), "test", "test", kNow));
  r.body = R"({"MaxResults":50})";
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
}

// A gzip body as botocore 1.43 sends PutMetricData over 10 KB: Content-Encoding: gzip, no x-amz-content-sha256,
// the signature computed over the compressed bytes.
std::string gzip(const std::string& text) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, text.size()) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

aws::HttpRequest gzip_query_request(const std::string& form) {
  aws::HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:4566/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Content-Encoding", "gzip"}};
  r.body = gzip(form);
  return r;
}

const std::string kForm = "Action=PutMetricData&Version=2010-08-01&Namespace=N&MetricData.member.1.MetricName=M"
                          "&MetricData.member.1.Value=1";

TEST(AuthVerify, GzipBodyIsVerifiedAsTheCompressedBytesSent) {
  CredentialStore keys;
  const auto r = received(sign(gzip_query_request(kForm), "test", "test", kNow, "us-east-1", "monitoring"), "monitoring");
  EXPECT_NO_THROW(verify_signature(r, keys, kNow, kNow));
  // The inflated text is not what was signed.
  auto inflated = r;
  inflated.body = kForm;
  EXPECT_EQ(failure_of(inflated), AuthFailure::Kind::BadSignature);
}

TEST(AuthVerify, GzipBodyWithContentSha256OfTheInflatedTextIsRejected) {
  // x-amz-content-sha256 must be the hash of the bytes sent, compressed or not.
  auto request = gzip_query_request(kForm);
  request.headers.emplace_back("X-Amz-Content-Sha256", aws::sigv4::sha256_hex(kForm));
  const auto r = received(sign(request, "test", "test", kNow, "us-east-1", "monitoring"), "monitoring");
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
  EXPECT_EQ(message_of(r), "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST(AuthVerify, GzipBodyWithContentSha256OfTheCompressedBytesIsAccepted) {
  CredentialStore keys;
  auto request = gzip_query_request(kForm);
  request.headers.emplace_back("X-Amz-Content-Sha256", aws::sigv4::sha256_hex(request.body));
  EXPECT_NO_THROW(verify_signature(received(sign(request, "test", "test", kNow, "us-east-1", "monitoring"), "monitoring"),
                                   keys, kNow, kNow));
}

TEST(AuthVerify, SignedHeaderChangedAfterSigningIsRejected) {
  auto r = received(sign(make_request(), "test", "test", kNow));
  aws::set_header(r.headers, "X-Amz-Target", "AmazonSSM.ListTagsForResource");
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
}

TEST(AuthVerify, WrongServiceScopeNamesTheRightService) {
  const auto r = received(sign(make_request(), "test", "test", kNow, "us-east-1", "monitoring"), "ssm");
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
  EXPECT_EQ(message_of(r), "Credential should be scoped to correct service: 'ssm'. ");
}

TEST(AuthVerify, InvalidRegionScopeIsRejected) {
  const auto r = received(sign(make_request(), "test", "test", kNow, "moon-base"));
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
  EXPECT_EQ(message_of(r), "Credential should be scoped to a valid region, not 'moon-base'. ");
}

TEST(AuthVerify, ScopeRegionDifferentFromSigningRegionIsMismatch) {
  // Signed for us-east-1, then the scope edited to say eu-west-1: the signature no longer matches.
  auto r = received(sign(make_request(), "test", "test", kNow));
  auto* auth = const_cast<std::string*>(aws::find_header(r.headers, "authorization"));
  auth->replace(auth->find("us-east-1"), 9, "eu-west-1");
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::BadSignature);
}

TEST(AuthVerify, OldDateIsExpiredWithAwsText) {
  const double signed_at = kNow - 22 * 60;   // 08:08:00
  const auto r = received(sign(make_request(), "test", "test", signed_at));
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::Expired);
  EXPECT_EQ(message_of(r), "Signature expired: 20240412T080800Z is now earlier than 20240412T081500Z "
                           "(20240412T083000Z - 15 min.)");
}

TEST(AuthVerify, FutureDateIsNotYetCurrent) {
  const auto r = received(sign(make_request(), "test", "test", kNow + 3600));
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::Expired);
  EXPECT_EQ(message_of(r).rfind("Signature not yet current: 20240412T093000Z is still later than", 0), 0u);
}

TEST(AuthVerify, DateNearEitherClockIsAccepted) {
  CredentialStore keys;
  // Signed with the wall clock while the simulated clock is hours ahead (botocore, AWS CLI) ...
  EXPECT_NO_THROW(verify_signature(received(sign(make_request(), "test", "test", kNow)), keys, kNow, kNow + 7200));
  // ... and signed with the simulated clock read from the Date header (AWS SDK for JavaScript v3).
  EXPECT_NO_THROW(verify_signature(received(sign(make_request(), "test", "test", kNow + 7200)), keys, kNow, kNow + 7200));
  // Far from both: refused.
  EXPECT_THROW(verify_signature(received(sign(make_request(), "test", "test", kNow + 3600)), keys, kNow, kNow + 7200),
               AuthFailure);
}

TEST(AuthVerify, MissingAuthorizationIsMissingToken) {
  EXPECT_EQ(failure_of(received(make_request())), AuthFailure::Kind::MissingToken);
}

TEST(AuthVerify, MalformedAuthorizationIsIncomplete) {
  auto r = received(make_request());
  r.headers.emplace_back("Authorization", "Bearer abc");
  r.headers.emplace_back("X-Amz-Date", "20240412T083000Z");
  EXPECT_EQ(failure_of(r), AuthFailure::Kind::Incomplete);
  EXPECT_NE(message_of(r).find("Authorization header requires 'Credential' parameter."), std::string::npos);
}

TEST(AuthVerify, PresignedQueryIsVerified) {
  // Build a presigned GET by hand: the canonical request's query carries the X-Amz-* parameters.
  const std::string date = "20240412T083000Z";
  const std::string credential = "test%2F20240412%2Fus-east-1%2Fssm%2Faws4_request";
  const std::string query = "Action=DescribeInstanceInformation&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                            credential + "&X-Amz-Date=" + date + "&X-Amz-Expires=300&X-Amz-SignedHeaders=host";
  aws::HttpRequest r;
  r.method = "GET";
  r.url = "http://127.0.0.1:4566/?" + query;
  r.headers = {{"Host", "127.0.0.1:4566"}};
  const std::string canonical = aws::sigv4::canonical_request(r, {"host"}, aws::sigv4::sha256_hex(""));
  const std::string to_sign = aws::sigv4::string_to_sign(date, "20240412/us-east-1/ssm/aws4_request", canonical);
  const std::string sig = aws::sigv4::signature("test", "20240412", "us-east-1", "ssm", to_sign);
  CredentialStore keys;
  SignedRequest ok{"GET", "/?" + query + "&X-Amz-Signature=" + sig, r.headers, "", ""};
  EXPECT_EQ(verify_signature(ok, keys, kNow, kNow).service, "ssm");
  SignedRequest bad{"GET", "/?" + query + "&X-Amz-Signature=" + std::string(64, '0'), r.headers, "", ""};
  EXPECT_EQ(failure_of(bad), AuthFailure::Kind::BadSignature);
  // Past X-Amz-Expires on both clocks.
  EXPECT_EQ(failure_of(ok, kNow + 600, kNow + 600), AuthFailure::Kind::Expired);
}

TEST(AuthVerify, CredentialsFileFormats) {
  const std::string text_path = ::testing::TempDir() + "/pw_keys.txt";
  {
    FILE* f = std::fopen(text_path.c_str(), "w");
    std::fputs("# comment\nAKIDONE secret-one 111122223333\nAKIDTWO secret-two\n", f);
    std::fclose(f);
  }
  const auto keys = CredentialStore::load_file(text_path);
  ASSERT_TRUE(keys.find("AKIDONE"));
  EXPECT_EQ(keys.find("AKIDONE")->account_id, "111122223333");
  EXPECT_EQ(keys.find("AKIDTWO")->account_id, "123456789012");
  EXPECT_FALSE(keys.find("test"));   // a file replaces the default pair
  const std::string json_path = ::testing::TempDir() + "/pw_keys-" + std::to_string(::getpid()) + ".json";
  {
    FILE* f = std::fopen(json_path.c_str(), "w");
    std::fputs(R"([{"access_key_id":"A1","secret_access_key":"S1","account_id":"444455556666"}])", f);
    std::fclose(f);
  }
  EXPECT_EQ(CredentialStore::load_file(json_path).find("A1")->account_id, "444455556666");
}

}  // namespace
}  // namespace pingwatch::local
