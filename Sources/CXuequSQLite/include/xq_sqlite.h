#ifndef XQ_SQLITE_H
#define XQ_SQLITE_H

#include <stdint.h>

// The few calls of SQLite's C API that the writer connection (`SQLiteWriter`) makes. SQLite
// itself is the copy SQLiteNIO builds into every binary (its symbols carry a `sqlite_nio_`
// prefix); these wrappers reach it without a second copy, and pass SQLITE_TRANSIENT, a macro
// Swift cannot import.

typedef struct sqlite3 xq_db;
typedef struct sqlite3_stmt xq_stmt;

enum {
    XQ_OK = 0, XQ_ROW = 100, XQ_DONE = 101,
    XQ_INTEGER = 1, XQ_FLOAT = 2, XQ_TEXT = 3, XQ_BLOB = 4, XQ_NULL = 5,
    XQ_CONSTRAINT = 19
};

int xq_open(const char *path, xq_db **db);
int xq_close(xq_db *db);
const char *xq_errmsg(xq_db *db);
int xq_extended_errcode(xq_db *db);
int xq_prepare(xq_db *db, const char *sql, int bytes, xq_stmt **stmt);
int xq_step(xq_stmt *stmt);
int xq_reset(xq_stmt *stmt);
int xq_clear_bindings(xq_stmt *stmt);
int xq_finalize(xq_stmt *stmt);
int xq_bind_parameter_count(xq_stmt *stmt);
int xq_bind_null(xq_stmt *stmt, int i);
int xq_bind_int64(xq_stmt *stmt, int i, int64_t v);
int xq_bind_double(xq_stmt *stmt, int i, double v);
int xq_bind_text(xq_stmt *stmt, int i, const char *v, int bytes);
int xq_bind_blob(xq_stmt *stmt, int i, const void *v, int bytes);
int xq_column_count(xq_stmt *stmt);
const char *xq_column_name(xq_stmt *stmt, int i);
int xq_column_type(xq_stmt *stmt, int i);
int64_t xq_column_int64(xq_stmt *stmt, int i);
double xq_column_double(xq_stmt *stmt, int i);
const unsigned char *xq_column_text(xq_stmt *stmt, int i);
const void *xq_column_blob(xq_stmt *stmt, int i);
int xq_column_bytes(xq_stmt *stmt, int i);

#endif
