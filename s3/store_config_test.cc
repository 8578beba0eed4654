// The store= mount options: parsing, credentials (file and environment), and
// OpenObjectStore for the file: backend. No server needed.
#include "s3/store_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kvbos {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzSECRET";

class StoreConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kvbos-storeconfig-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
  }
  std::string WriteFile(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  static void SetEnvCredentials() {
    ::setenv("AWS_ACCESS_KEY_ID", "ENVKEYID", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", kSecret, 1);
  }
  static StoreOptions S3(const std::string& store, const std::string& endpoint) {
    StoreOptions o;
    o.store = store;
    o.endpoint = endpoint;
    return o;
  }
  std::string dir_;
};

TEST_F(StoreConfigTest, TakeStoreOptionTakesOnlyStoreKeys) {
  StoreOptions o;
  EXPECT_TRUE(TakeStoreOption("store=s3://b/p", &o));
  EXPECT_TRUE(TakeStoreOption("endpoint=http://127.0.0.1:7480", &o));
  EXPECT_TRUE(TakeStoreOption("credentials=/etc/kvbos/creds", &o));
  EXPECT_TRUE(TakeStoreOption("uri_style=virtual", &o));
  EXPECT_TRUE(TakeStoreOption("store_attempts=3", &o));
  EXPECT_TRUE(TakeStoreOption("store_timeout_ms=500", &o));
  EXPECT_FALSE(TakeStoreOption("cache_size=64M", &o));
  EXPECT_FALSE(TakeStoreOption("ro", &o));
  EXPECT_FALSE(TakeStoreOption("storex=1", &o));
  EXPECT_EQ(o.store, "s3://b/p");
  EXPECT_EQ(o.endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(o.credentials, "/etc/kvbos/creds");
  EXPECT_EQ(o.uri_style, "virtual");
  EXPECT_EQ(o.attempts, "3");
  EXPECT_EQ(o.timeout_ms, "500");
}

TEST_F(StoreConfigTest, NoStoreMeansThePoolAlone) {
  StoreConfig c;
  ASSERT_TRUE(ParseStoreConfig(StoreOptions(), &c).ok());
  EXPECT_EQ(c.kind, StoreConfig::Kind::kNone);
  std::unique_ptr<ObjectStore> store;
  ASSERT_TRUE(OpenObjectStore(c, &store).ok());
  EXPECT_EQ(store, nullptr);
}

TEST_F(StoreConfigTest, S3WithPrefixEndpointAndEnvironmentCredentials) {
  SetEnvCredentials();
  StoreConfig c;
  Status s = ParseStoreConfig(S3("s3://my-bucket/some/prefix/", "http://127.0.0.1:7480"), &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.kind, StoreConfig::Kind::kS3);
  EXPECT_EQ(c.s3.bucket, "my-bucket");
  EXPECT_EQ(c.s3.prefix, "some/prefix/");
  EXPECT_EQ(c.s3.host, "127.0.0.1:7480");
  EXPECT_FALSE(c.s3.https);
  EXPECT_FALSE(c.s3.virtual_host_style);
  EXPECT_EQ(c.s3.access_key_id, "ENVKEYID");
  EXPECT_EQ(c.s3.secret_access_key, kSecret);
  EXPECT_EQ(c.s3.max_attempts, 5);
  EXPECT_EQ(c.s3.request_timeout_ms, 10000);
}

TEST_F(StoreConfigTest, S3DefaultsAndOptions) {
  SetEnvCredentials();
  StoreConfig c;
  ASSERT_TRUE(ParseStoreConfig(S3("s3://b", ""), &c).ok());
  EXPECT_EQ(c.s3.prefix, "");
  EXPECT_EQ(c.s3.host, "s3.amazonaws.com");
  EXPECT_TRUE(c.s3.https);

  StoreOptions o = S3("s3://b/", "https://minio.example:9000/");
  o.uri_style = "virtual";
  o.attempts = "3";
  o.timeout_ms = "2500";
  ASSERT_TRUE(ParseStoreConfig(o, &c).ok());
  EXPECT_EQ(c.s3.prefix, "");
  EXPECT_EQ(c.s3.host, "minio.example:9000");
  EXPECT_TRUE(c.s3.https);
  EXPECT_TRUE(c.s3.virtual_host_style);
  EXPECT_EQ(c.s3.max_attempts, 3);
  EXPECT_EQ(c.s3.request_timeout_ms, 2500);
}

TEST_F(StoreConfigTest, MalformedOptionsAreInvalidArgumentNamingTheOption) {
  SetEnvCredentials();
  struct Case {
    StoreOptions options;
    const char* expect_in_message;
  };
  StoreOptions bad_style = S3("s3://b", "http://h:1");
  bad_style.uri_style = "dns";
  StoreOptions bad_attempts = S3("s3://b", "http://h:1");
  bad_attempts.attempts = "0";
  StoreOptions bad_timeout = S3("s3://b", "http://h:1");
  bad_timeout.timeout_ms = "10s";
  StoreOptions stray_endpoint;
  stray_endpoint.endpoint = "http://h:1";
  StoreOptions file_with_endpoint = S3("file:/srv/x", "http://h:1");
  const Case cases[] = {
      {S3("ftp://b", ""), "store=ftp://b"},
      {S3("s3://", ""), "bucket name is missing"},
      {S3("s3:///prefix", ""), "bucket name is missing"},
      {S3("file:relative/dir", ""), "expected file:/ABSOLUTE/PATH"},
      {S3("s3://b", "ftp://h"), "endpoint=ftp://h"},
      {S3("s3://b", "http://h:1/path"), "without a path"},
      {S3("s3://b", "http://"), "endpoint=http://"},
      {S3("s3://b", "http://h:0"), "bad host or port"},
      {S3("s3://b", "http://h:99999"), "bad host or port"},
      {S3("s3://b", "http://h:port"), "bad host or port"},
      {bad_style, "uri_style=dns"},
      {bad_attempts, "store_attempts=0"},
      {bad_timeout, "store_timeout_ms=10s"},
      {stray_endpoint, "endpoint= given without store="},
      {file_with_endpoint, "apply only to store=s3://"},
  };
  for (const Case& c : cases) {
    StoreConfig config;
    Status s = ParseStoreConfig(c.options, &config);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument)
        << c.options.store << " " << c.options.endpoint;
    EXPECT_NE(s.message().find(c.expect_in_message), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << "one line: " << s.ToString();
  }
}

TEST_F(StoreConfigTest, CredentialsInTheEndpointAreRefusedWithoutEchoingThem) {
  StoreConfig c;
  Status s = ParseStoreConfig(S3("s3://b", std::string("http://KEY:") + kSecret + "@h:1"), &c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.ToString();
}

TEST_F(StoreConfigTest, NoCredentialsAtAllIsAClearError) {
  StoreConfig c;
  Status s = ParseStoreConfig(S3("s3://b", "http://127.0.0.1:1"), &c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("no credentials"), std::string::npos) << s.ToString();
  ::setenv("AWS_ACCESS_KEY_ID", "only-the-id", 1);
  EXPECT_EQ(ParseStoreConfig(S3("s3://b", "http://127.0.0.1:1"), &c).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(StoreConfigTest, CredentialsFileWinsOverTheEnvironment) {
  SetEnvCredentials();
  std::string path = WriteFile("creds",
                               "# kvbos test\nAWS_ACCESS_KEY_ID=FILEKEYID\n"
                               "AWS_SECRET_ACCESS_KEY=file/secret+value=\n",
                               0600);
  StoreOptions o = S3("s3://b", "http://127.0.0.1:1");
  o.credentials = path;
  StoreConfig c;
  Status s = ParseStoreConfig(o, &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.s3.access_key_id, "FILEKEYID");
  EXPECT_EQ(c.s3.secret_access_key, "file/secret+value=");
}

TEST_F(StoreConfigTest, CredentialsFileInAwsAndShellStyles) {
  std::string id, secret;
  std::string aws = WriteFile("aws",
                              "[default]\naws_access_key_id = AKIDAWS\n"
                              "aws_secret_access_key = s3cr3t/aws\n",
                              0400);
  ASSERT_TRUE(ReadCredentialsFile(aws, &id, &secret).ok());
  EXPECT_EQ(id, "AKIDAWS");
  EXPECT_EQ(secret, "s3cr3t/aws");
  std::string sh = WriteFile("sh",
                             "export AWS_ACCESS_KEY_ID=\"AKIDSH\"\n"
                             "export AWS_SECRET_ACCESS_KEY='s3cr3t sh'\n",
                             0600);
  ASSERT_TRUE(ReadCredentialsFile(sh, &id, &secret).ok());
  EXPECT_EQ(id, "AKIDSH");
  EXPECT_EQ(secret, "s3cr3t sh");
}

TEST_F(StoreConfigTest, CredentialsFileReadableByOthersIsRefused) {
  const std::string text =
      std::string("AWS_ACCESS_KEY_ID=K\nAWS_SECRET_ACCESS_KEY=") + kSecret + "\n";
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    std::string path = WriteFile("creds" + std::to_string(mode), text, mode);
    std::string id, secret;
    Status s = ReadCredentialsFile(path, &id, &secret);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << std::oct << mode;
    EXPECT_NE(s.message().find("group or others"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.ToString();
    EXPECT_TRUE(secret.empty());
    // Through the mount options too.
    StoreOptions o = S3("s3://b", "http://127.0.0.1:1");
    o.credentials = path;
    StoreConfig c;
    EXPECT_EQ(ParseStoreConfig(o, &c).code(), Status::Code::kInvalidArgument);
  }
}

TEST_F(StoreConfigTest, CredentialsFileMissingAKeyOrMissingIsRefused) {
  std::string id, secret;
  std::string path =
      WriteFile("half", std::string("AWS_SECRET_ACCESS_KEY=") + kSecret + "\n", 0600);
  Status s = ReadCredentialsFile(path, &id, &secret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.ToString();
  s = ReadCredentialsFile(dir_ + "/absent", &id, &secret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  s = ReadCredentialsFile(dir_, &id, &secret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
}

TEST_F(StoreConfigTest, FileStoreOpensADirectoryBackend) {
  for (std::string url : {"file:" + dir_, "file://" + dir_}) {
    StoreOptions o;
    o.store = url;
    StoreConfig c;
    ASSERT_TRUE(ParseStoreConfig(o, &c).ok()) << url;
    EXPECT_EQ(c.kind, StoreConfig::Kind::kDirectory);
    EXPECT_EQ(c.directory, dir_);
    std::unique_ptr<ObjectStore> store;
    ASSERT_TRUE(OpenObjectStore(c, &store).ok());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Describe(), "file:" + dir_);
    ASSERT_TRUE(store->Put("values/0x1", "bytes").ok());
    std::string got;
    ASSERT_TRUE(store->Get("values/0x1", &got).ok());
    EXPECT_EQ(got, "bytes");
  }
}

TEST_F(StoreConfigTest, FileStoreOnAMissingDirectoryFailsAtOpen) {
  StoreOptions o;
  o.store = "file:" + dir_ + "/missing";
  StoreConfig c;
  ASSERT_TRUE(ParseStoreConfig(o, &c).ok());
  std::unique_ptr<ObjectStore> store;
  Status s = OpenObjectStore(c, &store);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(dir_ + "/missing"), std::string::npos) << s.ToString();
  EXPECT_EQ(store, nullptr);
}

TEST_F(StoreConfigTest, UnreachableS3EndpointFailsAtOpenWithIOError) {
  SetEnvCredentials();
  // A port on loopback where nothing listens: connections are refused.
  StoreOptions o = S3("s3://kvbos-test", "http://127.0.0.1:1");
  o.attempts = "2";
  StoreConfig c;
  ASSERT_TRUE(ParseStoreConfig(o, &c).ok());
  std::unique_ptr<ObjectStore> store;
  Status s = OpenObjectStore(c, &store);
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1:1"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("2 attempts"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.ToString();
  EXPECT_EQ(store, nullptr);
}

}  // namespace
}  // namespace kvbos
