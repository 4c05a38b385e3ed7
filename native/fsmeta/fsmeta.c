// Extended attributes and nanosecond times for snapshots: Node has no listxattr, getxattr,
// setxattr or removexattr, and its utimes rounds times through a double (about 100 ns off),
// so a restored mtime would never compare equal. POSIX ACLs are the xattrs
// system.posix_acl_access and system.posix_acl_default, so they come through here too. Every
// call uses the l* form / AT_SYMLINK_NOFOLLOW: a symbolic link is described, never followed.
#define _GNU_SOURCE
#include <node_api.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATH 4096
#define MAX_NAME 256

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case E2BIG: return "E2BIG";
    case ELOOP: return "ELOOP";
    case ENODATA: return "ENODATA";
    case EOPNOTSUPP: return "ENOTSUP";
    case EDQUOT: return "EDQUOT";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    default: return "EUNKNOWN";
  }
}

/** Throws an Error whose code is the errno's name, as Node's fs errors carry. */
static void throw_errno(napi_env env, int e, const char *call, const char *path) {
  char msg[MAX_PATH + 128];
  snprintf(msg, sizeof msg, "%s: %s, %s '%s'", errno_name(e), strerror(e), call, path);
  napi_value code, text, err;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &err);
  napi_throw(env, err);
}

/** Reads argument i as a string into buf; false (with a TypeError thrown) when it is not one or is too long. */
static int get_string(napi_env env, napi_value v, char *buf, size_t size, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a string", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  if (len + 1 > size || len == 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be 1 to %zu bytes long", what, size - 1);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  napi_get_value_string_utf8(env, v, buf, size, &len);
  if (strlen(buf) != len) {
    napi_throw_type_error(env, NULL, "a NUL byte in a path or name");
    return 0;
  }
  return 1;
}

/**
 * llistxattr into `small`, or into a buffer of the size needed (set in *names, for the caller to
 * free when it is not `small`): the length, or -1 with errno set and nothing to free.
 */
static ssize_t list_names(const char *path, char *small, size_t size, char **names) {
  *names = small;
  ssize_t len = llistxattr(path, small, size);
  while (len < 0 && errno == ERANGE) {
    ssize_t need = llistxattr(path, NULL, 0);
    if (need < 0) break;
    if (*names != small) free(*names);
    *names = malloc(need + 1);
    if (*names == NULL) { *names = small; errno = ENOMEM; return -1; }
    len = llistxattr(path, *names, need + 1);
  }
  if (len < 0 && *names != small) { int e = errno; free(*names); *names = small; errno = e; }
  return len;
}

/** lgetxattr as list_names does llistxattr. */
static ssize_t get_value(const char *path, const char *name, char *small, size_t size, char **value) {
  *value = small;
  ssize_t len = lgetxattr(path, name, small, size);
  while (len < 0 && errno == ERANGE) {
    ssize_t need = lgetxattr(path, name, NULL, 0);
    if (need < 0) break;
    if (*value != small) free(*value);
    *value = malloc(need + 1);
    if (*value == NULL) { *value = small; errno = ENOMEM; return -1; }
    len = lgetxattr(path, name, *value, need + 1);
  }
  if (len < 0 && *value != small) { int e = errno; free(*value); *value = small; errno = e; }
  return len;
}

/** list(path) -> [name, Buffer][]: every xattr of the path (not followed), sorted as the kernel lists them. */
static napi_value list_xattrs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[MAX_PATH];
  if (argc < 1 || !get_string(env, argv[0], path, sizeof path, "path")) return NULL;
  napi_value out;
  napi_create_array(env, &out);
  // Most files have none: one syscall into a stack buffer answers them.
  char small[1024];
  char *names;
  ssize_t len = list_names(path, small, sizeof small, &names);
  if (len < 0) {
    int e = errno;
    if (e == EOPNOTSUPP) return out;  // a filesystem without xattrs has none to keep
    throw_errno(env, e, "llistxattr", path);
    return NULL;
  }
  uint32_t n = 0;
  char vsmall[4096];
  for (ssize_t off = 0; off < len; off += strlen(names + off) + 1) {
    const char *name = names + off;
    char *value;
    ssize_t vlen = get_value(path, name, vsmall, sizeof vsmall, &value);
    if (vlen < 0) {
      int e = errno;
      if (e == ENODATA) continue;  // removed between list and get
      if (names != small) free(names);
      throw_errno(env, e, "lgetxattr", path);
      return NULL;
    }
    napi_value pair, jname, jvalue;
    void *data = NULL;
    napi_create_array_with_length(env, 2, &pair);
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &jname);
    napi_create_buffer_copy(env, (size_t)vlen, value, &data, &jvalue);
    napi_set_element(env, pair, 0, jname);
    napi_set_element(env, pair, 1, jvalue);
    napi_set_element(env, out, n++, pair);
    if (value != vsmall) free(value);
  }
  if (names != small) free(names);
  return out;
}

/** set(path, name, value): lsetxattr, creating or replacing. */
static napi_value set_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[MAX_PATH], name[MAX_NAME];
  if (argc < 3 || !get_string(env, argv[0], path, sizeof path, "path") || !get_string(env, argv[1], name, sizeof name, "name")) {
    if (argc < 3) napi_throw_type_error(env, NULL, "set(path, name, value) takes three arguments");
    return NULL;
  }
  bool is_buffer = false;
  napi_is_buffer(env, argv[2], &is_buffer);
  if (!is_buffer) { napi_throw_type_error(env, NULL, "value must be a Buffer"); return NULL; }
  void *data = NULL;
  size_t len = 0;
  napi_get_buffer_info(env, argv[2], &data, &len);
  if (lsetxattr(path, name, len == 0 ? "" : data, len, 0) != 0) { throw_errno(env, errno, "lsetxattr", path); return NULL; }
  return NULL;
}

/** remove(path, name): lremovexattr; an attribute already gone is not an error. */
static napi_value remove_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[MAX_PATH], name[MAX_NAME];
  if (argc < 2 || !get_string(env, argv[0], path, sizeof path, "path") || !get_string(env, argv[1], name, sizeof name, "name")) {
    if (argc < 2) napi_throw_type_error(env, NULL, "remove(path, name) takes two arguments");
    return NULL;
  }
  if (lremovexattr(path, name) != 0 && errno != ENODATA) { throw_errno(env, errno, "lremovexattr", path); return NULL; }
  return NULL;
}

/** Reads a bigint of nanoseconds since the epoch into a timespec; null or undefined leaves the time as it is. */
static int get_time(napi_env env, napi_value v, struct timespec *ts, const char *what) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) { ts->tv_sec = 0; ts->tv_nsec = UTIME_OMIT; return 1; }
  int64_t ns = 0;
  bool lossless = false;
  if (t != napi_bigint || napi_get_value_bigint_int64(env, v, &ns, &lossless) != napi_ok || !lossless) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a bigint of nanoseconds, or null", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  ts->tv_sec = ns / 1000000000;
  ts->tv_nsec = ns % 1000000000;
  if (ts->tv_nsec < 0) { ts->tv_nsec += 1000000000; ts->tv_sec -= 1; }
  return 1;
}

/** setTimes(path, atimeNs | null, mtimeNs | null): utimensat without following a link, to the nanosecond. */
static napi_value set_times(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[MAX_PATH];
  if (argc < 3) { napi_throw_type_error(env, NULL, "setTimes(path, atimeNs, mtimeNs) takes three arguments"); return NULL; }
  if (!get_string(env, argv[0], path, sizeof path, "path")) return NULL;
  struct timespec ts[2];
  if (!get_time(env, argv[1], &ts[0], "atimeNs") || !get_time(env, argv[2], &ts[1], "mtimeNs")) return NULL;
  if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) { throw_errno(env, errno, "utimensat", path); return NULL; }
  return NULL;
}

/** A growing byte buffer for the encoded xattrs. */
struct out_buf { char *data; size_t len, cap; int failed; };

static void out_put(struct out_buf *o, const char *s, size_t n) {
  if (o->failed) return;
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap * 2 > o->len + n + 1 ? o->cap * 2 : o->len + n + 1;
    char *grown = o->data == NULL ? malloc(cap) : realloc(o->data, cap);
    if (grown == NULL) { o->failed = 1; return; }
    o->data = grown;
    o->cap = cap;
  }
  memcpy(o->data + o->len, s, n);
  o->len += n;
}

static void out_base64(struct out_buf *o, const unsigned char *v, size_t n) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char quad[4];
  for (size_t i = 0; i < n; i += 3) {
    unsigned b = (unsigned)v[i] << 16 | (i + 1 < n ? (unsigned)v[i + 1] << 8 : 0) | (i + 2 < n ? v[i + 2] : 0);
    quad[0] = digits[b >> 18 & 63];
    quad[1] = digits[b >> 12 & 63];
    quad[2] = i + 1 < n ? digits[b >> 6 & 63] : '=';
    quad[3] = i + 2 < n ? digits[b & 63] : '=';
    out_put(o, quad, 4);
  }
}

/** A name JSON.stringify writes as it is (printable ASCII, no quote or backslash): then C's byte order is JS's sort order too. */
static int plain_name(const char *name) {
  for (const unsigned char *c = (const unsigned char *)name; *c; c++)
    if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\') return 0;
  return 1;
}

static int by_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

enum encoded { ENC_OK, ENC_FALLBACK, ENC_ERRNO };

/**
 * The path's xattrs as fs-meta.ts's encodeXattrs writes them (JSON [[name, base64], ...] sorted by
 * name, "[]" for none), byte for byte, so that a recording compares equal as text. ENC_FALLBACK
 * when a name is not plain ASCII (JS encodes those); ENC_ERRNO with *err and *call set.
 */
static enum encoded encode_xattrs(const char *path, struct out_buf *o, int *err, const char **call) {
  char small[1024];
  char *names;
  ssize_t len = list_names(path, small, sizeof small, &names);
  if (len < 0) {
    int e = errno;
    if (e == EOPNOTSUPP) { out_put(o, "[]", 2); return ENC_OK; }
    *err = e;
    *call = "llistxattr";
    return ENC_ERRNO;
  }
  size_t count = 0;
  for (ssize_t off = 0; off < len; off += strlen(names + off) + 1) count++;
  const char *sorted_small[32];
  const char **sorted = count <= 32 ? sorted_small : malloc(count * sizeof *sorted);
  enum encoded result = ENC_OK;
  if (sorted == NULL) { *err = ENOMEM; *call = "llistxattr"; result = ENC_ERRNO; goto done; }
  count = 0;
  for (ssize_t off = 0; off < len; off += strlen(names + off) + 1) {
    if (!plain_name(names + off)) { result = ENC_FALLBACK; goto done; }
    sorted[count++] = names + off;
  }
  qsort(sorted, count, sizeof *sorted, by_name);
  out_put(o, "[", 1);
  int first = 1;
  char vsmall[4096];
  for (size_t i = 0; i < count; i++) {
    char *value;
    ssize_t vlen = get_value(path, sorted[i], vsmall, sizeof vsmall, &value);
    if (vlen < 0) {
      int e = errno;
      if (e == ENODATA) continue;  // removed between list and get
      *err = e;
      *call = "lgetxattr";
      result = ENC_ERRNO;
      goto done;
    }
    out_put(o, first ? "[\"" : ",[\"", first ? 2 : 3);
    first = 0;
    out_put(o, sorted[i], strlen(sorted[i]));
    out_put(o, "\",\"", 3);
    out_base64(o, (const unsigned char *)value, (size_t)vlen);
    out_put(o, "\"]", 2);
    if (value != vsmall) free(value);
  }
  out_put(o, "]", 1);
  if (o->failed) { *err = ENOMEM; *call = "llistxattr"; result = ENC_ERRNO; }
done:
  if (sorted != NULL && sorted != sorted_small) free(sorted);
  if (names != small) free(names);
  return result;
}

/** The encoded xattrs as a JS string; undefined for a name only JS encodes alike; NULL with an error thrown. */
static napi_value encoded_value(napi_env env, const char *path) {
  struct out_buf o = {0};
  int e = 0;
  const char *call = "";
  enum encoded r = encode_xattrs(path, &o, &e, &call);
  napi_value v = NULL;
  if (r == ENC_OK) napi_create_string_latin1(env, o.data, o.len, &v);
  else if (r == ENC_FALLBACK) napi_get_undefined(env, &v);
  else throw_errno(env, e, call, path);
  free(o.data);
  return v;
}

/** encoded(path) -> string | undefined: the xattrs as encodeXattrs writes them (undefined: a name JS must encode). */
static napi_value encoded_xattrs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[MAX_PATH];
  if (argc < 1 || !get_string(env, argv[0], path, sizeof path, "path")) return NULL;
  return encoded_value(env, path);
}

/** The data of a typed array of this type and at least `need` elements; NULL with a TypeError thrown. */
static void *typed(napi_env env, napi_value v, napi_typedarray_type want, size_t need, const char *what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (is) napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL);
  if (!is || type != want || length < need) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a %s of at least %zu elements", what,
             want == napi_float64_array ? "Float64Array" : "BigInt64Array", need);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  return data;
}

/**
 * lstat(path, nums, big, withXattrs) -> string | null | undefined: one call per path for a
 * snapshot. Fills nums (Float64Array) with mode, uid, gid, nlink, size and big (BigInt64Array)
 * with dev, ino, atime, mtime and ctime in nanoseconds, as the kernel gives them (no BigInt
 * stats object to build); then, when asked, returns the xattrs encoded (undefined: encode in JS),
 * else null. Throws as Node's lstat does (code ENOENT, ENOTDIR, ...).
 */
static napi_value lstat_meta(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[MAX_PATH];
  if (argc < 4) { napi_throw_type_error(env, NULL, "lstat(path, nums, big, withXattrs) takes four arguments"); return NULL; }
  if (!get_string(env, argv[0], path, sizeof path, "path")) return NULL;
  double *nums = typed(env, argv[1], napi_float64_array, 5, "nums");
  if (nums == NULL) return NULL;
  int64_t *big = typed(env, argv[2], napi_bigint64_array, 5, "big");
  if (big == NULL) return NULL;
  bool with_xattrs = false;
  napi_get_value_bool(env, argv[3], &with_xattrs);
  struct stat st;
  if (lstat(path, &st) != 0) { throw_errno(env, errno, "lstat", path); return NULL; }
  nums[0] = st.st_mode;
  nums[1] = st.st_uid;
  nums[2] = st.st_gid;
  nums[3] = (double)st.st_nlink;
  nums[4] = (double)st.st_size;
  // Inode and device numbers past 2^63 (none of ext4, xfs or btrfs makes them) read as negative.
  big[0] = (int64_t)st.st_dev;
  big[1] = (int64_t)st.st_ino;
  big[2] = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
  big[3] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  big[4] = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
  if (!with_xattrs) {
    napi_value null_value;
    napi_get_null(env, &null_value);
    return null_value;
  }
  return encoded_value(env, path);
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static napi_value init(napi_env env, napi_value exports) {
  export_fn(env, exports, "list", list_xattrs);
  export_fn(env, exports, "set", set_xattr);
  export_fn(env, exports, "remove", remove_xattr);
  export_fn(env, exports, "setTimes", set_times);
  export_fn(env, exports, "encoded", encoded_xattrs);
  export_fn(env, exports, "lstat", lstat_meta);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
