// mount.kvbos: the helper mount(8) runs for `mount -t kvbos POOL DIR -o OPTIONS`
// and for fstab lines "POOL DIR kvbos OPTIONS 0 0" (also `mount -a`, `mount DIR`).
//
//   mount.kvbos POOL DIR [-sfnv] [-N NAMESPACE] [-o OPTIONS] [-t TYPE]
//
// It drops the options that belong to mount(8) and systemd, handles `nofail`
// (a missing pool is not an error), runs kvbosfs (found beside this program,
// in ../bin, or on PATH) daemonised with the rest, and returns once the mount
// is up. Exit codes are mount(8)'s: 0 mounted, 1 wrong usage, 2 system error
// (kvbosfs missing, fork failed), 32 mount failure (kvbosfs's one-line reason
// is on stderr). Credentials come from credentials=FILE or the environment,
// never from the command line.
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kvbos_version.h"
#include "mount-tools/helper_args.h"
#include "mount-tools/mountinfo.h"

namespace {

using kvbos::mount::HelperArgs;
using kvbos::mount::OptionUse;

constexpr const char* kProgram = "mount.kvbos";
constexpr const char* kFsType = "fuse.kvbosfs";  // what kvbosfs's subtype makes the kernel show

// mount(8)'s exit codes.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitSystem = 2;
constexpr int kExitMountFailed = 32;

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", kProgram, message.c_str());
  return code;
}

void PrintUsage() {
  std::printf(
      "usage: %s POOL DIR [-sfnv] [-N NAMESPACE] [-o OPTIONS] [-t TYPE]\n"
      "\n"
      "Mounts the kvbos pool POOL on DIR by running kvbosfs in the background; mount(8) runs\n"
      "it for `mount -t kvbos POOL DIR` and for fstab lines such as\n"
      "    /var/lib/kvbos/data.pool  /mnt/kvbos  kvbos  defaults,_netdev,store=s3://B/P,"
      "credentials=/etc/kvbos/creds  0 0\n"
      "Unmount with: umount DIR (as root) or fusermount3 -u DIR.\n"
      "\n"
      "    -h, --help       print this help and exit\n"
      "    -V, --version    print version information and exit\n"
      "    -o OPTIONS       comma-separated options (below, and kvbosfs --help)\n"
      "    -f               fake: check the arguments and find kvbosfs, mount nothing\n"
      "    -v               verbose: print the kvbosfs command line\n"
      "    -s, -n           accepted for mount(8) (sloppy; no mtab): nothing to do\n"
      "    -r, -w           the same as -o ro, -o rw\n"
      "    -N NAMESPACE     mount in another mount namespace (a PID or a /proc/PID/ns/mnt path)\n"
      "    -t TYPE          accepted for mount(8) (kvbos, fuse.kvbos)\n"
      "\n"
      "options handled here:\n"
      "    nofail           a POOL that does not exist is not an error (exit 0, nothing mounted)\n"
      "    defaults, auto, noauto, _netdev, user, users, nouser, owner, group, comment=...,\n"
      "    x-... (x-systemd.*), loop, relatime, strictatime, lazytime, diratime, iversion,\n"
      "    mand (and their no- forms)   mount(8)'s and systemd's: accepted and ignored\n"
      "    remount          refused: unmount and mount again\n"
      "options passed to kvbosfs: ro, rw, store=, endpoint=, credentials=FILE, uri_style=,\n"
      "    store_attempts=, store_timeout_ms=, snapshot_interval=, cache_size=, allow_other,\n"
      "    default_permissions, noexec, nosuid, nodev, exec, suid, dev, noatime, sync, ...\n"
      "Credentials only come from credentials=FILE (mode 0600) or AWS_ACCESS_KEY_ID and\n"
      "AWS_SECRET_ACCESS_KEY in the environment, never from options.\n"
      "\n"
      "exit status: 0 mounted (or nofail and no POOL), 1 wrong usage, 2 system error\n"
      "(kvbosfs not found, cannot run it), 32 mount failure.\n",
      kProgram);
}

// The directory holding this program (symlinks resolved), or "".
std::string OwnDirectory() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// An absolute, symlink-free form of `path` when it exists, else `path`.
std::string Canonical(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// kvbosfs beside this program (a build tree), in ../bin (an installed sbin/),
// or on PATH; "" if none.
std::string FindKvbosfs() {
  const std::string own = OwnDirectory();
  if (!own.empty()) {
    for (const std::string& candidate : {own + "/kvbosfs", own + "/../bin/kvbosfs"}) {
      if (IsExecutableFile(candidate)) return Canonical(candidate);
    }
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t end = dirs.find(':', pos);
    if (end == dirs.npos) end = dirs.size();
    const std::string dir = dirs.substr(pos, end - pos);
    const std::string candidate = (dir.empty() ? "." : dir) + "/kvbosfs";
    if (IsExecutableFile(candidate)) return candidate;
    pos = end + 1;
  }
  return "";
}

// Joins the mount namespace named by `ns` (a PID or a path); "" or a message.
std::string EnterNamespace(const std::string& ns) {
  const bool is_pid = ns.find_first_not_of("0123456789") == std::string::npos;
  const std::string path = is_pid ? "/proc/" + ns + "/ns/mnt" : ns;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return path + ": " + std::strerror(errno);
  const int rc = setns(fd, CLONE_NEWNS);
  const int err = errno;
  close(fd);
  if (rc != 0) return "cannot enter the mount namespace " + path + ": " + std::strerror(err);
  return "";
}

// Runs argv[0] with argv and waits for it; returns its exit status, 128+signal,
// or -1 (errno set) when it cannot be started.
int Run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // The daemon must not keep the caller's other descriptors (pipes of a
    // script waiting for EOF, lock files) open for the life of the mount.
    close_range(3, ~0u, 0);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "%s: cannot run %s: %s\n", kProgram, argv[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

// Waits up to `timeout` while `pool` is locked by a kvbosfs that is no longer
// mounted anywhere: after `umount DIR` the kernel detaches the mount at once,
// but the daemon still writes its final commit, holding the pool's flock, and
// a mount right then would be refused as "in use". A pool that is mounted is
// not waited for (kvbosfs refuses it at once). Returns false on timeout.
bool WaitWhileUnmountedButLocked(const std::string& pool, std::chrono::milliseconds timeout) {
  const int fd = open(pool.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // kvbosfs will say what is wrong
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool free = false;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      flock(fd, LOCK_UN);
      free = true;
      break;
    }
    if (errno != EWOULDBLOCK) break;
    bool mounted = false;
    for (const auto& m : kvbos::mount::ReadMountInfo()) {
      if (m.fstype == kFsType && m.source == pool) mounted = true;
    }
    if (mounted || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  close(fd);
  return free;
}

// True once `dir` shows a kvbosfs mount, polling for up to `timeout`.
bool WaitForMount(const std::string& dir, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto mounts = kvbos::mount::ReadMountInfo();
    const kvbos::mount::MountEntry* e = kvbos::mount::FindMount(mounts, dir);
    if (e != nullptr && e->fstype == kFsType) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int main(int argc, char** argv) {
  HelperArgs args;
  if (std::string error = kvbos::mount::ParseHelperArgs(argc, argv, &args); !error.empty()) {
    return Fail(kExitUsage, error + " (usage: mount.kvbos POOL DIR [-o OPTIONS]; see --help)");
  }
  if (args.help) {
    PrintUsage();
    return kExitOk;
  }
  if (args.version) {
    std::printf("%s %s\n", kProgram, KVBOS_VERSION);
    return kExitOk;
  }

  bool nofail = false;
  std::vector<std::string> pass;
  for (const std::string& option : args.options) {
    switch (kvbos::mount::ClassifyOption(option)) {
      case OptionUse::kPass: pass.push_back(option); break;
      case OptionUse::kDrop: break;
      case OptionUse::kNofail: nofail = true; break;
      case OptionUse::kRemount:
        return Fail(kExitMountFailed, args.dir + ": remount is not supported (FUSE cannot change a "
                                                 "live mount's options); unmount and mount again");
      case OptionUse::kSecret:
        return Fail(kExitUsage, "option '" + std::string(kvbos::mount::OptionName(option)) +
                                    "' would put a credential on the command line; put the keys "
                                    "in a file (mode 0600) and use credentials=FILE");
    }
  }

  if (!args.ns.empty()) {
    if (std::string error = EnterNamespace(args.ns); !error.empty()) return Fail(kExitSystem, error);
  }

  struct stat st;
  if (stat(args.pool.c_str(), &st) != 0) {
    const int err = errno;
    if (nofail && err == ENOENT) {
      if (args.verbose) {
        std::fprintf(stderr, "%s: %s does not exist; nofail: not mounting %s\n", kProgram,
                     args.pool.c_str(), args.dir.c_str());
      }
      return kExitOk;
    }
    return Fail(kExitMountFailed, args.pool + ": " + std::strerror(err) +
                                      (err == ENOENT ? " (create the pool with mkfs.kvbos)" : ""));
  }
  const std::string pool = Canonical(args.pool);
  const std::string dir = Canonical(args.dir);

  const std::string kvbosfs = FindKvbosfs();
  if (kvbosfs.empty()) {
    return Fail(kExitSystem, "kvbosfs not found beside " + OwnDirectory() +
                                 " nor on PATH; install kvbos (cmake --install)");
  }
  std::vector<std::string> command = {kvbosfs, pool, dir};
  if (!pass.empty()) {
    command.push_back("-o");
    command.push_back(kvbos::mount::JoinOptions(pass));
  }
  if (args.verbose) {
    std::string line;
    for (const std::string& word : command) line += (line.empty() ? "" : " ") + word;
    std::fprintf(stderr, "%s: %s%s\n", kProgram, args.fake ? "would run " : "running ", line.c_str());
  }
  if (args.fake) return kExitOk;

  WaitWhileUnmountedButLocked(pool, std::chrono::seconds(30));
  const int rc = Run(command);
  if (rc < 0) return Fail(kExitSystem, "cannot run " + kvbosfs + ": " + std::strerror(errno));
  if (rc != 0) return kExitMountFailed;  // kvbosfs printed the reason (one line)
  // kvbosfs returns once it has mounted and daemonised; check what the kernel shows.
  if (!WaitForMount(dir, std::chrono::seconds(10))) {
    return Fail(kExitMountFailed, dir + ": kvbosfs exited 0 but no " + kFsType +
                                      " mount appeared; try kvbosfs -f " + pool + " " + dir +
                                      " to see its log");
  }
  return kExitOk;
}
