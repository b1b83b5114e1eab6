// The zip's `bootstrap` (scripts/package-lambda.sh): what Lambda executes on provided.al2023. It starts
// bin/pingwatch (pingwatch-lambda) through the dynamic loader bundled in lib/, because Amazon Linux 2023's glibc
// is older than the one the binary is built against (docs/deploy.md, "What the zip holds"):
//   exec $root/lib/ld-linux-*.so.* --library-path $root/lib $root/bin/pingwatch args...
// with $root = $LAMBDA_TASK_ROOT, else this file's directory. A static executable that uses libc alone, so that
// it costs no loader, no shell and no script parsing before the runtime starts (a shell script did this before,
// and was a quarter of the time to the first /next).
//
// TLS trust: Amazon Linux keeps its CA bundle at kAmazonLinuxCaBundle, not where Debian's libcurl and OpenSSL
// look by default; when that file exists, every consumer is pointed at it (tests/integration/test_package_ca_bundle.sh
// patches the path in a copy of this binary to exercise the branch).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifndef PINGWATCH_BUNDLED_LOADER
#error "PINGWATCH_BUNDLED_LOADER (the loader's file name in lib/, e.g. ld-linux-x86-64.so.2) must be defined"
#endif

namespace {

constexpr char kAmazonLinuxCaBundle[] = "/etc/pki/tls/certs/ca-bundle.crt";
constexpr std::size_t kMaxPath = 4096;

// False when the path does not fit (checked, not truncated: a cut path would exec something else).
bool join(char* out, const char* root, const char* rest) {
  const int n = std::snprintf(out, kMaxPath, "%s/%s", root, rest);
  return n >= 0 && static_cast<std::size_t>(n) < kMaxPath;
}

}  // namespace

int main(int argc, char** argv) {
  static char root[kMaxPath];
  const char* task_root = std::getenv("LAMBDA_TASK_ROOT");
  const char* from = task_root != nullptr && *task_root != '\0' ? task_root : argv[0];
  if (std::strlen(from) >= sizeof root) {
    std::fprintf(stderr, "bootstrap: the task root path is too long\n");
    return 127;
  }
  std::memcpy(root, from, std::strlen(from) + 1);
  if (from == argv[0]) {
    char* slash = std::strrchr(root, '/');
    if (slash != nullptr) {
      *slash = '\0';
    } else {
      std::memcpy(root, ".", 2);
    }
  }
  if (::access(kAmazonLinuxCaBundle, R_OK) == 0) {
    ::setenv("SSL_CERT_FILE", kAmazonLinuxCaBundle, 1);
    ::setenv("CURL_CA_BUNDLE", kAmazonLinuxCaBundle, 1);
    ::setenv("AWS_CA_BUNDLE", kAmazonLinuxCaBundle, 1);
  }
  static char loader[kMaxPath], lib[kMaxPath], binary[kMaxPath];
  if (!join(loader, root, "lib/" PINGWATCH_BUNDLED_LOADER) || !join(lib, root, "lib") ||
      !join(binary, root, "bin/pingwatch")) {
    std::fprintf(stderr, "bootstrap: the task root path is too long\n");
    return 127;
  }
  static char* args[256];
  int n = 0;
  args[n++] = loader;
  args[n++] = const_cast<char*>("--library-path");
  args[n++] = lib;
  args[n++] = binary;
  for (int i = 1; i < argc && n < 255; ++i) args[n++] = argv[i];
  args[n] = nullptr;
  ::execv(loader, args);
  std::fprintf(stderr, "bootstrap: cannot execute %s: %s\n", loader, std::strerror(errno));
  return 127;
}
