// S3Store (libs3) against a real Ceph RADOS Gateway on loopback, started by
// tests/s3/run-rgw-test.sh, which passes KVBOS_S3_ENDPOINT, KVBOS_S3_BUCKET,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, KVBOS_RGW_DIR and KVBOS_RGW_SH.
// The last test stops the gateway and starts it again.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "s3/s3_store.h"
#include "s3/store_config.h"

namespace kvbos {
namespace {

using Clock = std::chrono::steady_clock;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 251 + seed * 13 + i / 7) & 0xff);
  return s;
}

// Runs a shell command, returning its standard output.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

class RgwTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("KVBOS_S3_ENDPOINT").empty() || Env("KVBOS_RGW_DIR").empty()) {
      GTEST_FAIL() << "run through tests/s3/run-rgw-test.sh (no gateway in the environment)";
    }
  }
  // Options for the test bucket, from the environment the wrapper set.
  static S3Options Options(const std::string& prefix = "") {
    StoreOptions raw;
    raw.store = "s3://" + Env("KVBOS_S3_BUCKET") + "/" + prefix;
    raw.endpoint = Env("KVBOS_S3_ENDPOINT");
    StoreConfig config;
    Status s = ParseStoreConfig(raw, &config);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return config.s3;
  }
  static std::unique_ptr<S3Store> Open(const S3Options& options) {
    std::unique_ptr<S3Store> store;
    Status s = S3Store::Open(options, &store);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return store;
  }
  // The gateway's request lines (rgw.sh requests) for METHOD and a path regex, polled for up
  // to 5 s until at least `want` lines are there (the log is written asynchronously).
  static std::vector<std::string> Requests(const std::string& method, const std::string& path_re,
                                           size_t want) {
    std::vector<std::string> lines;
    for (int i = 0; i < 50; ++i) {
      std::string out = Shell("bash '" + Env("KVBOS_RGW_SH") + "' requests '" +
                              Env("KVBOS_RGW_DIR") + "' " + method + " '" + path_re + "'");
      lines.clear();
      size_t start = 0;
      while (start < out.size()) {
        size_t nl = out.find('\n', start);
        if (nl == std::string::npos) nl = out.size();
        if (nl > start) lines.push_back(out.substr(start, nl - start));
        start = nl + 1;
      }
      if (lines.size() >= want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return lines;
  }
};

TEST_F(RgwTest, PutGetHeadDeleteRoundTrip) {
  auto store = Open(Options("roundtrip"));
  const std::string bytes = Pattern(3 * 1024 * 1024 + 17, 1);
  ASSERT_TRUE(store->Put("values/0x0000000000400000", bytes).ok());
  std::string got;
  Status s = store->Get("values/0x0000000000400000", &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got.size(), bytes.size());
  EXPECT_TRUE(got == bytes);
  uint64_t size = 0;
  ASSERT_TRUE(store->Head("values/0x0000000000400000", &size).ok());
  EXPECT_EQ(size, bytes.size());
  ASSERT_TRUE(store->Delete("values/0x0000000000400000").ok());
  EXPECT_TRUE(store->Head("values/0x0000000000400000", &size).IsNotFound());
  EXPECT_TRUE(store->Get("values/0x0000000000400000", &got).IsNotFound());
  // Deleting an absent object is not an error.
  EXPECT_TRUE(store->Delete("values/0x0000000000400000").ok());
}

TEST_F(RgwTest, OverwriteAndEmptyObject) {
  auto store = Open(Options("overwrite"));
  ASSERT_TRUE(store->Put("manifest/00000000000000000001", Pattern(5000, 2)).ok());
  ASSERT_TRUE(store->Put("manifest/00000000000000000001", "v2").ok());
  std::string got;
  ASSERT_TRUE(store->Get("manifest/00000000000000000001", &got).ok());
  EXPECT_EQ(got, "v2");
  ASSERT_TRUE(store->Put("keys/0x0", "").ok());
  uint64_t size = 7;
  ASSERT_TRUE(store->Head("keys/0x0", &size).ok());
  EXPECT_EQ(size, 0u);
  got = "x";
  ASSERT_TRUE(store->Get("keys/0x0", &got).ok());
  EXPECT_EQ(got, "");
}

TEST_F(RgwTest, AbsentObjectIsNotFound) {
  auto store = Open(Options("absent"));
  std::string got;
  Status s = store->Get("values/0x404", &got);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  char c;
  EXPECT_TRUE(store->GetRange("values/0x404", 0, 1, &c).IsNotFound());
  uint64_t size;
  EXPECT_TRUE(store->Head("values/0x404", &size).IsNotFound());
}

// A range GET returns exactly the bytes asked for, in one request whose response carries
// exactly `length` bytes (the gateway's log line: 206, the length, bytes=FIRST-LAST).
TEST_F(RgwTest, RangeGetFetchesExactlyTheRequestedBytes) {
  auto store = Open(Options("range"));
  const std::string bytes = Pattern(1 << 20, 3);
  ASSERT_TRUE(store->Put("values/0x0000000000800000", bytes).ok());
  std::string out(1000, '?');
  Status s = store->GetRange("values/0x0000000000800000", 123457, 1000, out.data());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(out == bytes.substr(123457, 1000));
  char last;
  ASSERT_TRUE(store->GetRange("values/0x0000000000800000", (1 << 20) - 1, 1, &last).ok());
  EXPECT_EQ(last, bytes.back());

  auto lines =
      Requests("GET", "/" + Env("KVBOS_S3_BUCKET") + "/range/values/0x0000000000800000", 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\" 206 1000 "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(" bytes=123457-124456 "), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\" 206 1 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(" bytes=1048575-1048575 "), std::string::npos) << lines[1];
}

TEST_F(RgwTest, RangeBeyondTheObjectIsCorruption) {
  auto store = Open(Options("short"));
  ASSERT_TRUE(store->Put("values/0x1", Pattern(100, 4)).ok());
  std::string out(50, '?');
  Status s = store->GetRange("values/0x1", 80, 50, out.data());
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  s = store->GetRange("values/0x1", 100, 1, out.data());
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

TEST_F(RgwTest, PrefixesSeparateObjectsAndArePrependedToNames) {
  auto a = Open(Options("tenant-a"));
  auto b = Open(Options("tenant-b"));
  auto root = Open(Options(""));
  ASSERT_TRUE(a->Put("values/0x1", "from a").ok());
  ASSERT_TRUE(b->Put("values/0x1", "from b").ok());
  std::string got;
  ASSERT_TRUE(a->Get("values/0x1", &got).ok());
  EXPECT_EQ(got, "from a");
  ASSERT_TRUE(root->Get("tenant-b/values/0x1", &got).ok());
  EXPECT_EQ(got, "from b");
  EXPECT_NE(a->Describe().find("s3://" + Env("KVBOS_S3_BUCKET") + "/tenant-a at " +
                               Env("KVBOS_S3_ENDPOINT")),
            std::string::npos)
      << a->Describe();
}

TEST_F(RgwTest, ManyThreadsAtOnce) {
  auto store = Open(Options("threads"));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        std::string name = "values/0x" + std::to_string(t * 100 + i);
        std::string bytes = Pattern(1000 + 37 * i, t);
        std::string got;
        if (!store->Put(name, bytes).ok() || !store->Get(name, &got).ok() || got != bytes) {
          ++failures;
        }
        char c;
        if (!store->GetRange(name, 999, 1, &c).ok() || c != bytes[999]) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
}

TEST_F(RgwTest, OpenObjectStoreProbesTheBucket) {
  StoreOptions raw;
  raw.store = "s3://" + Env("KVBOS_S3_BUCKET") + "/probe";
  raw.endpoint = Env("KVBOS_S3_ENDPOINT");
  StoreConfig config;
  ASSERT_TRUE(ParseStoreConfig(raw, &config).ok());
  std::unique_ptr<ObjectStore> store;
  Status s = OpenObjectStore(config, &store);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("values/0x1", "probe ok").ok());
}

TEST_F(RgwTest, BadCredentialsAreInvalidArgumentWithoutTheSecret) {
  const std::string wrong_secret = "thisIsNotTheSecretAtAll0123456789abcdefgh";
  S3Options bad_secret = Options("creds");
  bad_secret.secret_access_key = wrong_secret;
  S3Options bad_id = Options("creds");
  bad_id.access_key_id = "NOSUCHACCESSKEYID123";
  for (const S3Options& options : {bad_secret, bad_id}) {
    auto store = Open(options);
    auto began = Clock::now();
    Status s = store->Probe();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("check the credentials"), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find(options.secret_access_key), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find(Env("AWS_SECRET_ACCESS_KEY")), std::string::npos) << s.ToString();
    // Refused for good: no retries.
    EXPECT_LT(Clock::now() - began, std::chrono::seconds(2));
    s = store->Put("values/0x1", "x");
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    uint64_t size;
    s = store->Head("values/0x1", &size);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  }
}

TEST_F(RgwTest, MissingBucketIsAClearErrorAtOpen) {
  S3Options options = Options();
  options.bucket = "kvbos-no-such-bucket";
  auto store = Open(options);
  Status s = store->Probe();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("bucket 'kvbos-no-such-bucket' does not exist"), std::string::npos)
      << s.ToString();
  s = store->Put("values/0x1", "x");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
}

TEST_F(RgwTest, VirtualHostStyle) {
  // bucket.localhost resolves to loopback inside curl; the gateway has rgw_dns_name = localhost.
  S3Options options = Options("vhost");
  std::string port = options.host.substr(options.host.rfind(':') + 1);
  options.host = "localhost:" + port;
  options.virtual_host_style = true;
  auto store = Open(options);
  Status s = store->Put("values/0x1", "virtual");
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string got;
  ASSERT_TRUE(Open(Options("vhost"))->Get("values/0x1", &got).ok());
  EXPECT_EQ(got, "virtual");
}

// A server that accepts connections and never answers: each attempt ends after the
// per-request timeout, the call after max_attempts, with IOError.
TEST_F(RgwTest, HangingServerTimesOutWithinBoundedTime) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  S3Options options = Options("hang");
  options.host = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  options.max_attempts = 2;
  options.request_timeout_ms = 700;
  auto store = Open(options);
  auto began = Clock::now();
  std::string got;
  Status s = store->Get("values/0x1", &got);
  auto took = Clock::now() - began;
  ::close(fd);
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("gave up after 2 attempts"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("no answer for 700 ms"), std::string::npos) << s.ToString();
  EXPECT_GE(took, std::chrono::milliseconds(1400));
  EXPECT_LT(took, std::chrono::seconds(4));
}

// Last: the gateway goes away. Calls fail with IOError after the bounded retries, quickly;
// once it is back, the same store works again.
TEST_F(RgwTest, ZzStoppedServerGivesIOErrorThenRecovers) {
  auto store = Open(Options("stopped"));
  ASSERT_TRUE(store->Put("values/0x1", "before").ok());
  std::string stop =
      "bash '" + Env("KVBOS_RGW_SH") + "' stop-gateway '" + Env("KVBOS_RGW_DIR") + "'";
  ASSERT_EQ(std::system(stop.c_str()), 0);

  auto began = Clock::now();
  Status s = store->Put("values/0x2", "during");
  auto took = Clock::now() - began;
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("gave up after 5 attempts"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find(Env("KVBOS_S3_ENDPOINT")), std::string::npos) << s.ToString();
  EXPECT_EQ(s.message().find(Env("AWS_SECRET_ACCESS_KEY")), std::string::npos) << s.ToString();
  // Five refused connections and four backoffs of at most 0.1 + 0.2 + 0.4 + 0.8 s.
  EXPECT_LT(took, std::chrono::seconds(3));
  std::string got;
  EXPECT_EQ(store->Get("values/0x1", &got).code(), Status::Code::kIOError);

  std::string start =
      "bash '" + Env("KVBOS_RGW_SH") + "' start-gateway '" + Env("KVBOS_RGW_DIR") + "'";
  ASSERT_EQ(std::system(start.c_str()), 0);
  s = store->Put("values/0x2", "after");
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(store->Get("values/0x1", &got).ok());
  EXPECT_EQ(got, "before");
  ASSERT_TRUE(store->Get("values/0x2", &got).ok());
  EXPECT_EQ(got, "after");
}

}  // namespace
}  // namespace kvbos
