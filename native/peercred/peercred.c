// SO_PEERCRED for Node: the kernel's record of who is on the other end of a Unix
// socket. Node does not expose it, and the socket file's mode alone cannot tell the
// daemon which user connected, so this is the one piece of native code aiOS owns.
// Beside it, the account behind a uid as NSS answers (getpwuid_r, getgrouplist,
// getgrgid_r): LDAP and sssd accounts are found the same way as /etc/passwd ones.
#define _GNU_SOURCE
#include <node_api.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "flock.h"

static napi_value get_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "getPeerCred(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_value out, pid, uid, gid;
  napi_create_object(env, &out);
  napi_create_int32(env, cred.pid, &pid);
  napi_create_uint32(env, cred.uid, &uid);
  napi_create_uint32(env, cred.gid, &gid);
  napi_set_named_property(env, out, "pid", pid);
  napi_set_named_property(env, out, "uid", uid);
  napi_set_named_property(env, out, "gid", gid);
  return out;
}

static void set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value == NULL ? "" : value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_uint(napi_env env, napi_value obj, const char *key, uint32_t value) {
  napi_value v;
  napi_create_uint32(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

// Grows the buffer while NSS answers ERANGE; returns NULL on any other failure.
static char *grow(char *buf, size_t *size) {
  *size = *size == 0 ? 4096 : *size * 2;
  if (*size > (1 << 22)) { free(buf); return NULL; }
  char *next = realloc(buf, *size);
  if (next == NULL) free(buf);
  return next;
}

// The group's name, or "" when NSS has none for it.
static void group_name(gid_t gid, char *out, size_t out_size) {
  struct group gr, *found = NULL;
  size_t size = 0;
  char *buf = NULL;
  int rc;
  out[0] = '\0';
  do {
    buf = grow(buf, &size);
    if (buf == NULL) return;
    rc = getgrgid_r(gid, &gr, buf, size, &found);
  } while (rc == ERANGE);
  if (rc == 0 && found != NULL) {
    strncpy(out, gr.gr_name, out_size - 1);
    out[out_size - 1] = '\0';
  }
  free(buf);
}

// lookupUser(uid) -> { uid, name, gid, home, shell, groups: [{ gid, name }] } or null when
// NSS has no account with that uid. Throws when NSS itself fails (the caller must refuse).
static napi_value lookup_user(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t uid = 0;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &uid) != napi_ok) {
    napi_throw_type_error(env, NULL, "lookupUser(uid): uid must be a non-negative integer");
    return NULL;
  }
  struct passwd pw, *found = NULL;
  size_t size = 0;
  char *buf = NULL;
  int rc;
  do {
    buf = grow(buf, &size);
    if (buf == NULL) { napi_throw_error(env, NULL, "getpwuid_r: out of memory"); return NULL; }
    rc = getpwuid_r((uid_t)uid, &pw, buf, size, &found);
  } while (rc == ERANGE);
  if (rc != 0 && rc != ENOENT && rc != ESRCH && rc != EBADF && rc != EPERM) {
    free(buf);
    napi_throw_error(env, NULL, strerror(rc));
    return NULL;
  }
  napi_value out;
  if (found == NULL) {
    free(buf);
    napi_get_null(env, &out);
    return out;
  }
  napi_create_object(env, &out);
  set_uint(env, out, "uid", pw.pw_uid);
  set_uint(env, out, "gid", pw.pw_gid);
  set_string(env, out, "name", pw.pw_name);
  set_string(env, out, "home", pw.pw_dir);
  set_string(env, out, "shell", pw.pw_shell);

  int ngroups = 64;
  gid_t *gids = NULL;
  for (;;) {
    gid_t *next = realloc(gids, sizeof(gid_t) * (size_t)ngroups);
    if (next == NULL) { free(gids); free(buf); napi_throw_error(env, NULL, "getgrouplist: out of memory"); return NULL; }
    gids = next;
    int want = ngroups;
    if (getgrouplist(pw.pw_name, pw.pw_gid, gids, &want) >= 0) { ngroups = want; break; }
    if (want <= ngroups || want > 65536) { free(gids); free(buf); napi_throw_error(env, NULL, "getgrouplist failed"); return NULL; }
    ngroups = want;
  }
  napi_value groups;
  napi_create_array_with_length(env, (size_t)ngroups, &groups);
  char name[256];
  for (int i = 0; i < ngroups; i++) {
    napi_value g;
    napi_create_object(env, &g);
    set_uint(env, g, "gid", gids[i]);
    group_name(gids[i], name, sizeof(name));
    set_string(env, g, "name", name);
    napi_set_element(env, groups, (uint32_t)i, g);
  }
  napi_set_named_property(env, out, "groups", groups);
  free(gids);
  free(buf);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "getPeerCred", NAPI_AUTO_LENGTH, get_peer_cred, NULL, &fn);
  napi_set_named_property(env, exports, "getPeerCred", fn);
  napi_create_function(env, "lookupUser", NAPI_AUTO_LENGTH, lookup_user, NULL, &fn);
  napi_set_named_property(env, exports, "lookupUser", fn);
  register_flock(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
