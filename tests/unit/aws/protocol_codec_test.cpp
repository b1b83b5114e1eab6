// Codec pieces: form encoding, timestamps, JSON/XML readers, query flattening.
#include <gtest/gtest.h>

#include "aws/error_parse.h"
#include "aws/http_date.h"
#include "aws/json_protocol.h"
#include "aws/query_protocol.h"
#include "aws/shape_reader.h"
#include "aws/url_parts.h"

using namespace pingwatch::aws;
namespace qp = pingwatch::aws::query_protocol;
namespace jp = pingwatch::aws::json_protocol;
using nlohmann::json;

TEST(QueryProtocol, PercentEncodesEverythingButUnreserved) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b+c/d=e&f*"), "a%20b%2Bc%2Fd%3De%26f%2A");
  EXPECT_EQ(uri_encode("Per-Instance Metrics"), "Per-Instance%20Metrics");
  EXPECT_EQ(uri_encode("東京"), "%E6%9D%B1%E4%BA%AC");
}

// The one splitter of queries and form bodies (the signer, decode_form, the local stack's router and signature
// check): pieces as written, empty ones skipped, a piece without '=' has an empty value.
TEST(QueryProtocol, QueryPiecesAreSplitAsWrittenAndFormDecodingMakesPlusASpace) {
  using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;
  Pairs split;
  for (const QueryPiece& piece : query_pieces("a=1&&b&c=x%3Dy+z&=v&")) split.emplace_back(piece.name, piece.value);
  EXPECT_EQ(split, (Pairs{{"a", "1"}, {"b", ""}, {"c", "x%3Dy+z"}, {"", "v"}}));
  EXPECT_EQ(query_pieces("a=1&X-Amz-Signature=f").back().text, "X-Amz-Signature=f");
  EXPECT_TRUE(query_pieces("").empty());
  EXPECT_EQ(form_decode("x%3Dy+z"), "x=y z");
  EXPECT_EQ(uri_decode("x%3Dy+z"), "x=y+z");
  EXPECT_EQ(form_decode("%2B%zz+"), "+%zz ");
}

TEST(QueryProtocol, BodyStartsWithActionAndVersionAndRoundTrips) {
  QueryParams params{{"Namespace", "SSM Agent"}, {"MetricData.member.1.MetricName", "Status"}, {"Empty", ""}};
  const std::string body = qp::encode_body("PutMetricData", "2010-08-01", params);
  EXPECT_EQ(body,
            "Action=PutMetricData&Version=2010-08-01&Namespace=SSM%20Agent&MetricData.member.1.MetricName=Status&Empty=");
  QueryParams decoded = qp::decode_form(body);
  ASSERT_EQ(decoded.size(), 5u);
  EXPECT_EQ(decoded[0], (std::pair<std::string, std::string>{"Action", "PutMetricData"}));
  EXPECT_EQ(decoded[2].second, "SSM Agent");
  EXPECT_EQ(decoded[4].second, "");
}

TEST(QueryProtocol, Iso8601FormatAndParse) {
  const SystemTime t = std::chrono::system_clock::from_time_t(1712910420);
  EXPECT_EQ(qp::format_iso8601(t), "2024-04-12T08:27:00Z");
  EXPECT_EQ(qp::format_iso8601(t + std::chrono::milliseconds(123)), "2024-04-12T08:27:00.123Z");
  EXPECT_EQ(qp::parse_iso8601("2024-04-12T08:27:00Z"), t);
  EXPECT_EQ(qp::parse_iso8601("2024-04-12T08:27:00.123Z"), t + std::chrono::milliseconds(123));
  EXPECT_EQ(qp::parse_iso8601("2024-04-12T17:27:00+09:00"), t);
  EXPECT_EQ(qp::parse_iso8601("2024-04-12T08:27:00.123+0000"), t + std::chrono::milliseconds(123));
  EXPECT_FALSE(qp::parse_iso8601("2024-04-12"));
  EXPECT_FALSE(qp::parse_iso8601("2024-13-12T08:27:00Z"));
  EXPECT_FALSE(qp::parse_iso8601("2024-04-12T08:27:00Zjunk"));
}

TEST(QueryProtocol, DoublesInShortestRoundTripForm) {
  EXPECT_EQ(qp::format_double(1.0), "1");
  EXPECT_EQ(qp::format_double(0.5), "0.5");
  EXPECT_EQ(qp::format_double(3.6266666666666665), "3.6266666666666665");
}

TEST(QueryProtocol, FlattenUsesMemberIndexesAndNestedNames) {
  json in = {{"Namespace", "SSM Agent"},
             {"MetricData", {{{"MetricName", "Status"},
                              {"Dimensions", {{{"Name", "Per-Instance Metrics"}, {"Value", "i-1"}}}},
                              {"Value", 1.0},
                              {"StorageResolution", 60}}}},
             {"AlarmNames", json::array()},
             {"ActionsEnabled", true}};
  QueryParams p = flatten_query_input(in);
  std::map<std::string, std::string> m(p.begin(), p.end());
  EXPECT_EQ(m.at("Namespace"), "SSM Agent");
  EXPECT_EQ(m.at("MetricData.member.1.MetricName"), "Status");
  EXPECT_EQ(m.at("MetricData.member.1.Dimensions.member.1.Name"), "Per-Instance Metrics");
  EXPECT_EQ(m.at("MetricData.member.1.Dimensions.member.1.Value"), "i-1");
  EXPECT_EQ(m.at("MetricData.member.1.Value"), "1");
  EXPECT_EQ(m.at("MetricData.member.1.StorageResolution"), "60");
  EXPECT_EQ(m.at("AlarmNames"), "");
  EXPECT_EQ(m.at("ActionsEnabled"), "true");
}

TEST(HttpDate, ParsesRfc1123Rfc850AndAsctime) {
  const SystemTime t = std::chrono::system_clock::from_time_t(1712910420);
  EXPECT_EQ(format_http_date(t), "Fri, 12 Apr 2024 08:27:00 GMT");
  EXPECT_EQ(parse_http_date("Fri, 12 Apr 2024 08:27:00 GMT"), t);
  EXPECT_EQ(parse_http_date("Friday, 12-Apr-24 08:27:00 GMT"), t);
  EXPECT_EQ(parse_http_date("Fri Apr 12 08:27:00 2024"), t);
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Fri, 12 Foo 2024 08:27:00 GMT"));
}

TEST(JsonProtocol, EncodeRefusesInvalidUtf8NamingTheOperation) {
  json in = {{"Name", std::string("\xff\xfe")}};
  try {
    jp::encode_body(in, "PutRule");
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("PutRule"), std::string::npos);
  }
  EXPECT_EQ(jp::encode_body(json{{"Value", "東京"}}, "X"), "{\"Value\":\"東京\"}");
  EXPECT_EQ(jp::encode_body(json(), "X"), "{}");
}

TEST(JsonProtocol, DecodeBodyRejectsNonObjects) {
  EXPECT_TRUE(jp::decode_body("").empty());
  EXPECT_TRUE(jp::decode_body("  \n").is_object());
  EXPECT_THROW(jp::decode_body("<html>"), DecodeError);
  EXPECT_THROW(jp::decode_body("[1,2]"), DecodeError);
  EXPECT_THROW(jp::decode_body("{\"a\":"), DecodeError);
}

TEST(JsonProtocol, CheckedReadersNameTheField) {
  json o = {{"S", "x"}, {"N", 1.5}, {"I", 3}, {"B", true}, {"T", 1712910420.5}, {"Null", nullptr}};
  EXPECT_EQ(jp::get_string(o, "S"), "x");
  EXPECT_EQ(jp::get_string(o, "Missing"), "");
  EXPECT_EQ(jp::get_string(o, "Null"), "");
  EXPECT_EQ(jp::get_number(o, "N"), 1.5);
  EXPECT_EQ(jp::get_integer(o, "I"), 3);
  EXPECT_EQ(jp::get_bool(o, "B"), true);
  EXPECT_EQ(jp::get_timestamp(o, "T"),
            std::chrono::system_clock::from_time_t(1712910420) + std::chrono::milliseconds(500));
  try {
    jp::get_string(o, "N");
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("field N should be a string"), std::string::npos);
  }
  EXPECT_THROW(jp::get_integer(o, "N"), DecodeError);
  EXPECT_THROW(jp::get_array(o, "S"), DecodeError);
}

TEST(ShapeReader, SameDecoderForJsonAndXml) {
  json j = {{"AlarmName", "a"}, {"Threshold", 1.0}, {"Period", 60}, {"ActionsEnabled", false},
            {"AlarmActions", {"arn:1", "arn:2"}}, {"Dimensions", {{{"Name", "n"}, {"Value", "v"}}}},
            {"StateUpdatedTimestamp", 1712910420}};
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(
      "<m><AlarmName>a</AlarmName><Threshold>1.0</Threshold><Period>60</Period><ActionsEnabled>false</ActionsEnabled>"
      "<AlarmActions><member>arn:1</member><member>arn:2</member></AlarmActions>"
      "<Dimensions><member><Name>n</Name><Value>v</Value></member></Dimensions>"
      "<StateUpdatedTimestamp>2024-04-12T08:27:00.000Z</StateUpdatedTimestamp></m>"));
  for (const ShapeReader& r : {ShapeReader(j), ShapeReader(doc.child("m"))}) {
    EXPECT_EQ(r.str("AlarmName"), "a");
    EXPECT_EQ(r.num("Threshold"), 1.0);
    EXPECT_EQ(r.integer("Period"), 60);
    EXPECT_EQ(r.boolean("ActionsEnabled"), false);
    EXPECT_EQ(r.strings("AlarmActions"), (std::vector<std::string>{"arn:1", "arn:2"}));
    ASSERT_EQ(r.list("Dimensions").size(), 1u);
    EXPECT_EQ(r.list("Dimensions")[0].str("Value"), "v");
    EXPECT_EQ(r.time("StateUpdatedTimestamp"), std::chrono::system_clock::from_time_t(1712910420));
    EXPECT_FALSE(r.num("Missing"));
  }
  pugi::xml_document bad;
  ASSERT_TRUE(bad.load_string("<m><Threshold>high</Threshold></m>"));
  EXPECT_THROW(ShapeReader(bad.child("m")).num("Threshold"), DecodeError);
}
