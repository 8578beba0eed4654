// The command line of mount.kvbos, the helper mount(8) runs for `mount -t kvbos`
// and fstab lines of type kvbos (man 8 mount, "EXTERNAL HELPERS"):
//
//   mount.kvbos POOL DIR [-sfnv] [-N NAMESPACE] [-o OPTIONS] [-t TYPE[.SUBTYPE]]
//
// and what becomes of each -o option: mount(8)'s and systemd's own words are
// dropped, `nofail` is the helper's, credentials may only come from a file,
// and the rest goes to kvbosfs. Pure functions over strings, so they are
// tested without mounting anything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kvbos::mount {

// The parsed command line.
struct HelperArgs {
  std::string pool;         // POOL (the "spec" of mount(8))
  std::string dir;          // DIR, the mount point
  bool sloppy = false;      // -s: tolerate options we do not know (mount(8) -s)
  bool fake = false;        // -f: check everything, mount nothing
  bool no_mtab = false;     // -n: no /etc/mtab entry (there is none to write)
  bool verbose = false;     // -v: say what is run
  std::string ns;           // -N: a mount namespace, by PID or path
  std::string type;         // -t: kvbos, or fuse.kvbos
  std::vector<std::string> options;  // the -o items, in order (several -o add up)
  bool help = false;        // -h/--help
  bool version = false;     // -V/--version
};

// Parses argv (argv[0] is the program). Returns "" on success, else one
// sentence naming the problem (the caller adds the program name and the fix).
std::string ParseHelperArgs(int argc, const char* const* argv, HelperArgs* out);

// Splits a -o list at commas, keeping libfuse's backslash escapes ("a\,b" is
// one item, passed on as written) and libmount's double quotes
// (comment="a,b" is one item). Empty items are dropped.
std::vector<std::string> SplitOptionList(std::string_view list);

// What mount.kvbos does with one -o item.
enum class OptionUse {
  kPass,      // kvbosfs's own or a FUSE option: goes to kvbosfs
  kDrop,      // mount(8)'s, systemd's, or a kernel flag FUSE has no use for
  kNofail,    // nofail: a missing pool is not an error
  kRemount,   // remount: FUSE cannot change options of a live mount
  kSecret,    // a credential given inline: refused (use credentials=FILE)
};

// Classifies one -o item ("name" or "name=value").
OptionUse ClassifyOption(std::string_view option);

// The name of an option item: the part before '=' ("store" for "store=s3://b").
std::string_view OptionName(std::string_view option);

// Joins items back into one -o list.
std::string JoinOptions(const std::vector<std::string>& items);

}  // namespace kvbos::mount
