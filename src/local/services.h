#pragma once
// Factories of the emulated services; the stack (stack.cpp) creates each once and routes to it by signing name.
// A factory may return nullptr while its service is not built yet: the stack then answers that service with 501.
#include <memory>

#include "local/service.h"

namespace pingwatch::local {

std::unique_ptr<Service> make_cloudwatch_service(StackContext& context);  // cloudwatch/ (signing name monitoring)
std::unique_ptr<Service> make_sns_service(StackContext& context);         // sns/      (implements SnsPublisher)
std::unique_ptr<Service> make_events_service(StackContext& context);      // events/
std::unique_ptr<Service> make_lambda_service(StackContext& context);      // lambda/   (implements LambdaInvoker)
std::unique_ptr<Service> make_dynamodb_service(StackContext& context);    // dynamodb/

}  // namespace pingwatch::local
