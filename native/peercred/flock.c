// flock(2) for Node: the kernel lock that keeps a second aiosd off a state directory. Node
// has no flock, and a pid file alone is not a lock: a stale one survives a crash, a live one
// can be overwritten. The kernel drops this lock when its holder exits, however it exits.
// Its own file, registered from peercred.c's init, so other native calls can sit beside it.
#define _GNU_SOURCE
#include <node_api.h>
#include <sys/file.h>
#include <errno.h>
#include <string.h>
#include "flock.h"

// flockExclusive(fd): true when this process now holds the lock, false when another does.
static napi_value flock_exclusive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "flockExclusive(fd): fd must be a non-negative integer");
    return NULL;
  }
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  napi_value out;
  if (rc == 0) {
    napi_get_boolean(env, true, &out);
    return out;
  }
  if (errno == EWOULDBLOCK) {
    napi_get_boolean(env, false, &out);
    return out;
  }
  napi_throw_error(env, NULL, strerror(errno));
  return NULL;
}

void register_flock(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "flockExclusive", NAPI_AUTO_LENGTH, flock_exclusive, NULL, &fn);
  napi_set_named_property(env, exports, "flockExclusive", fn);
}
