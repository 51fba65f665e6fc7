#include "xq_memory.h"
#if defined(__GLIBC__)
#include <malloc.h>
int xq_release_free_memory(void) { return malloc_trim(0); }
#else
int xq_release_free_memory(void) { return 0; }
#endif
