// Filesystem against a real engine on a pool in /dev/shm: no mount needed.
#include "fuse/filesystem.h"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/engine.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace kvbosfs {
namespace {

class FilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    pool_ = std::string(dir) + "/kvbos_fs_test." + std::to_string(getpid()) + "." +
            std::to_string(counter++) + ".pool";
    kvbos::CreateOptions options;
    options.pool_size = 64ull << 20;
    options.value_block_size = 1u << 20;
    options.key_block_size = 64u << 10;
    ASSERT_TRUE(kvbos::Engine::Create(pool_, options).ok());
    Mount();
  }

  void TearDown() override {
    Unmount();
    std::remove(pool_.c_str());
  }

  void Mount() {
    kvbos::Status s = kvbos::Engine::Open(pool_, kvbos::OpenOptions(), &engine_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    fs_ = std::make_unique<Filesystem>(engine_.get());
    ASSERT_EQ(fs_->Init(me_, 0), 0);
  }

  void Unmount() {
    if (fs_) {
      EXPECT_EQ(fs_->Shutdown(), 0);
    }
    fs_.reset();
    engine_.reset();
  }

  // Writes `data` to a new file at `path` and closes it.
  void WriteFile(const std::string& path, const std::string& data, mode_t mode = 0644) {
    FileHandle* fh = nullptr;
    ASSERT_EQ(fs_->Create(path, mode, O_WRONLY | O_CREAT | O_EXCL, me_, &fh), 0) << path;
    if (!data.empty()) {
      ASSERT_EQ(fs_->Write(fh, data.data(), data.size(), 0), static_cast<int>(data.size()));
    }
    ASSERT_EQ(fs_->Release(fh), 0);
  }

  // The whole content of `path`.
  std::string ReadFile(const std::string& path) {
    FileHandle* fh = nullptr;
    EXPECT_EQ(fs_->Open(path, O_RDONLY, &fh), 0) << path;
    if (fh == nullptr) return "<open failed>";
    std::string out;
    char buf[7000];  // an odd size: reads cross extent boundaries
    for (;;) {
      int n = fs_->Read(fh, buf, sizeof buf, static_cast<off_t>(out.size()));
      EXPECT_GE(n, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(fs_->Release(fh), 0);
    return out;
  }

  std::vector<std::string> List(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_EQ(fs_->ReadDir(path, [&](std::string_view name, mode_t) {
      names.emplace_back(name);
      return true;
    }), 0) << path;
    return names;
  }

  struct stat Stat(const std::string& path) {
    struct stat st;
    EXPECT_EQ(fs_->GetAttr(path, nullptr, &st), 0) << path;
    return st;
  }

  int StatErr(const std::string& path) {
    struct stat st;
    return fs_->GetAttr(path, nullptr, &st);
  }

  std::string pool_;
  Caller me_{getuid(), getgid()};
  std::unique_ptr<kvbos::Engine> engine_;
  std::unique_ptr<Filesystem> fs_;
};

std::string Pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 9)) & 0xff);
  return s;
}

TEST_F(FilesystemTest, RootExistsAndIsOwnedByTheMounter) {
  struct stat st = Stat("/");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, me_.uid);
  EXPECT_EQ(List("/"), (std::vector<std::string>{".", ".."}));
}

TEST_F(FilesystemTest, CreateWriteReadBackAndRemount) {
  const std::string data = Pattern(300000, 1);
  WriteFile("/f", data);
  EXPECT_EQ(ReadFile("/f"), data);
  EXPECT_EQ(Stat("/f").st_size, 300000);
  EXPECT_TRUE(S_ISREG(Stat("/f").st_mode));
  Unmount();
  Mount();
  EXPECT_EQ(ReadFile("/f"), data);
  EXPECT_EQ(Stat("/f").st_mode & 07777, 0644u);
}

TEST_F(FilesystemTest, CreateChecksParentAndName) {
  FileHandle* fh = nullptr;
  EXPECT_EQ(fs_->Create("/missing/f", 0644, O_CREAT | O_EXCL, me_, &fh), -ENOENT);
  WriteFile("/f", "x");
  EXPECT_EQ(fs_->Create("/f", 0644, O_CREAT | O_EXCL, me_, &fh), -EEXIST);
  EXPECT_EQ(fs_->Create("/f/g", 0644, O_CREAT | O_EXCL, me_, &fh), -ENOTDIR);
  EXPECT_EQ(fs_->MkDir("/f", 0755, me_), -EEXIST);
  EXPECT_EQ(fs_->MkDir("/f/d", 0755, me_), -ENOTDIR);
  EXPECT_EQ(StatErr("/f/x"), -ENOTDIR);
  EXPECT_EQ(StatErr("/nothing"), -ENOENT);
}

TEST_F(FilesystemTest, RandomWritesAndSparseReadsZeros) {
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Create("/sparse", 0600, O_RDWR | O_CREAT, me_, &fh), 0);
  const std::string a = Pattern(5000, 2), b = Pattern(3000, 3);
  ASSERT_EQ(fs_->Write(fh, a.data(), a.size(), 0), 5000);
  ASSERT_EQ(fs_->Write(fh, b.data(), b.size(), 2000000), 3000);  // hole in between
  ASSERT_EQ(fs_->Write(fh, b.data(), 100, 1000), 100);            // overwrite inside a
  ASSERT_EQ(fs_->Release(fh), 0);
  std::string expect = a;
  expect.replace(1000, 100, b.substr(0, 100));
  expect.resize(2000000, '\0');
  expect += b;
  EXPECT_EQ(Stat("/sparse").st_size, 2003000);
  EXPECT_EQ(ReadFile("/sparse"), expect);
  Unmount();
  Mount();
  EXPECT_EQ(ReadFile("/sparse"), expect);
}

TEST_F(FilesystemTest, AppendFlagWritesAtTheEnd) {
  WriteFile("/log", "one\n");
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Open("/log", O_WRONLY | O_APPEND, &fh), 0);
  ASSERT_EQ(fs_->Write(fh, "two\n", 4, 0), 4);
  ASSERT_EQ(fs_->Release(fh), 0);
  EXPECT_EQ(ReadFile("/log"), "one\ntwo\n");
}

TEST_F(FilesystemTest, TruncateShrinksGrowsAndOpenTrunc) {
  WriteFile("/t", Pattern(10000, 4));
  ASSERT_EQ(fs_->Truncate("/t", nullptr, 100), 0);
  EXPECT_EQ(ReadFile("/t"), Pattern(100, 4));
  ASSERT_EQ(fs_->Truncate("/t", nullptr, 200), 0);  // grows with zeros
  EXPECT_EQ(ReadFile("/t"), Pattern(100, 4) + std::string(100, '\0'));
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Open("/t", O_WRONLY | O_TRUNC, &fh), 0);
  EXPECT_EQ(Stat("/t").st_size, 0);
  ASSERT_EQ(fs_->Write(fh, "abc", 3, 0), 3);
  ASSERT_EQ(fs_->Truncate("", fh, 2), 0);  // ftruncate on the open file
  ASSERT_EQ(fs_->Release(fh), 0);
  EXPECT_EQ(ReadFile("/t"), "ab");
  ASSERT_EQ(fs_->MkDir("/d", 0755, me_), 0);
  EXPECT_EQ(fs_->Truncate("/d", nullptr, 0), -EISDIR);
}

TEST_F(FilesystemTest, OpenFileSizeWinsInGetattr) {
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Create("/g", 0644, O_WRONLY | O_CREAT, me_, &fh), 0);
  ASSERT_EQ(fs_->Write(fh, "12345", 5, 0), 5);
  EXPECT_EQ(Stat("/g").st_size, 5);  // before any record was written
  struct stat st;
  ASSERT_EQ(fs_->GetAttr("", fh, &st), 0);
  EXPECT_EQ(st.st_size, 5);
  ASSERT_EQ(fs_->Release(fh), 0);
}

// close(2) sends no FLUSH, so fsyncdir (Sync) must persist what open files
// hold; a crash right after it (no Shutdown, no Release) keeps the content.
TEST_F(FilesystemTest, SyncPersistsOpenFilesWithoutRelease) {
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Create("/open", 0644, O_WRONLY | O_CREAT, me_, &fh), 0);
  ASSERT_EQ(fs_->Write(fh, "12345", 5, 0), 5);
  ASSERT_EQ(fs_->Sync(), 0);
  delete fh;  // the daemon dies: no Release, no Shutdown
  fs_.reset();
  engine_.reset();
  Mount();
  EXPECT_EQ(ReadFile("/open"), "12345");
}

TEST_F(FilesystemTest, MkdirRmdirNotEmpty) {
  ASSERT_EQ(fs_->MkDir("/d", 0750, me_), 0);
  EXPECT_TRUE(S_ISDIR(Stat("/d").st_mode));
  EXPECT_EQ(Stat("/d").st_mode & 07777, 0750u);
  WriteFile("/d/f", "x");
  EXPECT_EQ(fs_->RmDir("/d"), -ENOTEMPTY);
  EXPECT_EQ(fs_->RmDir("/d/f"), -ENOTDIR);
  EXPECT_EQ(fs_->Unlink("/d"), -EISDIR);
  EXPECT_EQ(fs_->RmDir("/"), -EBUSY);
  ASSERT_EQ(fs_->Unlink("/d/f"), 0);
  EXPECT_EQ(StatErr("/d/f"), -ENOENT);
  ASSERT_EQ(fs_->RmDir("/d"), 0);
  EXPECT_EQ(StatErr("/d"), -ENOENT);
  EXPECT_EQ(fs_->RmDir("/d"), -ENOENT);
}

TEST_F(FilesystemTest, ReaddirListsChildrenOnlyOnce) {
  ASSERT_EQ(fs_->MkDir("/a", 0755, me_), 0);
  ASSERT_EQ(fs_->MkDir("/a/sub", 0755, me_), 0);
  ASSERT_EQ(fs_->MkDir("/a/sub/deeper", 0755, me_), 0);
  for (int i = 0; i < 50; i++) WriteFile("/a/sub/f" + std::to_string(i), "x");
  WriteFile("/a/sub/deeper/g", "y");
  WriteFile("/a/sub.txt", "z");  // '.' sorts before '/'
  WriteFile("/a/sub0", "z");     // '0' sorts right after '/'
  WriteFile("/a/file", "w");
  ASSERT_EQ(fs_->SetXattr("/a/file", "user.k", "v", 0), 0);
  ASSERT_EQ(fs_->SetXattr("/", "user.k", "v", 0), 0);
  // Key order: "sub.txt" < "sub/" < "sub0".
  EXPECT_EQ(List("/a"), (std::vector<std::string>{".", "..", "file", "sub.txt", "sub", "sub0"}));
  EXPECT_EQ(List("/"), (std::vector<std::string>{".", "..", "a"}));
  EXPECT_EQ(List("/a/sub/deeper"), (std::vector<std::string>{".", "..", "g"}));
  EXPECT_EQ(fs_->ReadDir("/a/file", [](std::string_view, mode_t) { return true; }), -ENOTDIR);
}

// What readdir's offsets rely on: positions count entries from 0 (".") and
// name each entry for the cursor's lifetime; types come from the records.
TEST_F(FilesystemTest, DirCursorPositionsAndTypes) {
  ASSERT_EQ(fs_->MkDir("/d", 0755, me_), 0);
  ASSERT_EQ(fs_->MkDir("/d/sub", 0755, me_), 0);
  WriteFile("/d/sub/inner", "x");
  WriteFile("/d/f", "x");
  ASSERT_EQ(fs_->Symlink("f", "/d/link", me_), 0);
  std::unique_ptr<DirCursor> c;
  ASSERT_EQ(fs_->OpenDir("/d", &c), 0);
  std::vector<std::string> names;
  std::vector<mode_t> types;
  for (uint64_t i = 0; c->Valid(); c->Next(), i++) {
    EXPECT_EQ(c->position(), i);
    names.emplace_back(c->name());
    types.push_back(c->type());
  }
  EXPECT_EQ(c->status(), 0);
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "f", "link", "sub"}));
  EXPECT_EQ(types, (std::vector<mode_t>{S_IFDIR, S_IFDIR, S_IFREG, S_IFLNK, S_IFDIR}));
  EXPECT_EQ(fs_->OpenDir("/d/f", &c), -ENOTDIR);
  EXPECT_EQ(fs_->OpenDir("/d/none", &c), -ENOENT);
}

TEST_F(FilesystemTest, RenameFile) {
  WriteFile("/a", "content a");
  ASSERT_EQ(fs_->SetXattr("/a", "user.tag", "t", 0), 0);
  ASSERT_EQ(fs_->Rename("/a", "/b", 0), 0);
  EXPECT_EQ(StatErr("/a"), -ENOENT);
  EXPECT_EQ(ReadFile("/b"), "content a");
  std::string v;
  EXPECT_EQ(fs_->GetXattr("/b", "user.tag", &v), 0);
  EXPECT_EQ(v, "t");
  // Over an existing file.
  WriteFile("/c", "content c");
  ASSERT_EQ(fs_->Rename("/c", "/b", 0), 0);
  EXPECT_EQ(ReadFile("/b"), "content c");
  EXPECT_EQ(fs_->GetXattr("/b", "user.tag", &v), -ENODATA);  // the replaced file's xattrs went with it
  EXPECT_EQ(fs_->Rename("/missing", "/x", 0), -ENOENT);
  EXPECT_EQ(fs_->Rename("/b", "/nodir/x", 0), -ENOENT);
}

TEST_F(FilesystemTest, RenameDirectoryWithChildren) {
  ASSERT_EQ(fs_->MkDir("/src", 0755, me_), 0);
  ASSERT_EQ(fs_->MkDir("/src/sub", 0700, me_), 0);
  WriteFile("/src/one", "1");
  WriteFile("/src/sub/two", "2");
  ASSERT_EQ(fs_->SetXattr("/src/sub", "user.d", "dir", 0), 0);
  ASSERT_EQ(fs_->SetXattr("/src/sub/two", "user.f", "file", 0), 0);
  ASSERT_EQ(fs_->Rename("/src", "/dst", 0), 0);
  EXPECT_EQ(StatErr("/src"), -ENOENT);
  EXPECT_EQ(StatErr("/src/one"), -ENOENT);
  EXPECT_EQ(ReadFile("/dst/one"), "1");
  EXPECT_EQ(ReadFile("/dst/sub/two"), "2");
  EXPECT_EQ(Stat("/dst/sub").st_mode & 07777, 0700u);
  std::string v;
  EXPECT_EQ(fs_->GetXattr("/dst/sub", "user.d", &v), 0);
  EXPECT_EQ(v, "dir");
  EXPECT_EQ(fs_->GetXattr("/dst/sub/two", "user.f", &v), 0);
  EXPECT_EQ(v, "file");
  EXPECT_EQ(List("/"), (std::vector<std::string>{".", "..", "dst"}));
  // Errors.
  EXPECT_EQ(fs_->Rename("/dst", "/dst/sub/inside", 0), -EINVAL);
  ASSERT_EQ(fs_->MkDir("/other", 0755, me_), 0);
  WriteFile("/other/x", "x");
  EXPECT_EQ(fs_->Rename("/dst", "/other", 0), -ENOTEMPTY);
  EXPECT_EQ(fs_->Rename("/dst/one", "/other", 0), -EISDIR);
  EXPECT_EQ(fs_->Rename("/dst", "/other/x", 0), -ENOTDIR);
  ASSERT_EQ(fs_->MkDir("/empty", 0755, me_), 0);
  ASSERT_EQ(fs_->Rename("/dst", "/empty", 0), 0);  // onto an empty directory
  EXPECT_EQ(ReadFile("/empty/sub/two"), "2");
  Unmount();
  Mount();
  EXPECT_EQ(ReadFile("/empty/one"), "1");
  EXPECT_EQ(List("/empty"), (std::vector<std::string>{".", "..", "one", "sub"}));
}

TEST_F(FilesystemTest, RenameNoreplaceAndExchange) {
  WriteFile("/a", "A");
  WriteFile("/b", "B");
  EXPECT_EQ(fs_->Rename("/a", "/b", RENAME_NOREPLACE), -EEXIST);
  ASSERT_EQ(fs_->Rename("/a", "/b", RENAME_EXCHANGE), 0);
  EXPECT_EQ(ReadFile("/a"), "B");
  EXPECT_EQ(ReadFile("/b"), "A");
  EXPECT_EQ(fs_->Rename("/a", "/none", RENAME_EXCHANGE), -ENOENT);
  ASSERT_EQ(fs_->Rename("/a", "/c", RENAME_NOREPLACE), 0);
  EXPECT_EQ(ReadFile("/c"), "B");
  // A file with a directory.
  ASSERT_EQ(fs_->MkDir("/d", 0755, me_), 0);
  WriteFile("/d/inner", "I");
  ASSERT_EQ(fs_->Rename("/c", "/d", RENAME_EXCHANGE), 0);
  EXPECT_EQ(ReadFile("/d"), "B");
  EXPECT_EQ(ReadFile("/c/inner"), "I");
  EXPECT_TRUE(S_ISDIR(Stat("/c").st_mode));
  EXPECT_EQ(fs_->Rename("/a", "/b", RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
}

TEST_F(FilesystemTest, OpenFilesFollowRenameAndSurviveUnlink) {
  ASSERT_EQ(fs_->MkDir("/d", 0755, me_), 0);
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Create("/d/f", 0644, O_RDWR | O_CREAT, me_, &fh), 0);
  ASSERT_EQ(fs_->Write(fh, "abc", 3, 0), 3);
  ASSERT_EQ(fs_->Rename("/d", "/e", 0), 0);
  ASSERT_EQ(fs_->Write(fh, "def", 3, 3), 3);
  ASSERT_EQ(fs_->Release(fh), 0);
  EXPECT_EQ(StatErr("/d/f"), -ENOENT);
  EXPECT_EQ(ReadFile("/e/f"), "abcdef");

  ASSERT_EQ(fs_->Open("/e/f", O_RDWR, &fh), 0);
  ASSERT_EQ(fs_->Unlink("/e/f"), 0);
  ASSERT_EQ(fs_->Write(fh, "zzz", 3, 0), 3);
  char buf[8] = {};
  EXPECT_EQ(fs_->Read(fh, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "zzzdef");
  ASSERT_EQ(fs_->Release(fh), 0);
  EXPECT_EQ(StatErr("/e/f"), -ENOENT);  // release did not resurrect it
  EXPECT_EQ(List("/e"), (std::vector<std::string>{".", ".."}));
}

TEST_F(FilesystemTest, HiddenOpenFileIsInvisibleAndUnstored) {
  ASSERT_EQ(fs_->MkDir("/d", 0755, me_), 0);
  WriteFile("/d/f", "hello");
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Open("/d/f", O_RDWR, &fh), 0);
  ASSERT_EQ(fs_->HideOpenFile("/d/f", "/d/.fuse_hidden0000000100000002"), 0);
  EXPECT_EQ(StatErr("/d/f"), -ENOENT);
  EXPECT_EQ(Stat("/d/.fuse_hidden0000000100000002").st_size, 5);  // reachable by its hidden name
  EXPECT_EQ(List("/d"), (std::vector<std::string>{".", ".."}));
  EXPECT_EQ(fs_->RmDir("/d"), 0);  // nothing is stored under the hidden name
  ASSERT_EQ(fs_->Write(fh, "HELLO!", 6, 0), 6);
  char buf[8] = {};
  EXPECT_EQ(fs_->Read(fh, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "HELLO!");
  ASSERT_EQ(fs_->Release(fh), 0);
  EXPECT_EQ(fs_->Unlink("/d/.fuse_hidden0000000100000002"), -ENOENT);  // libfuse's late unlink
  // A file that is not open is simply renamed.
  WriteFile("/g", "g");
  ASSERT_EQ(fs_->HideOpenFile("/g", "/.fuse_hidden1"), 0);
  EXPECT_EQ(ReadFile("/.fuse_hidden1"), "g");
}

TEST_F(FilesystemTest, NameTooLong) {
  const std::string long_name = "/" + std::string(256, 'n');
  FileHandle* fh = nullptr;
  EXPECT_EQ(fs_->Create(long_name, 0644, O_CREAT, me_, &fh), -ENAMETOOLONG);
  EXPECT_EQ(fs_->MkDir(long_name, 0755, me_), -ENAMETOOLONG);
  EXPECT_EQ(StatErr(long_name), -ENAMETOOLONG);
  WriteFile("/" + std::string(255, 'n'), "ok");
  EXPECT_EQ(ReadFile("/" + std::string(255, 'n')), "ok");
}

TEST_F(FilesystemTest, SymlinkAndReadlink) {
  ASSERT_EQ(fs_->Symlink("some/target", "/link", me_), 0);
  std::string target;
  ASSERT_EQ(fs_->ReadLink("/link", &target), 0);
  EXPECT_EQ(target, "some/target");
  EXPECT_TRUE(S_ISLNK(Stat("/link").st_mode));
  EXPECT_EQ(Stat("/link").st_size, 11);
  EXPECT_EQ(fs_->Symlink("x", "/link", me_), -EEXIST);
  WriteFile("/file", "f");
  EXPECT_EQ(fs_->ReadLink("/file", &target), -EINVAL);
}

TEST_F(FilesystemTest, AttributesChmodChownUtimens) {
  WriteFile("/f", "data");
  ASSERT_EQ(fs_->Chmod("/f", nullptr, 0600), 0);
  EXPECT_EQ(Stat("/f").st_mode, static_cast<mode_t>(S_IFREG | 0600));
  ASSERT_EQ(fs_->Chown("/f", nullptr, static_cast<uid_t>(-1), me_.gid), 0);
  EXPECT_EQ(Stat("/f").st_uid, me_.uid);
  struct timespec times[2] = {{1000, 5}, {2000, 123456789}};
  ASSERT_EQ(fs_->Utimens("/f", nullptr, times), 0);
  struct stat st = Stat("/f");
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
  struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  ASSERT_EQ(fs_->Utimens("/f", nullptr, omit), 0);
  st = Stat("/f");
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_GT(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(ReadFile("/f"), "data");  // attribute changes keep the content
  EXPECT_EQ(fs_->Link("/f", "/g"), -EPERM);
}

TEST_F(FilesystemTest, UtimensOnAnOpenFileSticksAfterRelease) {
  FileHandle* fh = nullptr;
  ASSERT_EQ(fs_->Create("/f", 0644, O_WRONLY | O_CREAT, me_, &fh), 0);
  ASSERT_EQ(fs_->Write(fh, "abc", 3, 0), 3);
  struct timespec times[2] = {{946684799, 123456789}, {946684799, 123456789}};
  ASSERT_EQ(fs_->Utimens("/f", nullptr, times), 0);  // like cp -a: futimens before close
  ASSERT_EQ(fs_->Release(fh), 0);
  Unmount();
  Mount();
  struct stat st = Stat("/f");
  EXPECT_EQ(st.st_mtim.tv_sec, 946684799);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
  EXPECT_EQ(st.st_size, 3);
}

TEST_F(FilesystemTest, XattrRoundTrip) {
  WriteFile("/f", "x");
  std::string v, names;
  EXPECT_EQ(fs_->GetXattr("/f", "user.a", &v), -ENODATA);
  ASSERT_EQ(fs_->SetXattr("/f", "user.a", "alpha", 0), 0);
  ASSERT_EQ(fs_->SetXattr("/f", "user.b", std::string("\0bin\xff", 5), XATTR_CREATE), 0);
  EXPECT_EQ(fs_->SetXattr("/f", "user.a", "again", XATTR_CREATE), -EEXIST);
  EXPECT_EQ(fs_->SetXattr("/f", "user.c", "c", XATTR_REPLACE), -ENODATA);
  ASSERT_EQ(fs_->SetXattr("/f", "user.a", "ALPHA", XATTR_REPLACE), 0);
  EXPECT_EQ(fs_->SetXattr("/f", "trusted.x", "t", 0), -ENOTSUP);
  EXPECT_EQ(fs_->GetXattr("/f", "security.capability", &v), -ENOTSUP);
  ASSERT_EQ(fs_->GetXattr("/f", "user.a", &v), 0);
  EXPECT_EQ(v, "ALPHA");
  ASSERT_EQ(fs_->GetXattr("/f", "user.b", &v), 0);
  EXPECT_EQ(v, std::string("\0bin\xff", 5));
  ASSERT_EQ(fs_->ListXattr("/f", &names), 0);
  EXPECT_EQ(names, std::string("user.a\0user.b\0", 14));
  ASSERT_EQ(fs_->RemoveXattr("/f", "user.a"), 0);
  EXPECT_EQ(fs_->RemoveXattr("/f", "user.a"), -ENODATA);
  Unmount();
  Mount();
  ASSERT_EQ(fs_->ListXattr("/f", &names), 0);
  EXPECT_EQ(names, std::string("user.b\0", 7));
  ASSERT_EQ(fs_->Unlink("/f"), 0);
  WriteFile("/f", "new");
  ASSERT_EQ(fs_->ListXattr("/f", &names), 0);
  EXPECT_EQ(names, "");  // a new file under the old name has none
}

TEST_F(FilesystemTest, StatFsReportsCapacity) {
  struct statvfs st;
  ASSERT_EQ(fs_->StatFs(&st), 0);
  EXPECT_EQ(st.f_bsize, 4096u);
  EXPECT_EQ(st.f_namemax, 255u);
  EXPECT_GT(st.f_blocks, 0u);
  EXPECT_LE(st.f_bfree, st.f_blocks);
}

TEST_F(FilesystemTest, MknodFifo) {
  ASSERT_EQ(fs_->MkNod("/fifo", S_IFIFO | 0644, 0, me_), 0);
  EXPECT_TRUE(S_ISFIFO(Stat("/fifo").st_mode));
  EXPECT_EQ(List("/"), (std::vector<std::string>{".", "..", "fifo"}));
}

}  // namespace
}  // namespace kvbosfs
