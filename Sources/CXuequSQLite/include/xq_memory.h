#ifndef XQ_MEMORY_H
#define XQ_MEMORY_H

// Gives the allocator's free memory back to the system (glibc's malloc_trim); returns 1 when
// some was released. Elsewhere than glibc it does nothing and returns 0.
int xq_release_free_memory(void);

#endif
