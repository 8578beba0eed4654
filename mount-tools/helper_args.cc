#include "mount-tools/helper_args.h"

#include <algorithm>
#include <iterator>
#include <cctype>

namespace kvbos::mount {
namespace {

// mount(8)'s and systemd's own words (mount(8) strips most of them before
// calling a helper, but not when the helper is run by hand or by another
// tool), and kernel flags that FUSE does not take. kvbosfs ignores the same
// words (fuse/main.cc), so a direct `kvbosfs POOL DIR -o <fstab options>` works too.
constexpr std::string_view kDropped[] = {
    "defaults", "auto",     "noauto",     "_netdev",     "user",          "users",
    "nouser",   "owner",    "group",      "loop",        "relatime",      "norelatime",
    "strictatime", "nostrictatime", "lazytime", "nolazytime", "diratime", "nodiratime",
    "iversion", "noiversion", "mand",     "nomand"};
// Option names dropped whatever their value.
constexpr std::string_view kDroppedWithValue[] = {"comment", "user", "loop", "offset", "sizelimit"};
// Names under which people put credentials on command lines; kvbos reads them
// from credentials=FILE or the environment only (argv is visible in ps).
constexpr std::string_view kSecretNames[] = {
    "access_key",        "access_key_id",     "secret",                "secret_key",
    "secret_access_key", "aws_access_key_id", "aws_secret_access_key", "password",
    "passwd",            "session_token",     "aws_session_token",     "token"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

template <size_t N>
bool Contains(const std::string_view (&set)[N], std::string_view word) {
  return std::find(std::begin(set), std::end(set), word) != std::end(set);
}

}  // namespace

std::vector<std::string> SplitOptionList(std::string_view list) {
  std::vector<std::string> items;
  std::string item;
  bool quoted = false;
  for (size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (c == '\\' && i + 1 < list.size()) {
      item += c;
      item += list[++i];
    } else if (c == '"') {
      quoted = !quoted;
      item += c;
    } else if (c == ',' && !quoted) {
      if (!item.empty()) items.push_back(std::move(item));
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) items.push_back(std::move(item));
  return items;
}

std::string_view OptionName(std::string_view option) {
  return option.substr(0, option.find('='));
}

OptionUse ClassifyOption(std::string_view option) {
  const std::string_view name = OptionName(option);
  const bool has_value = name.size() < option.size();
  if (Contains(kSecretNames, Lower(name))) return OptionUse::kSecret;
  if (!has_value && name == "nofail") return OptionUse::kNofail;
  if (!has_value && name == "remount") return OptionUse::kRemount;
  if (name.starts_with("x-")) return OptionUse::kDrop;  // x-systemd.*, x-gvfs-*, x-mount.*
  if (!has_value && Contains(kDropped, name)) return OptionUse::kDrop;
  if (has_value && Contains(kDroppedWithValue, name)) return OptionUse::kDrop;
  return OptionUse::kPass;
}

std::string JoinOptions(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::string ParseHelperArgs(int argc, const char* const* argv, HelperArgs* out) {
  std::vector<std::string> positional;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
    } else if (arg == "-h" || arg == "--help") {
      out->help = true;
    } else if (arg == "-V" || arg == "--version") {
      out->version = true;
    } else if (arg[1] == 'o' || arg[1] == 'N' || arg[1] == 't') {
      // -o LIST or -oLIST (likewise -N, -t)
      std::string value;
      if (arg.size() > 2) {
        value = std::string(arg.substr(2));
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return "option " + std::string(arg) + " needs a value";
      }
      if (arg[1] == 'o') {
        for (std::string& item : SplitOptionList(value)) out->options.push_back(std::move(item));
      } else if (arg[1] == 'N') {
        out->ns = value;
      } else {
        out->type = value;
      }
    } else if (arg.starts_with("--")) {
      return "unknown option '" + std::string(arg) + "'";
    } else {
      // A group of flags: -s -f -n -v, or -sfnv.
      for (char flag : arg.substr(1)) {
        switch (flag) {
          case 's': out->sloppy = true; break;
          case 'f': out->fake = true; break;
          case 'n': out->no_mtab = true; break;
          case 'v': out->verbose = true; break;
          case 'r': out->options.emplace_back("ro"); break;  // -r: read-only, as mount(8)
          case 'w': out->options.emplace_back("rw"); break;
          default: return "unknown option '-" + std::string(1, flag) + "'";
        }
      }
    }
  }
  if (out->help || out->version) return "";
  if (positional.size() < 2) {
    return positional.empty() ? "no POOL and no mount point given" : "no mount point given";
  }
  if (positional.size() > 2) return "unexpected argument '" + positional[2] + "'";
  out->pool = positional[0];
  out->dir = positional[1];
  return "";
}

}  // namespace kvbos::mount
