#include "local/services.h"

namespace pingwatch::local {

std::unique_ptr<Service> make_ssm_service(StackContext& /*context*/) { return nullptr; }

}  // namespace pingwatch::local
