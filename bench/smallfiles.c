/* smallfiles: the small-file workload of bench/small-files.sh, run against one directory.
 *
 *   smallfiles create DIR DIRS FILES_PER_DIR SIZE   mkdir DIR/dNN, then per file:
 *                                                   open(O_CREAT|O_EXCL) write fsync close
 *   smallfiles read   DIR DIRS FILES_PER_DIR SIZE   open read close, verifying every byte
 *   smallfiles mkmany DIR N                         create N empty files in DIR (open+close)
 *   smallfiles list   DIR N                         readdir DIR (must see N entries), then
 *                                                   stat every entry
 *
 * Prints one line per measured phase: "phase=NAME ops=N seconds=S rate=R" (R = ops/s).
 *
 * SMALLFILES_DROP_EVERY=N: every N entries of mkmany/list, pause the clock, write 2 to
 * /proc/sys/vm/drop_caches (the kernel forgets unused dentries and inodes, and a FUSE daemon
 * gets FORGETs) and resume. passthrough_ll holds one descriptor per inode the kernel knows,
 * so without this 20,000 entries exceed a 20,000-descriptor limit that root cannot raise in
 * some containers. Applied to both file systems alike; the paused time is not counted. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double paused;  /* seconds spent in drop_caches pauses, subtracted from phase times */
static long drop_every;

static void maybe_drop(long i) {
  if (drop_every <= 0 || i == 0 || i % drop_every != 0) return;
  double t0 = now();
  FILE *f = fopen("/proc/sys/vm/drop_caches", "w");
  if (f) { fputs("2\n", f); fclose(f); }
  usleep(200000);  /* let the FORGETs reach the daemon */
  paused += now() - t0;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "smallfiles: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void report(const char *phase, long ops, double secs) {
  printf("phase=%s ops=%ld seconds=%.4f rate=%.1f\n", phase, ops, secs, secs > 0 ? ops / secs : 0.0);
  fflush(stdout);
}

/* Content of file (d, f): a pattern that differs per file, so a mixed-up read is caught. */
static void fill(unsigned char *buf, size_t size, long d, long f) {
  uint64_t x = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)d << 32 | (uint64_t)f);
  for (size_t i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    buf[i] = (unsigned char)x;
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: smallfiles create|read DIR DIRS FILES_PER_DIR SIZE | mkmany|list DIR N\n");
    return 2;
  }
  const char *mode = argv[1], *dir = argv[2];
  if (getenv("SMALLFILES_DROP_EVERY")) drop_every = atol(getenv("SMALLFILES_DROP_EVERY"));
  char path[4096];

  if (strcmp(mode, "create") == 0 || strcmp(mode, "read") == 0) {
    if (argc != 6) { fprintf(stderr, "smallfiles: %s needs DIR DIRS FILES_PER_DIR SIZE\n", mode); return 2; }
    long dirs = atol(argv[3]), per = atol(argv[4]);
    size_t size = (size_t)atol(argv[5]);
    unsigned char *want = malloc(size + 1), *got = malloc(size + 1);
    int create = strcmp(mode, "create") == 0;
    double t0 = now();
    for (long d = 0; d < dirs; d++) {
      snprintf(path, sizeof path, "%s/d%02ld", dir, d);
      if (create && mkdir(path, 0755) != 0) die("mkdir", path);
      for (long f = 0; f < per; f++) {
        snprintf(path, sizeof path, "%s/d%02ld/f%05ld", dir, d, f);
        fill(want, size, d, f);
        if (create) {
          int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
          if (fd < 0) die("open", path);
          if (write(fd, want, size) != (ssize_t)size) die("write", path);
          if (fsync(fd) != 0) die("fsync", path);
          if (close(fd) != 0) die("close", path);
        } else {
          int fd = open(path, O_RDONLY);
          if (fd < 0) die("open", path);
          ssize_t n = read(fd, got, size + 1);
          if (n != (ssize_t)size) { errno = n < 0 ? errno : EIO; die("read (wrong size)", path); }
          if (memcmp(want, got, size) != 0) { errno = EIO; die("read (wrong bytes)", path); }
          close(fd);
        }
      }
    }
    report(create ? "create_fsync" : "read", dirs * per, now() - t0);
    return 0;
  }

  if (strcmp(mode, "mkmany") == 0 || strcmp(mode, "list") == 0) {
    long n = atol(argv[3]);
    if (strcmp(mode, "mkmany") == 0) {
      double t0 = now();
      for (long i = 0; i < n; i++) {
        maybe_drop(i);
        snprintf(path, sizeof path, "%s/entry-%06ld", dir, i);
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) die("open", path);
        close(fd);
      }
      report("create_empty", n, now() - t0 - paused);
      return 0;
    }
    double t0 = now();
    DIR *dp = opendir(dir);
    if (!dp) die("opendir", dir);
    long seen = 0;
    char **names = malloc(sizeof(char *) * (size_t)(n + 16));
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      maybe_drop(seen);
      if (seen < n + 16) names[seen] = strdup(e->d_name);
      seen++;
    }
    closedir(dp);
    double t1 = now();
    if (seen != n) { fprintf(stderr, "smallfiles: readdir %s: %ld entries, expected %ld\n", dir, seen, n); return 1; }
    double paused_readdir = paused;
    report("readdir", seen, t1 - t0 - paused_readdir);
    struct stat st;
    for (long i = 0; i < seen; i++) {
      maybe_drop(i);
      snprintf(path, sizeof path, "%s/%s", dir, names[i]);
      if (lstat(path, &st) != 0) die("lstat", path);
    }
    report("readdir_stat", seen, now() - t0 - paused);
    return 0;
  }
  fprintf(stderr, "smallfiles: unknown mode %s\n", mode);
  return 2;
}
