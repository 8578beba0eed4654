// S3Store: the object store backend for S3-compatible servers (Ceph's RADOS
// Gateway, MinIO, ...), through libs3 (Debian's libs3 2.0, which signs with
// AWS signature V2; signing stays behind this interface).
//
// Every call is one blocking request, retried on transient failures (5xx,
// timeouts, refused or reset connections) with exponential backoff, at most
// S3Options::max_attempts times. Status mapping:
//   NotFound         404 (no such key)
//   InvalidArgument  403 / bad credentials, a missing bucket, an untrusted
//                    TLS certificate: refused for good, with a message saying
//                    which; a malformed name
//   Corruption       the server sent fewer or more bytes than asked for
//   IOError          still failing after the last attempt (the message names
//                    the last failure and the number of attempts)
// Messages name the object, bucket and endpoint, never a credential.
//
// Thread-safety: every method may be called from many threads at once; each
// call is its own request. libs3 is initialized once per process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/object_store.h"

namespace kvbos {

// Where an S3 bucket is and how to talk to it.
struct S3Options {
  std::string host;                 // "HOST" or "HOST:PORT", e.g. "127.0.0.1:7480"
  bool https = true;                // false: plain http
  bool virtual_host_style = false;  // true: http://BUCKET.HOST/KEY; false: http://HOST/BUCKET/KEY
  std::string bucket;
  std::string prefix;  // prepended to every object name: "" or "some/path/"
  std::string access_key_id;
  std::string secret_access_key;
  int max_attempts = 5;            // tries per call, >= 1
  int request_timeout_ms = 10000;  // an attempt fails after this long without progress
  int initial_backoff_ms = 100;    // wait before the 2nd attempt; doubled after each failure
  int max_backoff_ms = 2000;       // cap of the wait between two attempts
};

class S3Store final : public ObjectStore {
 public:
  // Builds the store (no request is made). InvalidArgument for an empty host
  // or bucket, a bucket name libs3 refuses, or attempts/timeouts below 1.
  static Status Open(const S3Options& options, std::unique_ptr<S3Store>* store);

  // Checks that the bucket exists and the credentials are accepted, with one
  // GET of a name that need not exist. Ok when the server answers 404 for the
  // key; InvalidArgument "bucket ... does not exist" or "access denied ...
  // check the credentials"; IOError when the server cannot be reached.
  Status Probe();

  Status Put(std::string_view name, std::string_view bytes) override;
  Status Get(std::string_view name, std::string* bytes) override;
  // One GET with "Range: bytes=offset-(offset+length-1)": exactly `length`
  // bytes travel. Corruption when the object is shorter.
  Status GetRange(std::string_view name, uint64_t offset, uint64_t length, char* out) override;
  Status Head(std::string_view name, uint64_t* size) override;
  Status Delete(std::string_view name) override;
  // "s3://BUCKET/PREFIX at http://HOST:PORT" (virtual-host style noted).
  std::string Describe() const override;

  const S3Options& options() const { return options_; }

 private:
  explicit S3Store(const S3Options& options) : options_(options) {}

  const S3Options options_;
};

}  // namespace kvbos
