// S3Store's retries against a loopback server that fails on purpose (5xx,
// refused connections). The real gateway's behaviour is tested in
// s3_store_rgw_test.cc; this needs no server.
#include "s3/s3_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace kvbos {
namespace {

using Clock = std::chrono::steady_clock;

// Answers every HTTP request on 127.0.0.1 with `status_line` and an S3 error
// body, then closes the connection; counts the requests.
class FailingServer {
 public:
  explicit FailingServer(std::string status_line, std::string code)
      : status_line_(std::move(status_line)), code_(std::move(code)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FailingServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[4096];
      ssize_t n;
      while (request.find("\r\n\r\n") == std::string::npos &&
             (n = ::read(c, buf, sizeof buf)) > 0) {
        request.append(buf, static_cast<size_t>(n));
      }
      if (request.find("\r\n\r\n") != std::string::npos) {
        ++requests_;
        std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code_ +
                           "</Code><Message>injected failure</Message></Error>";
        std::string response =
            "HTTP/1.1 " + status_line_ +
            "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        (void)!::write(c, response.data(), response.size());
      }
      ::close(c);
    }
  }

  const std::string status_line_, code_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

S3Options OptionsFor(int port) {
  S3Options o;
  o.host = "127.0.0.1:" + std::to_string(port);
  o.https = false;
  o.bucket = "kvbos-test";
  o.access_key_id = "AKIDTEST";
  o.secret_access_key = "secret-that-must-not-leak";
  o.max_attempts = 3;
  o.request_timeout_ms = 2000;
  o.initial_backoff_ms = 50;
  return o;
}

TEST(S3StoreRetries, ServiceUnavailableIsRetriedThenIOError) {
  for (const auto& [status, code] : {std::pair{"503 Service Unavailable", "ServiceUnavailable"},
                                     std::pair{"503 Slow Down", "SlowDown"},
                                     std::pair{"500 Internal Server Error", "InternalError"}}) {
    FailingServer server(status, code);
    std::unique_ptr<S3Store> store;
    ASSERT_TRUE(S3Store::Open(OptionsFor(server.port()), &store).ok());
    std::string got;
    Status s = store->Get("values/0x1", &got);
    EXPECT_EQ(s.code(), Status::Code::kIOError) << code << ": " << s.ToString();
    EXPECT_NE(s.message().find("gave up after 3 attempts"), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find("secret-that-must-not-leak"), std::string::npos) << s.ToString();
    EXPECT_EQ(server.requests(), 3) << code;
    s = store->Put("values/0x1", std::string(5000, 'x'));
    EXPECT_EQ(s.code(), Status::Code::kIOError) << code << ": " << s.ToString();
    EXPECT_EQ(server.requests(), 6) << code;
  }
}

TEST(S3StoreRetries, ForbiddenIsNotRetried) {
  FailingServer server("403 Forbidden", "AccessDenied");
  std::unique_ptr<S3Store> store;
  ASSERT_TRUE(S3Store::Open(OptionsFor(server.port()), &store).ok());
  Status s = store->Put("values/0x1", "x");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("check the credentials"), std::string::npos) << s.ToString();
  EXPECT_EQ(server.requests(), 1);
}

TEST(S3StoreRetries, RefusedConnectionsAreRetriedWithBoundedBackoff) {
  // Bind a port and close it again: nothing listens there.
  int port;
  {
    FailingServer probe("503 Service Unavailable", "ServiceUnavailable");
    port = probe.port();
  }
  S3Options options = OptionsFor(port);
  options.max_attempts = 4;
  options.initial_backoff_ms = 100;
  options.max_backoff_ms = 150;
  std::unique_ptr<S3Store> store;
  ASSERT_TRUE(S3Store::Open(options, &store).ok());
  auto began = Clock::now();
  uint64_t size;
  Status s = store->Head("values/0x1", &size);
  auto took = Clock::now() - began;
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("gave up after 4 attempts"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("FailedToConnect"), std::string::npos) << s.ToString();
  // Waits of [50, 100], [75, 150], [75, 150] ms between the four attempts.
  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(S3StoreOpen, RefusesBadOptions) {
  std::unique_ptr<S3Store> store;
  S3Options o = OptionsFor(1);
  o.bucket = "";
  EXPECT_EQ(S3Store::Open(o, &store).code(), Status::Code::kInvalidArgument);
  o = OptionsFor(1);
  o.host = "";
  EXPECT_EQ(S3Store::Open(o, &store).code(), Status::Code::kInvalidArgument);
  o = OptionsFor(1);
  o.max_attempts = 0;
  EXPECT_EQ(S3Store::Open(o, &store).code(), Status::Code::kInvalidArgument);
  o = OptionsFor(1);
  o.virtual_host_style = true;
  o.bucket = "Not_A_DNS_Name";
  EXPECT_EQ(S3Store::Open(o, &store).code(), Status::Code::kInvalidArgument);
}

TEST(S3StoreOpen, DescribeNamesBucketPrefixAndEndpointButNoCredential) {
  S3Options o = OptionsFor(7480);
  o.prefix = "tenant/a/";
  std::unique_ptr<S3Store> store;
  ASSERT_TRUE(S3Store::Open(o, &store).ok());
  EXPECT_EQ(store->Describe(), "s3://kvbos-test/tenant/a at http://127.0.0.1:7480");
  EXPECT_EQ(store->Describe().find("AKIDTEST"), std::string::npos);
}

}  // namespace
}  // namespace kvbos
