#include "xq_memory.h"
// Any C library header defines __GLIBC__ on glibc; without one the test below was always
// false and the stubs were compiled (the trim "released nothing" every time).
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
int xq_release_free_memory(void) { return malloc_trim(0); }
int xq_fix_large_allocation_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#else
int xq_release_free_memory(void) { return 0; }
int xq_fix_large_allocation_threshold(int bytes) { (void)bytes; return 0; }
#endif
