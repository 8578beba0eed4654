#include "s3/store_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "s3/dir_store.h"

namespace kvbos {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses a decimal integer in [min, max] for option `name`.
Status ParseInt(std::string_view name, const std::string& text, int min, int max, int* out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Status::InvalidArgument(std::string(name) + "=" + text + ": expected a number from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  *out = value;
  return Status::Ok();
}

// "http(s)://HOST[:PORT][/]" into host ("HOST[:PORT]") and https.
Status ParseEndpoint(const std::string& endpoint, std::string* host, bool* https) {
  std::string_view rest = endpoint;
  if (StartsWith(rest, "https://")) {
    *https = true;
    rest.remove_prefix(8);
  } else if (StartsWith(rest, "http://")) {
    *https = false;
    rest.remove_prefix(7);
  } else {
    return Status::InvalidArgument("endpoint=" + endpoint +
                                   ": expected http://HOST[:PORT] or https://HOST[:PORT]");
  }
  if (rest.find('@') != rest.npos) {
    // Never echo it: it may hold a key.
    return Status::InvalidArgument(
        "endpoint=: must not contain user information; pass credentials=FILE or set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#") != rest.npos) {
    return Status::InvalidArgument("endpoint=" + endpoint +
                                   ": expected http(s)://HOST[:PORT], without a path");
  }
  size_t colon = rest.rfind(':');
  if (colon != rest.npos && rest.find(']') == rest.npos) {
    std::string port(rest.substr(colon + 1));
    int value = 0;
    if (colon == 0 || !ParseInt("port", port, 1, 65535, &value).ok()) {
      return Status::InvalidArgument("endpoint=" + endpoint + ": bad host or port");
    }
  }
  *host = std::string(rest);
  return Status::Ok();
}

// Removes "export ", surrounding quotes and spaces.
std::string_view CleanValue(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  return v;
}

}  // namespace

bool TakeStoreOption(std::string_view option, StoreOptions* options) {
  size_t eq = option.find('=');
  if (eq == option.npos) return false;
  std::string_view key = option.substr(0, eq);
  std::string value(option.substr(eq + 1));
  if (key == "store") {
    options->store = value;
  } else if (key == "endpoint") {
    options->endpoint = value;
  } else if (key == "credentials") {
    options->credentials = value;
  } else if (key == "uri_style") {
    options->uri_style = value;
  } else if (key == "store_attempts") {
    options->attempts = value;
  } else if (key == "store_timeout_ms") {
    options->timeout_ms = value;
  } else {
    return false;
  }
  return true;
}

Status ReadCredentialsFile(const std::string& path, std::string* access_key_id,
                           std::string* secret_access_key) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidArgument("credentials file " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("credentials file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument("credentials file " + path +
                                   " is accessible by group or others (mode " + mode +
                                   "); refusing it: chmod 600 " + path);
  }
  std::string text;
  char buf[4096];
  while (text.size() < (1u << 16)) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::InvalidArgument("credentials file " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);

  std::string id, secret;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, nl));
    rest = nl == rest.npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '[') continue;
    if (StartsWith(line, "export ")) line = Trim(line.substr(7));
    size_t eq = line.find('=');
    if (eq == line.npos) continue;
    std::string key = Lower(Trim(line.substr(0, eq)));
    std::string_view value = CleanValue(line.substr(eq + 1));
    if (key == "aws_access_key_id" && id.empty()) id = value;
    if (key == "aws_secret_access_key" && secret.empty()) secret = value;
  }
  if (id.empty() || secret.empty()) {
    return Status::InvalidArgument("credentials file " + path + " lacks " +
                                   (id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
  }
  *access_key_id = std::move(id);
  *secret_access_key = std::move(secret);
  return Status::Ok();
}

Status ParseStoreConfig(const StoreOptions& options, StoreConfig* config) {
  *config = StoreConfig();
  const std::string& store = options.store;
  if (store.empty()) {
    const char* stray = !options.endpoint.empty()      ? "endpoint="
                        : !options.credentials.empty() ? "credentials="
                        : !options.uri_style.empty()   ? "uri_style="
                        : !options.attempts.empty()    ? "store_attempts="
                        : !options.timeout_ms.empty()  ? "store_timeout_ms="
                                                       : nullptr;
    if (stray != nullptr)
      return Status::InvalidArgument(std::string(stray) + " given without store=");
    return Status::Ok();
  }

  if (StartsWith(store, "file:")) {
    std::string_view path = std::string_view(store).substr(5);
    if (StartsWith(path, "//")) path.remove_prefix(2);  // file:///srv/x
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument("store=" + store + ": expected file:/ABSOLUTE/PATH");
    }
    if (!options.endpoint.empty() || !options.credentials.empty() || !options.uri_style.empty()) {
      return Status::InvalidArgument(
          "endpoint=, credentials= and uri_style= apply only to store=s3://");
    }
    config->kind = StoreConfig::Kind::kDirectory;
    config->directory = std::string(path);
    return Status::Ok();
  }

  if (!StartsWith(store, "s3://")) {
    return Status::InvalidArgument("store=" + store +
                                   ": expected s3://BUCKET[/PREFIX] or file:/DIRECTORY");
  }
  config->kind = StoreConfig::Kind::kS3;
  S3Options& s3 = config->s3;
  std::string_view rest = std::string_view(store).substr(5);
  size_t slash = rest.find('/');
  s3.bucket = std::string(rest.substr(0, slash));
  if (s3.bucket.empty()) {
    return Status::InvalidArgument("store=" + store + ": the bucket name is missing");
  }
  if (slash != rest.npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (!prefix.empty()) s3.prefix = std::string(prefix) + "/";
  }

  KVBOS_RETURN_IF_ERROR(ParseEndpoint(
      options.endpoint.empty() ? std::string("https://s3.amazonaws.com") : options.endpoint,
      &s3.host, &s3.https));

  if (options.uri_style.empty() || options.uri_style == "path") {
    s3.virtual_host_style = false;
  } else if (options.uri_style == "virtual") {
    s3.virtual_host_style = true;
  } else {
    return Status::InvalidArgument("uri_style=" + options.uri_style + ": expected path or virtual");
  }
  if (!options.attempts.empty()) {
    KVBOS_RETURN_IF_ERROR(ParseInt("store_attempts", options.attempts, 1, 100, &s3.max_attempts));
  }
  if (!options.timeout_ms.empty()) {
    KVBOS_RETURN_IF_ERROR(
        ParseInt("store_timeout_ms", options.timeout_ms, 1, 3600 * 1000, &s3.request_timeout_ms));
  }

  if (!options.credentials.empty()) {
    return ReadCredentialsFile(options.credentials, &s3.access_key_id, &s3.secret_access_key);
  }
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0') {
    return Status::InvalidArgument(
        "store=" + store +
        ": no credentials: pass credentials=FILE (mode 0600) or set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY");
  }
  s3.access_key_id = id;
  s3.secret_access_key = secret;
  return Status::Ok();
}

Status OpenObjectStore(const StoreConfig& config, std::unique_ptr<ObjectStore>* store) {
  store->reset();
  switch (config.kind) {
    case StoreConfig::Kind::kNone:
      return Status::Ok();
    case StoreConfig::Kind::kDirectory: {
      std::unique_ptr<DirStore> dir;
      KVBOS_RETURN_IF_ERROR(DirStore::Open(config.directory, &dir));
      *store = std::move(dir);
      return Status::Ok();
    }
    case StoreConfig::Kind::kS3: {
      std::unique_ptr<S3Store> s3;
      KVBOS_RETURN_IF_ERROR(S3Store::Open(config.s3, &s3));
      KVBOS_RETURN_IF_ERROR(s3->Probe());
      *store = std::move(s3);
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("unknown object store kind");
}

}  // namespace kvbos
