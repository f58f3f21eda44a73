// hive-io: the disk load the disk I/O benchmark runs inside its guest (the test guest has no fio). O_DIRECT reads or
// writes on a block device, sequential or at random aligned offsets, for a fixed time, from one or more threads (each
// thread keeps one request in flight, so threads = queue depth), then one line on stdout:
//   HIVE-IO tag=<tag> mode=<mode> bs=<bytes> threads=<n> ops=<n> bytes=<n> seconds=<s> iops=<n> mibps=<n>
// Usage: hive-io <tag> <seq-read|seq-write|rand-read|rand-write> <device> <block bytes> <seconds> [threads] [span MiB]
// Built by bench/disk-io.ts with `gcc -static -O2 -pthread`.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MAX_THREADS = 64 };

struct worker {
  pthread_t thread;
  int index;
  uint64_t ops;
  int failed;
};

static int fd;
static int writing, random_offsets;
static size_t block;
static uint64_t span_blocks;
static int nthreads;
static double deadline;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: cheap, and good enough to spread offsets over the device. */
static uint64_t next_random(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static void *run(void *arg) {
  struct worker *w = arg;
  void *buf;
  if (posix_memalign(&buf, 4096, block) != 0) {
    w->failed = ENOMEM;
    return NULL;
  }
  /* Not zeros, so no layer can take the writes for zero writes. */
  memset(buf, 0xa5 ^ w->index, block);
  uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(w->index + 1);
  /* Sequential threads each walk their own slice of the span, wrapping round at its end. */
  uint64_t slice = span_blocks / (uint64_t)nthreads;
  if (slice == 0) slice = 1;
  uint64_t first = slice * (uint64_t)w->index, pos = 0;
  while (now() < deadline) {
    uint64_t b = random_offsets ? next_random(&seed) % span_blocks : first + pos;
    if (!random_offsets && ++pos == slice) pos = 0;
    off_t off = (off_t)(b * block);
    ssize_t n = writing ? pwrite(fd, buf, block, off) : pread(fd, buf, block, off);
    if (n != (ssize_t)block) {
      w->failed = n < 0 ? errno : EIO;
      break;
    }
    w->ops++;
  }
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s <tag> <seq-read|seq-write|rand-read|rand-write> <device> <block bytes> <seconds> [threads] [span MiB]\n", argv[0]);
    return 2;
  }
  const char *tag = argv[1], *mode = argv[2], *dev = argv[3];
  block = strtoull(argv[4], NULL, 10);
  double seconds = strtod(argv[5], NULL);
  nthreads = argc > 6 ? atoi(argv[6]) : 1;
  uint64_t span_mib = argc > 7 ? strtoull(argv[7], NULL, 10) : 0;
  if (!strcmp(mode, "seq-read")) writing = 0, random_offsets = 0;
  else if (!strcmp(mode, "seq-write")) writing = 1, random_offsets = 0;
  else if (!strcmp(mode, "rand-read")) writing = 0, random_offsets = 1;
  else if (!strcmp(mode, "rand-write")) writing = 1, random_offsets = 1;
  else {
    fprintf(stderr, "hive-io: unknown mode %s\n", mode);
    return 2;
  }
  if (block == 0 || block % 512 || seconds <= 0 || nthreads < 1 || nthreads > MAX_THREADS) {
    fprintf(stderr, "hive-io: bad block size, duration or thread count\n");
    return 2;
  }
  fd = open(dev, (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
  if (fd < 0) {
    fprintf(stderr, "hive-io: open %s: %s\n", dev, strerror(errno));
    return 1;
  }
  /* A block device's size, or a regular file's (handy for trying the tool on the host). */
  uint64_t size = 0;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) size = (uint64_t)st.st_size;
  else if (ioctl(fd, BLKGETSIZE64, &size) != 0) {
    fprintf(stderr, "hive-io: BLKGETSIZE64 %s: %s\n", dev, strerror(errno));
    return 1;
  }
  if (span_mib && span_mib * 1048576 < size) size = span_mib * 1048576;
  span_blocks = size / block;
  if (span_blocks == 0) {
    fprintf(stderr, "hive-io: %s is smaller than one block\n", dev);
    return 1;
  }

  struct worker workers[MAX_THREADS];
  memset(workers, 0, sizeof workers);
  double start = now();
  deadline = start + seconds;
  for (int i = 0; i < nthreads; i++) {
    workers[i].index = i;
    if (pthread_create(&workers[i].thread, NULL, run, &workers[i]) != 0) {
      fprintf(stderr, "hive-io: cannot start thread %d\n", i);
      return 1;
    }
  }
  uint64_t ops = 0;
  int failed = 0;
  for (int i = 0; i < nthreads; i++) {
    pthread_join(workers[i].thread, NULL);
    ops += workers[i].ops;
    if (workers[i].failed) failed = workers[i].failed;
  }
  double elapsed = now() - start;
  /* Untimed: leave no dirty data in the host's cache path for the next load to pay for. */
  if (writing) fdatasync(fd);
  close(fd);
  if (failed) {
    fprintf(stderr, "hive-io: %s on %s: %s\n", mode, dev, strerror(failed));
    return 1;
  }
  uint64_t bytes = ops * block;
  printf("HIVE-IO tag=%s mode=%s bs=%zu threads=%d ops=%llu bytes=%llu seconds=%.3f iops=%.1f mibps=%.2f\n", tag, mode, block,
         nthreads, (unsigned long long)ops, (unsigned long long)bytes, elapsed, ops / elapsed, bytes / elapsed / 1048576.0);
  return 0;
}
