#ifndef AIOS_FLOCK_H
#define AIOS_FLOCK_H
#include <node_api.h>
void register_flock(napi_env env, napi_value exports);
#endif
