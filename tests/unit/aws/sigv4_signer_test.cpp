// SigV4 signer: golden vectors computed with botocore 1.29's SigV4Auth (Debian python3-botocore, time frozen
// at 2024-04-12T08:28:26Z), header handling, and parse_authorization.
#include <gtest/gtest.h>

#include "aws/sigv4.h"
#include "aws/url_parts.h"

using namespace pingwatch::aws;

namespace {

SystemTime frozen() { return *sigv4::parse_amz_date("20240412T082826Z"); }

Credentials example_creds(std::string token = {}) {
  return Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::move(token), std::nullopt, "test"};
}

}  // namespace

TEST(SigV4Signer, Json11WithSessionTokenMatchesBotocore) {
  HttpRequest req;
  req.url = "https://ssm.ap-northeast-1.amazonaws.com/";
  req.headers = {{"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}, {"Content-Type", "application/x-amz-json-1.1"}};
  req.body = R"({"MaxResults":50})";
  sigv4::sign_request(req, example_creds("session-token-example"), {"ap-northeast-1", "ssm", frozen()});
  EXPECT_EQ(*find_header(req.headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240412/ap-northeast-1/ssm/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
            "Signature=80de33368c27ff53ba93cdc3417fdff9585dbc55938d94b79b8ad39fb6e10355");
  EXPECT_EQ(*find_header(req.headers, "X-Amz-Security-Token"), "session-token-example");
  EXPECT_EQ(*find_header(req.headers, "X-Amz-Date"), "20240412T082826Z");
  EXPECT_EQ(*find_header(req.headers, "Host"), "ssm.ap-northeast-1.amazonaws.com");
}

TEST(SigV4Signer, QueryBodyOnNonDefaultPortMatchesBotocore) {
  HttpRequest req;
  req.url = "http://127.0.0.1:4566/";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = "Action=Publish&Version=2010-03-31&Message=%E3%81%93%E3%82%93";
  sigv4::sign_request(req, example_creds(), {"us-east-1", "sns", frozen()});
  EXPECT_EQ(*find_header(req.headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240412/us-east-1/sns/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=623f2f87c24e5588ccb7573e4a0651bf08b32334afcd4918329960abd083bca0");
  EXPECT_EQ(*find_header(req.headers, "Host"), "127.0.0.1:4566");
  EXPECT_EQ(find_header(req.headers, "X-Amz-Security-Token"), nullptr);
}

TEST(SigV4Signer, ResigningReplacesAuthorizationDateAndToken) {
  HttpRequest req;
  req.url = "https://sts.us-east-1.amazonaws.com/";
  req.body = "Action=GetCallerIdentity&Version=2011-06-15";
  sigv4::sign_request(req, example_creds("old"), {"us-east-1", "sts", frozen()});
  sigv4::sign_request(req, example_creds("new"), {"us-east-1", "sts", frozen() + std::chrono::minutes(1)});
  int auth = 0, date = 0, token = 0;
  for (const auto& [k, v] : req.headers) {
    auth += k == "Authorization";
    date += k == "X-Amz-Date";
    token += k == "X-Amz-Security-Token";
  }
  EXPECT_EQ(auth, 1);
  EXPECT_EQ(date, 1);
  EXPECT_EQ(token, 1);
  EXPECT_EQ(*find_header(req.headers, "X-Amz-Security-Token"), "new");
  EXPECT_EQ(*find_header(req.headers, "X-Amz-Date"), "20240412T082926Z");
}

TEST(SigV4Signer, TransportHeadersAreNotSigned) {
  HttpRequest req;
  req.url = "https://monitoring.us-east-1.amazonaws.com/";
  req.headers = {{"User-Agent", "pingwatch/0.1"}, {"Expect", "100-continue"}, {"X-Amzn-Trace-Id", "Root=1"},
                 {"X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"}};
  sigv4::sign_request(req, example_creds(), {"us-east-1", "monitoring", frozen()});
  auto auth = sigv4::parse_authorization(*find_header(req.headers, "Authorization"));
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->signed_headers, (std::vector<std::string>{"host", "x-amz-date", "x-amz-target"}));
}

TEST(SigV4Signer, CanonicalHeadersTrimCollapseAndJoinDuplicates) {
  HttpRequest req;
  req.method = "get";
  req.url = "https://example.amazonaws.com/a/./b/../c//d?b=2&a=1&a=0&c";
  req.headers = {{"Host", "example.amazonaws.com"}, {"X-Multi", "  one   two  "}, {"x-multi", "three\n   four"}};
  std::string canonical = sigv4::canonical_request(req, {"host", "x-multi"}, "HASH");
  EXPECT_EQ(canonical,
            "GET\n/a/c/d\na=0&a=1&b=2&c=\nhost:example.amazonaws.com\nx-multi:one two,three four\n\nhost;x-multi\nHASH");
}

TEST(SigV4Signer, PathIsEncodedOnceMoreAsForNonS3Services) {
  HttpRequest req;
  req.method = "GET";
  req.url = "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my%3Afn/invocations";
  std::string canonical = sigv4::canonical_request(req, {"host"}, "H");
  EXPECT_EQ(canonical.substr(0, canonical.find('\n', 4)), "GET\n/2015-03-31/functions/my%253Afn/invocations");
}

TEST(SigV4Signer, RefusesToSignWithoutKeysOrRegion) {
  HttpRequest req;
  req.url = "https://ssm.us-east-1.amazonaws.com/";
  EXPECT_THROW(sigv4::sign_request(req, Credentials{}, {"us-east-1", "ssm", frozen()}), std::invalid_argument);
  EXPECT_THROW(sigv4::sign_request(req, example_creds(), {"", "ssm", frozen()}), std::invalid_argument);
}

TEST(SigV4Dates, FormatAndParse) {
  EXPECT_EQ(sigv4::format_amz_date(frozen()), "20240412T082826Z");
  EXPECT_FALSE(sigv4::parse_amz_date("2024-04-12T08:28:26Z"));
  EXPECT_FALSE(sigv4::parse_amz_date("20241312T082826Z"));
  EXPECT_FALSE(sigv4::parse_amz_date("20240412T082826"));
}

TEST(SigV4Hashes, KnownValues) {
  EXPECT_EQ(sigv4::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  std::string mac = sigv4::hmac_sha256("Jefe", "what do ya want for nothing?");
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : mac) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(ParseAuthorization, ParsesEveryPart) {
  auto a = sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(a->date, "20150830");
  EXPECT_EQ(a->region, "us-east-1");
  EXPECT_EQ(a->service, "iam");
  EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  EXPECT_EQ(a->signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  // Spacing variants clients use.
  EXPECT_TRUE(sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=ab"));
}

TEST(ParseAuthorization, MissingPiecesAreRejected) {
  EXPECT_FALSE(sigv4::parse_authorization(""));
  EXPECT_FALSE(sigv4::parse_authorization("AWS AKID:sig"));
  EXPECT_FALSE(sigv4::parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab"));
  EXPECT_FALSE(sigv4::parse_authorization("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, Signature=ab"));
  EXPECT_FALSE(sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host"));
  EXPECT_FALSE(sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature=ab"));
  EXPECT_FALSE(sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/other, SignedHeaders=host, Signature=ab"));
  EXPECT_FALSE(sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;;x, Signature=ab"));
}

TEST(UrlParts, SplitsAndEncodes) {
  auto u = split_url("HTTPS://User@Example.COM:8443/p/a?x=1#frag");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, "8443");
  EXPECT_EQ(u.path, "/p/a");
  EXPECT_EQ(u.query, "x=1");
  EXPECT_EQ(host_header_value(u), "example.com:8443");
  EXPECT_EQ(host_header_value(split_url("https://h:443/")), "h");
  EXPECT_EQ(host_header_value(split_url("http://[::1]:8080/")), "[::1]:8080");
  EXPECT_THROW(split_url("no-scheme"), std::invalid_argument);
  EXPECT_EQ(uri_encode("a b/ü~"), "a%20b%2F%C3%BC~");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(uri_decode("a%20b%2fc+%zz"), "a b/c+%zz");
}
