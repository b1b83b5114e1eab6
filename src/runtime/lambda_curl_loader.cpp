// libcurl for pingwatch-lambda, loaded on first use instead of at exec. Only the slim Lambda executable is built
// with this file (src/CMakeLists.txt): it defines the libcurl functions src/aws calls, each of which dlopen()s
// libcurl.so.4 the first time one is called (the first AWS request, inside the first invocation), so that the
// dynamic loader maps and relocates neither libcurl nor its dependencies before the runtime's first /next.
// With -Wl,--as-needed the executable then records no DT_NEEDED entry for libcurl at all. On provided.al2023 the
// library is the system's libcurl-minimal; elsewhere whichever libcurl.so.4 the loader finds (docs/deploy.md).
// A function src/aws starts calling must be added here, or the link fails with an undefined reference... to
// libcurl.so, which --as-needed would then keep: `make package` checks that the binary needs no libcurl.
#define CURL_DISABLE_TYPECHECK   // the type-checking macros would shadow the definitions below
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <stdexcept>
#include <string>

namespace {

void* libcurl() {
  static void* const handle = [] {
    void* h = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* why = ::dlerror();
      throw std::runtime_error(std::string("cannot load libcurl.so.4 (the AWS client's HTTP transport): ") +
                               (why != nullptr ? why : "unknown error"));
    }
    return h;
  }();
  return handle;
}

template <typename Fn>
Fn resolve(Fn /*signature*/, const char* name) {
  void* symbol = ::dlsym(libcurl(), name);
  if (symbol == nullptr) throw std::runtime_error(std::string("libcurl.so.4 has no ") + name);
  return reinterpret_cast<Fn>(symbol);
}

// `static const auto real = ...` in each function: resolved once, thread-safely, on its first call.
#define PINGWATCH_REAL(fn) static const auto real = resolve(&fn, #fn)

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  PINGWATCH_REAL(curl_global_init);
  return real(flags);
}

CURL* curl_easy_init(void) {
  PINGWATCH_REAL(curl_easy_init);
  return real();
}

void curl_easy_cleanup(CURL* handle) {
  PINGWATCH_REAL(curl_easy_cleanup);
  real(handle);
}

void curl_easy_reset(CURL* handle) {
  PINGWATCH_REAL(curl_easy_reset);
  real(handle);
}

CURLcode curl_easy_perform(CURL* handle) {
  PINGWATCH_REAL(curl_easy_perform);
  return real(handle);
}

const char* curl_easy_strerror(CURLcode code) {
  PINGWATCH_REAL(curl_easy_strerror);
  return real(code);
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  PINGWATCH_REAL(curl_slist_append);
  return real(list, text);
}

void curl_slist_free_all(curl_slist* list) {
  PINGWATCH_REAL(curl_slist_free_all);
  real(list);
}

// The one variadic argument is passed on with the type libcurl reads it as: the option's number says which
// (CURLOPTTYPE_* ranges, as curl/curl.h documents them).
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  PINGWATCH_REAL(curl_easy_setopt);
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
  PINGWATCH_REAL(curl_easy_getinfo);
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return real(handle, info, out);
}

}  // extern "C"
