// libcurl and libcrypto for pingwatch-lambda, loaded on first use instead of at exec. Only the slim Lambda
// executable is built with this file (src/CMakeLists.txt): it defines the libcurl and OpenSSL functions src/aws
// calls, each of which dlopen()s its library the first time one is called (the first AWS request, inside the
// first invocation), so that the dynamic loader maps and relocates neither libcurl, its ~30 dependencies nor
// libcrypto before the runtime's first /next. With -Wl,--as-needed the executable then records no DT_NEEDED
// entry for either. On provided.al2023 they are the system's libcurl-minimal and OpenSSL 3; elsewhere whichever
// the loader finds (docs/deploy.md). A function src/aws starts calling must be added here; if it is not, the
// linker takes it from the real library, which --as-needed then keeps: scripts/package-lambda.sh refuses such
// a binary (it checks that ldd lists neither).
#define CURL_DISABLE_TYPECHECK   // the type-checking macros would shadow the definitions below
#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdarg>
#include <stdexcept>
#include <string>

namespace {

void* open_library(const char* soname, const char* purpose) {
  void* h = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* why = ::dlerror();
    throw std::runtime_error(std::string("cannot load ") + soname + " (" + purpose + "): " +
                             (why != nullptr ? why : "unknown error"));
  }
  return h;
}

void* libcurl() {
  static void* const handle = open_library("libcurl.so.4", "the AWS client's HTTP transport");
  return handle;
}

void* libcrypto() {
  static void* const handle = open_library("libcrypto.so.3", "SigV4's SHA-256 and HMAC");
  return handle;
}

template <typename Fn>
Fn resolve(void* library, Fn /*signature*/, const char* name) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) throw std::runtime_error(std::string("no ") + name + " in the loaded library");
  return reinterpret_cast<Fn>(symbol);
}

// `static const auto real = ...` in each function: resolved once, thread-safely, on its first call.
#define PINGWATCH_REAL(library, fn) static const auto real = resolve(library(), &fn, #fn)

}  // namespace

extern "C" {

// The HTTP client calls curl_global_init when it is constructed, which the Lambda handler does at init (before
// the first /next): the flags are kept and libcurl is loaded and initialised with them by the first
// curl_easy_init, the first request's. A failure then shows as no handle (or the load's exception).
namespace {
long global_init_flags = CURL_GLOBAL_DEFAULT;
}

CURLcode curl_global_init(long flags) {
  global_init_flags = flags;   // src/aws calls this once (std::call_once) before any curl_easy_init
  return CURLE_OK;
}

CURL* curl_easy_init(void) {
  static const CURLcode global_init_result = resolve(libcurl(), &curl_global_init, "curl_global_init")(global_init_flags);
  if (global_init_result != CURLE_OK) return nullptr;
  PINGWATCH_REAL(libcurl, curl_easy_init);
  return real();
}

void curl_easy_cleanup(CURL* handle) {
  PINGWATCH_REAL(libcurl, curl_easy_cleanup);
  real(handle);
}

void curl_easy_reset(CURL* handle) {
  PINGWATCH_REAL(libcurl, curl_easy_reset);
  real(handle);
}

CURLcode curl_easy_perform(CURL* handle) {
  PINGWATCH_REAL(libcurl, curl_easy_perform);
  return real(handle);
}

const char* curl_easy_strerror(CURLcode code) {
  PINGWATCH_REAL(libcurl, curl_easy_strerror);
  return real(code);
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  PINGWATCH_REAL(libcurl, curl_slist_append);
  return real(list, text);
}

void curl_slist_free_all(curl_slist* list) {
  PINGWATCH_REAL(libcurl, curl_slist_free_all);
  real(list);
}

// The one variadic argument is passed on with the type libcurl reads it as: the option's number says which
// (CURLOPTTYPE_* ranges, as curl/curl.h documents them).
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  PINGWATCH_REAL(libcurl, curl_easy_setopt);
  va_list args;
  va_start(args, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = real(handle, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = real(handle, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    rc = real(handle, option, va_arg(args, void (*)()));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = real(handle, option, va_arg(args, curl_off_t));
  } else {
    rc = real(handle, option, va_arg(args, void*));
  }
  va_end(args);
  return rc;
}

CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {   // every CURLINFO_* takes a pointer
  PINGWATCH_REAL(libcurl, curl_easy_getinfo);
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return real(handle, info, out);
}

// SigV4 (src/aws/sigv4.cpp).
const EVP_MD* EVP_sha256(void) {
  PINGWATCH_REAL(libcrypto, EVP_sha256);
  return real();
}

unsigned char* SHA256(const unsigned char* data, size_t count, unsigned char* digest) {
  PINGWATCH_REAL(libcrypto, SHA256);
  return real(data, count, digest);
}

unsigned char* HMAC(const EVP_MD* md, const void* key, int key_len, const unsigned char* data, size_t data_len,
                    unsigned char* digest, unsigned int* digest_len) {
  PINGWATCH_REAL(libcrypto, HMAC);
  return real(md, key, key_len, data, data_len, digest, digest_len);
}

}  // extern "C"
