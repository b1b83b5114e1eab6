#pragma once
// The dashboard's files (src/runtime/dashboard/), compiled into the binary by pingwatch_embed_text (src/CMakeLists.txt).
#include <string_view>

namespace pingwatch::runtime {

extern const std::string_view kDashboardHtml;   // index.html: {{STYLE}}, {{MAIN}}, {{SCRIPT}} are filled in
extern const std::string_view kDashboardCss;
extern const std::string_view kDashboardJs;

}  // namespace pingwatch::runtime
