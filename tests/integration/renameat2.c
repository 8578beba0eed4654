/* renameat2 [--noreplace|--exchange] OLD NEW: rename with flags (coreutils 9.1 has no
 * mv --exchange). On failure prints "renameat2: OLD -> NEW: <strerror>" and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>

int main(int argc, char **argv) {
  unsigned flags = 0;
  int i = 1;
  if (argc == 4 && strcmp(argv[1], "--noreplace") == 0) { flags = RENAME_NOREPLACE; i = 2; }
  else if (argc == 4 && strcmp(argv[1], "--exchange") == 0) { flags = RENAME_EXCHANGE; i = 2; }
  else if (argc != 3) {
    fprintf(stderr, "usage: renameat2 [--noreplace|--exchange] OLD NEW\n");
    return 2;
  }
  if (syscall(SYS_renameat2, AT_FDCWD, argv[i], AT_FDCWD, argv[i + 1], flags) != 0) {
    fprintf(stderr, "renameat2: %s -> %s: %s\n", argv[i], argv[i + 1], strerror(errno));
    return 1;
  }
  return 0;
}
