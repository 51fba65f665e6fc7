#include "xq_sqlite.h"

typedef void (*xq_destructor)(void *);
#define XQ_TRANSIENT ((xq_destructor)-1)

// SQLiteNIO's copy of SQLite (see the header).
extern int sqlite_nio_sqlite3_open_v2(const char *, xq_db **, int, const char *);
extern int sqlite_nio_sqlite3_close_v2(xq_db *);
extern const char *sqlite_nio_sqlite3_errmsg(xq_db *);
extern int sqlite_nio_sqlite3_extended_errcode(xq_db *);
extern int sqlite_nio_sqlite3_busy_timeout(xq_db *, int);
extern int sqlite_nio_sqlite3_prepare_v3(xq_db *, const char *, int, unsigned int, xq_stmt **, const char **);
extern int sqlite_nio_sqlite3_step(xq_stmt *);
extern int sqlite_nio_sqlite3_reset(xq_stmt *);
extern int sqlite_nio_sqlite3_clear_bindings(xq_stmt *);
extern int sqlite_nio_sqlite3_finalize(xq_stmt *);
extern int sqlite_nio_sqlite3_bind_parameter_count(xq_stmt *);
extern int sqlite_nio_sqlite3_bind_null(xq_stmt *, int);
extern int sqlite_nio_sqlite3_bind_int64(xq_stmt *, int, int64_t);
extern int sqlite_nio_sqlite3_bind_double(xq_stmt *, int, double);
extern int sqlite_nio_sqlite3_bind_text(xq_stmt *, int, const char *, int, xq_destructor);
extern int sqlite_nio_sqlite3_bind_blob(xq_stmt *, int, const void *, int, xq_destructor);
extern int sqlite_nio_sqlite3_column_count(xq_stmt *);
extern const char *sqlite_nio_sqlite3_column_name(xq_stmt *, int);
extern int sqlite_nio_sqlite3_column_type(xq_stmt *, int);
extern int64_t sqlite_nio_sqlite3_column_int64(xq_stmt *, int);
extern double sqlite_nio_sqlite3_column_double(xq_stmt *, int);
extern const unsigned char *sqlite_nio_sqlite3_column_text(xq_stmt *, int);
extern const void *sqlite_nio_sqlite3_column_blob(xq_stmt *, int);
extern int sqlite_nio_sqlite3_column_bytes(xq_stmt *, int);

// SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
#define XQ_OPEN_FLAGS (0x00000002 | 0x00000004 | 0x00010000)
// SQLITE_PREPARE_PERSISTENT: the statement is kept and reused.
#define XQ_PREPARE_PERSISTENT 0x01

int xq_open(const char *path, xq_db **db) {
    int rc = sqlite_nio_sqlite3_open_v2(path, db, XQ_OPEN_FLAGS, 0);
    // Another process's writer (a command-line import) holds the lock: wait for it, with
    // SQLite's own backoff, as long as it takes (SQLiteNIO's connections wait forever too).
    if (rc == XQ_OK) sqlite_nio_sqlite3_busy_timeout(*db, 0x7fffffff);
    return rc;
}
int xq_close(xq_db *db) { return sqlite_nio_sqlite3_close_v2(db); }
const char *xq_errmsg(xq_db *db) { return sqlite_nio_sqlite3_errmsg(db); }
int xq_extended_errcode(xq_db *db) { return sqlite_nio_sqlite3_extended_errcode(db); }
int xq_prepare(xq_db *db, const char *sql, int bytes, xq_stmt **stmt) {
    return sqlite_nio_sqlite3_prepare_v3(db, sql, bytes, XQ_PREPARE_PERSISTENT, stmt, 0);
}
int xq_step(xq_stmt *s) { return sqlite_nio_sqlite3_step(s); }
int xq_reset(xq_stmt *s) { return sqlite_nio_sqlite3_reset(s); }
int xq_clear_bindings(xq_stmt *s) { return sqlite_nio_sqlite3_clear_bindings(s); }
int xq_finalize(xq_stmt *s) { return sqlite_nio_sqlite3_finalize(s); }
int xq_bind_parameter_count(xq_stmt *s) { return sqlite_nio_sqlite3_bind_parameter_count(s); }
int xq_bind_null(xq_stmt *s, int i) { return sqlite_nio_sqlite3_bind_null(s, i); }
int xq_bind_int64(xq_stmt *s, int i, int64_t v) { return sqlite_nio_sqlite3_bind_int64(s, i, v); }
int xq_bind_double(xq_stmt *s, int i, double v) { return sqlite_nio_sqlite3_bind_double(s, i, v); }
int xq_bind_text(xq_stmt *s, int i, const char *v, int bytes) { return sqlite_nio_sqlite3_bind_text(s, i, v, bytes, XQ_TRANSIENT); }
int xq_bind_blob(xq_stmt *s, int i, const void *v, int bytes) { return sqlite_nio_sqlite3_bind_blob(s, i, v, bytes, XQ_TRANSIENT); }
int xq_column_count(xq_stmt *s) { return sqlite_nio_sqlite3_column_count(s); }
const char *xq_column_name(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_name(s, i); }
int xq_column_type(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_type(s, i); }
int64_t xq_column_int64(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_int64(s, i); }
double xq_column_double(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_double(s, i); }
const unsigned char *xq_column_text(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_text(s, i); }
const void *xq_column_blob(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_blob(s, i); }
int xq_column_bytes(xq_stmt *s, int i) { return sqlite_nio_sqlite3_column_bytes(s, i); }
