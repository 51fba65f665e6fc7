#ifndef XQ_MEMORY_H
#define XQ_MEMORY_H

// Gives the allocator's free memory back to the system (glibc's malloc_trim); returns 1 when
// some was released. Elsewhere than glibc it does nothing and returns 0.
int xq_release_free_memory(void);

// Allocations of at least `bytes` get pages of their own (glibc's M_MMAP_THRESHOLD), returned
// to the system when freed. glibc otherwise raises that threshold each time such a block is
// freed, up to 32 MiB, and later large answers then live in the heap, where a small live block
// on a page keeps it. Returns 1 when set; elsewhere than glibc it does nothing and returns 0.
int xq_fix_large_allocation_threshold(int bytes);

#endif
