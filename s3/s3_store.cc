#include "s3/s3_store.h"

#include <libs3.h>
#include <sys/select.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

namespace kvbos {
namespace {

using Clock = std::chrono::steady_clock;

// libs3 is initialized once per process and never deinitialized (other
// threads may still be inside a request at exit).
Status InitLibs3() {
  static std::once_flag once;
  static S3Status status = S3StatusOK;
  std::call_once(once, [] { status = S3_initialize("kvbos", S3_INIT_ALL, nullptr); });
  if (status != S3StatusOK) {
    return Status::IOError(std::string("libs3 initialization failed: ") +
                           S3_get_status_name(status));
  }
  return Status::Ok();
}

// Each thread drives its requests through its own libs3 request context,
// kept between calls so that its connections are reused.
class ThreadContext {
 public:
  ~ThreadContext() {
    if (context_ != nullptr) S3_destroy_request_context(context_);
  }
  // The context, created on first use; nullptr when out of memory.
  S3RequestContext* Get() {
    if (context_ == nullptr && S3_create_request_context(&context_) != S3StatusOK) {
      context_ = nullptr;
    }
    return context_;
  }
  // Ends the request in flight (libs3 completes it with S3StatusInterrupted)
  // and drops the context with its connections.
  void Abort() {
    if (context_ != nullptr) S3_destroy_request_context(context_);
    context_ = nullptr;
  }

 private:
  S3RequestContext* context_ = nullptr;
};

thread_local ThreadContext t_context;

// Transient failures: worth another attempt after a backoff.
bool IsRetryable(S3Status s) {
  switch (s) {
    case S3StatusInternalError:  // curl errors: reset connection, empty reply, ...
    case S3StatusInterrupted:    // our own per-attempt timeout
    case S3StatusNameLookupError:
    case S3StatusFailedToConnect:     // refused
    case S3StatusConnectionFailed:    // curl timeout, including libs3's low-speed limit
    case S3StatusXmlParseFailure:     // an error page that is not S3 XML (a proxy's 502)
    case S3StatusErrorInternalError:  // 500
    case S3StatusErrorOperationAborted:
    case S3StatusErrorRequestTimeout:
    case S3StatusErrorSlowDown:  // 503 SlowDown
    case S3StatusErrorIncompleteBody:
    case S3StatusErrorBadDigest:    // the body was damaged on the way
    case S3StatusErrorUnknown:      // an S3 error code libs3 does not know (503 ServiceUnavailable)
    case S3StatusHttpErrorUnknown:  // an HTTP error without S3 body (5xx from a proxy)
    case S3StatusHttpErrorConflict:
      return true;
    default:
      return false;
  }
}

bool IsAccessDenied(S3Status s) {
  switch (s) {
    case S3StatusErrorAccessDenied:
    case S3StatusErrorInvalidAccessKeyId:
    case S3StatusErrorSignatureDoesNotMatch:
    case S3StatusHttpErrorForbidden:
    case S3StatusErrorAccountProblem:
    case S3StatusErrorNotSignedUp:
    case S3StatusErrorInvalidSecurity:
    case S3StatusErrorExpiredToken:
    case S3StatusErrorInvalidToken:
    case S3StatusErrorMissingSecurityHeader:
    case S3StatusErrorCredentialsNotSupported:
      return true;
    default:
      return false;
  }
}

int64_t MillisSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// The state of one call, filled by libs3's callbacks; reset before each attempt.
struct Attempt {
  // Outcome.
  bool done = false;
  S3Status status = S3StatusOK;
  std::string server_message;  // the server's error text, if it sent one
  bool timed_out = false;
  Clock::time_point last_progress;
  // Response properties.
  bool have_length = false;
  uint64_t content_length = 0;
  // PUT source.
  std::string_view put_bytes;
  size_t put_offset = 0;
  // GET destination: a growing string, or a fixed buffer.
  std::string* get_string = nullptr;
  char* get_buffer = nullptr;
  uint64_t get_capacity = 0;
  uint64_t got = 0;
  bool overflow = false;  // the server sent more than get_capacity bytes

  void Reset() {
    done = false;
    status = S3StatusOK;
    server_message.clear();
    timed_out = false;
    have_length = false;
    content_length = 0;
    put_offset = 0;
    got = 0;
    overflow = false;
    if (get_string != nullptr) get_string->clear();
  }

  static S3Status OnProperties(const S3ResponseProperties* p, void* data) {
    auto* a = static_cast<Attempt*>(data);
    a->have_length = true;
    a->content_length = p->contentLength;
    a->last_progress = Clock::now();
    return S3StatusOK;
  }
  static void OnComplete(S3Status status, const S3ErrorDetails* details, void* data) {
    auto* a = static_cast<Attempt*>(data);
    a->done = true;
    a->status = status;
    if (details != nullptr && details->message != nullptr) {
      // The server's text goes into one-line error messages: printable
      // characters only, bounded.
      for (const char* p = details->message; *p != '\0' && a->server_message.size() < 200; ++p) {
        unsigned char c = static_cast<unsigned char>(*p);
        a->server_message.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : ' ');
      }
    }
  }
  static int OnPutData(int size, char* buffer, void* data) {
    auto* a = static_cast<Attempt*>(data);
    size_t n = std::min(static_cast<size_t>(size), a->put_bytes.size() - a->put_offset);
    std::memcpy(buffer, a->put_bytes.data() + a->put_offset, n);
    a->put_offset += n;
    a->last_progress = Clock::now();
    return static_cast<int>(n);
  }
  static S3Status OnGetData(int size, const char* buffer, void* data) {
    auto* a = static_cast<Attempt*>(data);
    a->last_progress = Clock::now();
    if (a->get_string != nullptr) {
      a->get_string->append(buffer, static_cast<size_t>(size));
    } else {
      if (a->got + static_cast<uint64_t>(size) > a->get_capacity) {
        a->overflow = true;
        return S3StatusAbortedByCallback;
      }
      std::memcpy(a->get_buffer + a->got, buffer, static_cast<size_t>(size));
    }
    a->got += static_cast<uint64_t>(size);
    return S3StatusOK;
  }
};

constexpr S3ResponseHandler kResponseHandler = {&Attempt::OnProperties, &Attempt::OnComplete};

// Runs one operation (`op` is "PUT", "GET", ...) on object `name` of the
// store described by `options` and `describe`, with retries; `start` issues
// the libs3 call of one attempt into the given request context.
template <typename Start>
Status Run(const S3Options& options, const std::string& describe, const char* op,
           std::string_view name, Attempt* attempt, Start start) {
  const std::string key = options.prefix + std::string(name);
  if (name.empty() || key.size() > S3_MAX_KEY_SIZE) {
    return Status::InvalidArgument(std::string(op) + ": malformed object name '" +
                                   std::string(name) + "' (" + describe + ")");
  }
  const S3BucketContext bucket = {
      options.host.c_str(),
      options.bucket.c_str(),
      options.https ? S3ProtocolHTTPS : S3ProtocolHTTP,
      options.virtual_host_style ? S3UriStyleVirtualHost : S3UriStylePath,
      options.access_key_id.c_str(),
      options.secret_access_key.c_str(),
  };
  auto where = [&] { return std::string(op) + " " + key + " (" + describe + ")"; };
  const Clock::time_point began = Clock::now();
  thread_local std::minstd_rand jitter(std::random_device{}());

  for (int attempt_no = 1;; ++attempt_no) {
    attempt->Reset();
    S3RequestContext* context = t_context.Get();
    if (context == nullptr) return Status::IOError(where() + ": out of memory");
    attempt->last_progress = Clock::now();
    start(bucket, key.c_str(), context);

    // Drive the request, giving up after request_timeout_ms without progress.
    int remaining = 1;
    while (true) {
      S3Status run = S3_runonce_request_context(context, &remaining);
      if (run != S3StatusOK) {
        t_context.Abort();
        attempt->done = true;
        attempt->status = run;
        break;
      }
      if (remaining == 0) break;
      const int64_t left = options.request_timeout_ms - MillisSince(attempt->last_progress);
      if (left <= 0) {
        attempt->timed_out = true;
        t_context.Abort();  // completes the request with S3StatusInterrupted
        break;
      }
      fd_set readable, writable, failed;
      FD_ZERO(&readable);
      FD_ZERO(&writable);
      FD_ZERO(&failed);
      int max_fd = -1;
      S3_get_request_context_fdsets(context, &readable, &writable, &failed, &max_fd);
      int64_t wait_ms = S3_get_request_context_timeout(context);
      if (wait_ms < 0 || wait_ms > left) wait_ms = left;
      if (max_fd < 0) wait_ms = std::min<int64_t>(wait_ms, 10);  // no socket yet
      struct timeval tv = {static_cast<time_t>(wait_ms / 1000),
                           static_cast<suseconds_t>((wait_ms % 1000) * 1000)};
      if (max_fd >= 0) {
        ::select(max_fd + 1, &readable, &writable, &failed, &tv);
      } else if (wait_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      }
    }
    if (!attempt->done) {
      attempt->status = attempt->timed_out ? S3StatusInterrupted : S3StatusInternalError;
    }

    const S3Status s = attempt->status;
    if (s == S3StatusOK) return Status::Ok();
    std::string reason = S3_get_status_name(s);
    if (attempt->timed_out) {
      reason = "no answer for " + std::to_string(options.request_timeout_ms) + " ms";
    } else if (!attempt->server_message.empty()) {
      reason += ": " + attempt->server_message;
    }
    if (attempt->overflow) {
      return Status::Corruption(where() + ": the server sent more bytes than asked for");
    }
    if (s == S3StatusErrorNoSuchKey || s == S3StatusHttpErrorNotFound) {
      return Status::NotFound(where() + ": no such object");
    }
    if (s == S3StatusErrorNoSuchBucket) {
      return Status::InvalidArgument("bucket '" + options.bucket + "' does not exist (" + describe +
                                     ")");
    }
    if (s == S3StatusErrorRequestTimeTooSkewed) {
      return Status::InvalidArgument(where() +
                                     ": refused: this machine's clock differs from the server's");
    }
    if (IsAccessDenied(s)) {
      return Status::InvalidArgument(where() + ": access denied (" + reason +
                                     "): check the credentials (access key id and secret)");
    }
    if (s == S3StatusServerFailedVerification) {
      return Status::InvalidArgument(where() + ": the server's TLS certificate is not trusted");
    }
    if (s == S3StatusErrorInvalidRange) {
      return Status::Corruption(where() + ": the object ends before the requested range");
    }
    if (s == S3StatusErrorPermanentRedirect || s == S3StatusErrorTemporaryRedirect ||
        s == S3StatusHttpErrorMovedTemporarily) {
      return Status::InvalidArgument(where() + ": the server redirects (" + reason +
                                     "): wrong endpoint or URI style for this bucket");
    }
    if (!IsRetryable(s)) return Status::IOError(where() + ": " + reason);
    if (attempt_no >= options.max_attempts) {
      return Status::IOError(where() + ": gave up after " + std::to_string(attempt_no) +
                             " attempts in " + std::to_string(MillisSince(began)) +
                             " ms; last: " + reason);
    }
    // Exponential backoff with jitter: a random wait in [b/2, b].
    int64_t backoff = options.initial_backoff_ms;
    for (int i = 1; i < attempt_no && backoff < options.max_backoff_ms; ++i) backoff *= 2;
    backoff = std::min<int64_t>(backoff, options.max_backoff_ms);
    if (backoff > 0) {
      std::uniform_int_distribution<int64_t> pick(backoff / 2, backoff);
      std::this_thread::sleep_for(std::chrono::milliseconds(pick(jitter)));
    }
  }
}

}  // namespace

Status S3Store::Open(const S3Options& options, std::unique_ptr<S3Store>* store) {
  if (options.host.empty()) return Status::InvalidArgument("S3 endpoint host is empty");
  if (options.host.size() > S3_MAX_HOSTNAME_SIZE) {
    return Status::InvalidArgument("S3 endpoint host name is too long");
  }
  if (options.bucket.empty()) return Status::InvalidArgument("S3 bucket name is empty");
  S3Status valid = S3_validate_bucket_name(
      options.bucket.c_str(), options.virtual_host_style ? S3UriStyleVirtualHost : S3UriStylePath);
  if (valid != S3StatusOK) {
    return Status::InvalidArgument("invalid S3 bucket name '" + options.bucket + "' (" +
                                   S3_get_status_name(valid) + ")");
  }
  if (options.max_attempts < 1 || options.request_timeout_ms < 1 ||
      options.initial_backoff_ms < 0 || options.max_backoff_ms < 0) {
    return Status::InvalidArgument("S3 attempts and timeouts must be positive");
  }
  KVBOS_RETURN_IF_ERROR(InitLibs3());
  store->reset(new S3Store(options));
  return Status::Ok();
}

std::string S3Store::Describe() const {
  std::string s = "s3://" + options_.bucket;
  if (!options_.prefix.empty()) {
    s += "/" + options_.prefix.substr(0, options_.prefix.size() - 1);
  }
  s += " at ";
  s += options_.https ? "https://" : "http://";
  s += options_.host;
  if (options_.virtual_host_style) s += " (virtual-host style)";
  return s;
}

Status S3Store::Put(std::string_view name, std::string_view bytes) {
  Attempt a;
  a.put_bytes = bytes;
  const S3PutObjectHandler handler = {kResponseHandler, &Attempt::OnPutData};
  return Run(options_, Describe(), "PUT", name, &a,
             [&](const S3BucketContext& bucket, const char* key, S3RequestContext* context) {
               S3_put_object(&bucket, key, bytes.size(), nullptr, context, &handler, &a);
             });
}

Status S3Store::Get(std::string_view name, std::string* bytes) {
  Attempt a;
  a.get_string = bytes;
  const S3GetObjectHandler handler = {kResponseHandler, &Attempt::OnGetData};
  // curl itself fails a body shorter than its Content-Length (a retryable error).
  return Run(options_, Describe(), "GET", name, &a,
             [&](const S3BucketContext& bucket, const char* key, S3RequestContext* context) {
               S3_get_object(&bucket, key, nullptr, 0, 0, context, &handler, &a);
             });
}

Status S3Store::GetRange(std::string_view name, uint64_t offset, uint64_t length, char* out) {
  if (length == 0) {
    // libs3 reads "0 bytes" as "to the end": check the object instead.
    uint64_t size = 0;
    KVBOS_RETURN_IF_ERROR(Head(name, &size));
    if (offset > size) {
      return Status::Corruption("GET " + options_.prefix + std::string(name) + " (" + Describe() +
                                "): the object ends before byte " + std::to_string(offset));
    }
    return Status::Ok();
  }
  Attempt a;
  a.get_buffer = out;
  a.get_capacity = length;
  const S3GetObjectHandler handler = {kResponseHandler, &Attempt::OnGetData};
  KVBOS_RETURN_IF_ERROR(
      Run(options_, Describe(), "GET", name, &a,
          [&](const S3BucketContext& bucket, const char* key, S3RequestContext* context) {
            S3_get_object(&bucket, key, nullptr, offset, length, context, &handler, &a);
          }));
  if (a.got != length) {
    return Status::Corruption("GET " + options_.prefix + std::string(name) + " (" + Describe() +
                              "): the object ends before byte " + std::to_string(offset + length) +
                              " (got " + std::to_string(a.got) + " of " + std::to_string(length) +
                              " bytes at " + std::to_string(offset) + ")");
  }
  return Status::Ok();
}

Status S3Store::Head(std::string_view name, uint64_t* size) {
  Attempt a;
  KVBOS_RETURN_IF_ERROR(
      Run(options_, Describe(), "HEAD", name, &a,
          [&](const S3BucketContext& bucket, const char* key, S3RequestContext* context) {
            S3_head_object(&bucket, key, context, &kResponseHandler, &a);
          }));
  *size = a.content_length;
  return Status::Ok();
}

Status S3Store::Delete(std::string_view name) {
  Attempt a;
  Status s = Run(options_, Describe(), "DELETE", name, &a,
                 [&](const S3BucketContext& bucket, const char* key, S3RequestContext* context) {
                   S3_delete_object(&bucket, key, context, &kResponseHandler, &a);
                 });
  if (s.IsNotFound()) return Status::Ok();
  return s;
}

Status S3Store::Probe() {
  std::string ignored;
  Status s = Get("kvbos-probe", &ignored);
  if (s.ok() || s.IsNotFound()) return Status::Ok();
  return s;
}

}  // namespace kvbos
