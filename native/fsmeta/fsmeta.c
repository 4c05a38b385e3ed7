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
  char *names = small;
  ssize_t len = llistxattr(path, small, sizeof small);
  while (len < 0 && errno == ERANGE) {
    ssize_t need = llistxattr(path, NULL, 0);
    if (need < 0) break;
    if (names != small) free(names);
    names = malloc(need + 1);
    if (names == NULL) { napi_throw_error(env, "ENOMEM", "out of memory listing xattrs"); return NULL; }
    len = llistxattr(path, names, need + 1);
  }
  if (len < 0) {
    int e = errno;
    if (names != small) free(names);
    if (e == EOPNOTSUPP) return out;  // a filesystem without xattrs has none to keep
    throw_errno(env, e, "llistxattr", path);
    return NULL;
  }
  uint32_t n = 0;
  char vsmall[4096];
  for (ssize_t off = 0; off < len; off += strlen(names + off) + 1) {
    const char *name = names + off;
    char *value = vsmall;
    ssize_t vlen = lgetxattr(path, name, vsmall, sizeof vsmall);
    while (vlen < 0 && errno == ERANGE) {
      ssize_t need = lgetxattr(path, name, NULL, 0);
      if (need < 0) break;
      if (value != vsmall) free(value);
      value = malloc(need + 1);
      if (value == NULL) break;
      vlen = lgetxattr(path, name, value, need + 1);
    }
    if (vlen < 0) {
      int e = errno;
      if (value != vsmall) free(value);
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
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
