// The module's headers: SQLite calls for the writer, and the allocator trim.
#include "xq_sqlite.h"
#include "xq_memory.h"
