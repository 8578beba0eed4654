// StoreConfig: which object store a mount uses, from the mount options
//   store=s3://BUCKET[/PREFIX]   endpoint=http(s)://HOST[:PORT]
//   credentials=FILE             (else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
//   uri_style=path|virtual       (default path: http://HOST/BUCKET/KEY)
//   store_attempts=N             (tries per request, default 5)
//   store_timeout_ms=MS          (an attempt fails after MS without progress, default 10000)
// or
//   store=file:/DIRECTORY        (a local directory with the same object names)
// and OpenObjectStore, which builds the backend and checks it before a mount
// goes on (bucket reachable, credentials accepted), so that a mount fails
// early with one clear line.
//
// Credentials never come from argv and never appear in messages.
//
// Thread-safety: these are plain functions over values; OpenObjectStore reads
// the environment and may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/object_store.h"
#include "core/status.h"
#include "s3/s3_store.h"

namespace kvbos {

// The store options as the user typed them (empty: not given).
struct StoreOptions {
  std::string store;        // "s3://BUCKET[/PREFIX]" or "file:/DIRECTORY"
  std::string endpoint;     // "http://HOST[:PORT]" or "https://HOST[:PORT]"
  std::string credentials;  // path of a credentials file
  std::string uri_style;    // "path" or "virtual"
  std::string attempts;     // decimal
  std::string timeout_ms;   // decimal milliseconds
};

// If `option` ("key=value", one item of a -o list) is one of the store
// options above, stores its value in *options and returns true; otherwise
// returns false and leaves *options alone.
bool TakeStoreOption(std::string_view option, StoreOptions* options);

// The parsed, checked configuration.
struct StoreConfig {
  enum class Kind { kNone, kS3, kDirectory };
  Kind kind = Kind::kNone;  // kNone: no store= option; kvbos runs on the pool alone
  std::string directory;    // kDirectory: an absolute path
  S3Options s3;             // kS3: endpoint, bucket, prefix, credentials, retries
};

// Parses `options` into *config, reading the credentials (file or
// environment) for an s3:// store. InvalidArgument, with one line naming the
// option at fault, for: an unknown scheme, a bucket missing, an endpoint that
// is not http(s)://HOST[:PORT], a credentials file that cannot be read, is
// readable or writable by group or others, or lacks a key; no credentials at
// all; options that do not apply to the store kind.
Status ParseStoreConfig(const StoreOptions& options, StoreConfig* config);

// Reads an access key id and secret from a credentials file: lines
// "AWS_ACCESS_KEY_ID=..." and "AWS_SECRET_ACCESS_KEY=..." (also accepted:
// lower case, spaces around '=', "export ", quotes, '#' comments, [sections]
// as in ~/.aws/credentials). InvalidArgument when the file is not a regular
// file, has any group/other permission bit (it must be 0600 or 0400), or
// lacks either key. Messages name the file, never its contents.
Status ReadCredentialsFile(const std::string& path, std::string* access_key_id,
                           std::string* secret_access_key);

// Builds the backend for `config` and checks it: for S3 one GET of a probe
// name (absent is fine; a missing bucket or refused credentials is
// InvalidArgument; an unreachable server is IOError after the retries); for a
// directory, that it exists. kNone sets *store to nullptr and returns Ok.
Status OpenObjectStore(const StoreConfig& config, std::unique_ptr<ObjectStore>* store);

}  // namespace kvbos
