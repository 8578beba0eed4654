#include "mount-tools/helper_args.h"

#include <gtest/gtest.h>

#include "mount-tools/mountinfo.h"

namespace kvbos::mount {
namespace {

std::string Parse(std::vector<const char*> argv, HelperArgs* out) {
  argv.insert(argv.begin(), "mount.kvbos");
  return ParseHelperArgs(static_cast<int>(argv.size()), argv.data(), out);
}

TEST(HelperArgs, MountCallingConvention) {
  HelperArgs a;
  ASSERT_EQ(Parse({"/p.pool", "/mnt", "-s", "-f", "-n", "-v", "-N", "123", "-o", "rw,store=file:/s",
                   "-t", "kvbos"},
                  &a),
            "");
  EXPECT_EQ(a.pool, "/p.pool");
  EXPECT_EQ(a.dir, "/mnt");
  EXPECT_TRUE(a.sloppy && a.fake && a.no_mtab && a.verbose);
  EXPECT_EQ(a.ns, "123");
  EXPECT_EQ(a.type, "kvbos");
  EXPECT_EQ(a.options, (std::vector<std::string>{"rw", "store=file:/s"}));
}

TEST(HelperArgs, GroupedFlagsJoinedValuesAndSeveralLists) {
  HelperArgs a;
  ASSERT_EQ(Parse({"-sfnv", "-oro", "p", "d", "-o", "nofail"}, &a), "");
  EXPECT_TRUE(a.sloppy && a.fake && a.no_mtab && a.verbose);
  EXPECT_EQ(a.options, (std::vector<std::string>{"ro", "nofail"}));
  EXPECT_EQ(a.pool, "p");
  EXPECT_EQ(a.dir, "d");
}

TEST(HelperArgs, Errors) {
  HelperArgs a;
  EXPECT_NE(Parse({}, &a), "");
  EXPECT_NE(Parse({"pool"}, &a), "");
  EXPECT_NE(Parse({"p", "d", "extra"}, &a), "");
  EXPECT_NE(Parse({"p", "d", "-o"}, &a), "");
  EXPECT_NE(Parse({"p", "d", "-x"}, &a), "");
  EXPECT_NE(Parse({"p", "d", "--bogus"}, &a), "");
  HelperArgs h;
  EXPECT_EQ(Parse({"--help"}, &h), "");
  EXPECT_TRUE(h.help);
  HelperArgs v;
  EXPECT_EQ(Parse({"-V"}, &v), "");
  EXPECT_TRUE(v.version);
}

TEST(SplitOptionList, EscapesQuotesAndEmptyItems) {
  EXPECT_EQ(SplitOptionList("a,b=c,,d"), (std::vector<std::string>{"a", "b=c", "d"}));
  EXPECT_EQ(SplitOptionList("fsname=a\\,b,ro"), (std::vector<std::string>{"fsname=a\\,b", "ro"}));
  EXPECT_EQ(SplitOptionList("comment=\"x,y\",ro"),
            (std::vector<std::string>{"comment=\"x,y\"", "ro"}));
  EXPECT_TRUE(SplitOptionList("").empty());
}

TEST(ClassifyOption, MountAndSystemdWordsAreDropped) {
  for (const char* o : {"defaults", "auto", "noauto", "_netdev", "user", "user=alice", "users",
                        "nouser", "owner", "group", "comment=fstab note", "x-systemd.automount",
                        "x-systemd.device-timeout=10s", "x-gvfs-show", "loop", "relatime",
                        "lazytime", "mand", "iversion"}) {
    EXPECT_EQ(ClassifyOption(o), OptionUse::kDrop) << o;
  }
}

TEST(ClassifyOption, KvbosfsAndFuseOptionsPass) {
  for (const char* o : {"ro", "rw", "store=s3://b/p", "endpoint=http://127.0.0.1:7480",
                        "credentials=/etc/kvbos/creds", "cache_size=1G", "snapshot_interval=5",
                        "allow_other", "default_permissions", "noexec", "nosuid", "nodev",
                        "noatime", "sync", "nosymfollow", "userx"}) {
    EXPECT_EQ(ClassifyOption(o), OptionUse::kPass) << o;
  }
}

TEST(ClassifyOption, NofailRemountAndSecrets) {
  EXPECT_EQ(ClassifyOption("nofail"), OptionUse::kNofail);
  EXPECT_EQ(ClassifyOption("remount"), OptionUse::kRemount);
  for (const char* o : {"secret_access_key=abc", "AWS_SECRET_ACCESS_KEY=abc", "access_key=AK",
                        "password=pw", "token=t"}) {
    EXPECT_EQ(ClassifyOption(o), OptionUse::kSecret) << o;
  }
  EXPECT_EQ(OptionName("secret=abc"), "secret");
  EXPECT_EQ(JoinOptions({"a", "b=c"}), "a,b=c");
}

TEST(MountInfo, ParsesAndUnescapes) {
  const auto mounts = ParseMountInfo(
      "22 1 0:21 / /proc rw,nosuid shared:5 - proc proc rw\n"
      "90 30 0:50 / /tmp/with\\040space rw,nosuid,nodev,relatime shared:1 master:2 - "
      "fuse.kvbosfs /dev/shm/a\\040b.pool rw,user_id=0,group_id=0\n"
      "garbage line\n");
  ASSERT_EQ(mounts.size(), 2u);
  const MountEntry* e = FindMount(mounts, "/tmp/with space");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->fstype, "fuse.kvbosfs");
  EXPECT_EQ(e->source, "/dev/shm/a b.pool");
  EXPECT_EQ(e->options, "rw,nosuid,nodev,relatime");
  EXPECT_EQ(FindMount(mounts, "/nowhere"), nullptr);
  EXPECT_EQ(UnescapeMountField("a\\134b\\011"), "a\\b\t");
}

}  // namespace
}  // namespace kvbos::mount
