#pragma once
// The dashboard's files (src/runtime/dashboard/), compiled into the binary by src/runtime/dashboard/embed.cmake.
#include <string_view>

namespace pingwatch::runtime {

extern const std::string_view kDashboardHtml;   // index.html: {{STYLE}}, {{MAIN}}, {{SCRIPT}} are filled in
extern const std::string_view kDashboardCss;
extern const std::string_view kDashboardJs;

}  // namespace pingwatch::runtime
