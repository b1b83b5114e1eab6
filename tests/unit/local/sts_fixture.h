#pragma once
// What the tests of the local STS share (sts_service_test.cpp, organization_test.cpp): a stack context on a
// simulated clock, its credential store, and requests as the router hands them to a service (to STS: as a
// given access key signed them).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "local/sts/sts_service.h"

namespace pingwatch::local {

// A request as the router hands it to a service: addressed, parsed, request id "req-1"; the caller adds the
// input and who signed it.
inline Request routed_request(const std::string& service, const std::string& operation, WireProtocol protocol) {
  Request r;
  r.service = service;
  r.operation = operation;
  r.protocol = protocol;
  r.request_id = "req-1";
  return r;
}

namespace sts {

inline constexpr double kNow = 1712910600;   // 2024-04-12T08:30:00Z: the simulated clock's start

class StsFixture : public ::testing::Test {
 protected:
  StsFixture() { context_.clock = std::make_shared<SimClock>(kNow, 1.0); }

  // An STS operation as the router hands it over once the signature of `key` checked out.
  static Request request(const std::string& op, std::map<std::string, std::string> params,
                         const std::string& key = "test") {
    Request r = routed_request("sts", op, WireProtocol::Query);
    r.params = std::move(params);
    r.access_key_id = key;
    return r;
  }

  StackContext context_;
  CredentialStore keys_;
  std::unique_ptr<StsService> service_;
};

}  // namespace sts
}  // namespace pingwatch::local
