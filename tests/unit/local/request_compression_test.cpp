// Bodies sent with Content-Encoding: gzip (botocore 1.43 and the JS SDK compress PutMetricData of 10 KB or more)
// through the real HTTP listener: the signature covers the compressed bytes as sent, the service parses the
// inflated body, and a body that does not inflate is AWS's MalformedHttpRequestException.
#include <zlib.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include "aws/sigv4.h"
#include "local/stack.h"

namespace pingwatch::local {
namespace {

std::string gzip(const std::string& text) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
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

// A query-protocol PutMetricData of `count` data (over 10 KB from about 40 up: what botocore would compress).
std::string put_metric_data_form(const std::string& name, int count) {
  std::string body = "Action=PutMetricData&Version=2010-08-01&Namespace=Gzip%2FTest";
  for (int i = 1; i <= count; ++i) {
    const std::string m = "&MetricData.member." + std::to_string(i);
    body += m + ".MetricName=" + name + m + ".Value=" + std::to_string(i) + m + ".Unit=Count" + m +
            ".Dimensions.member.1.Name=InstanceId" + m + ".Dimensions.member.1.Value=i-" + std::to_string(100000 + i);
  }
  return body;
}

class RequestCompressionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StackOptions o;
    o.port = 0;
    o.quiet = true;
    o.fleet.nodes = 1;
    stack_ = std::make_unique<LocalStack>(o);
    stack_->start();
  }
  // Signs `signed_body` but sends `sent_body` (they differ only in the tests that prove what is covered).
  httplib::Result post(const aws::Headers& extra, const std::string& signed_body, const std::string& sent_body) {
    aws::HttpRequest r;
    r.method = "POST";
    r.url = stack_->endpoint_url() + "/";
    r.headers = extra;
    r.body = signed_body;
    aws::sigv4::sign_request(r, aws::Credentials{"test", "test", "", std::nullopt, "test"},
                             {"us-east-1", "monitoring", std::chrono::system_clock::now()});
    httplib::Headers headers;
    std::string content_type;
    for (const auto& [k, v] : r.headers) {
      if (k == "Content-Type") content_type = v;
      else if (k != "Host") headers.emplace(k, v);
    }
    httplib::Client client("127.0.0.1", stack_->port());
    return client.Post("/", headers, sent_body, content_type.c_str());
  }
  httplib::Result post_form(const std::string& form, bool compressed) {
    aws::Headers h{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    if (compressed) h.emplace_back("Content-Encoding", "gzip");
    const std::string body = compressed ? gzip(form) : form;
    return post(h, body, body);
  }
  std::unique_ptr<LocalStack> stack_;
};

TEST_F(RequestCompressionTest, GzipQueryPutMetricDataSignedOverCompressedBytesIsStored) {
  const std::string form = put_metric_data_form("GzipQuery", 200);
  ASSERT_GT(form.size(), 10u * 1024);
  auto put = post_form(form, true);
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  auto list = post_form("Action=ListMetrics&Version=2010-08-01&Namespace=Gzip%2FTest&MetricName=GzipQuery", false);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  EXPECT_NE(list->body.find("i-100200"), std::string::npos) << list->body.substr(0, 500);
  EXPECT_NE(list->body.find("i-100001"), std::string::npos);
}

TEST_F(RequestCompressionTest, GzipJsonPutMetricDataIsStored) {
  nlohmann::json data = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i) {
    data.push_back({{"MetricName", "GzipJson"}, {"Value", i}, {"Dimensions", {{{"Name", "N"}, {"Value", std::to_string(i)}}}}});
  }
  const std::string json = nlohmann::json{{"Namespace", "Gzip/Test"}, {"MetricData", data}}.dump();
  const aws::Headers h{{"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"},
                       {"Content-Encoding", "gzip"}};
  const std::string compressed = gzip(json);
  auto put = post(h, compressed, compressed);
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  const aws::Headers list_h{{"Content-Type", "application/x-amz-json-1.0"},
                            {"X-Amz-Target", "GraniteServiceVersion20100801.ListMetrics"}};
  const std::string list_body = R"({"Namespace":"Gzip/Test","MetricName":"GzipJson"})";
  auto list = post(list_h, list_body, list_body);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  EXPECT_EQ(nlohmann::json::parse(list->body)["Metrics"].size(), 500u);   // one page of the 1,000
}

TEST_F(RequestCompressionTest, SignatureOverTheInflatedBodyIsRejected) {
  // The signature covers the bytes sent: signing the uncompressed form and sending it gzipped must fail.
  const std::string form = put_metric_data_form("Forged", 50);
  const aws::Headers h{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Content-Encoding", "gzip"}};
  auto r = post(h, form, gzip(form));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << r->body;
}

TEST_F(RequestCompressionTest, BodyThatDoesNotInflateIsMalformedHttpRequest) {
  std::string broken = gzip(put_metric_data_form("Broken", 50));
  broken.resize(broken.size() / 2);
  const aws::Headers h{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Content-Encoding", "gzip"}};
  auto r = post(h, broken, broken);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("MalformedHttpRequestException"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace pingwatch::local
