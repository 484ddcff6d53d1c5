// One registration function per kernel family; addon.cc calls them all. Each adds its functions to
// the addon's exports object. Keep this list in step with binding.gyp and lib/native/.
#pragma once
#include <napi.h>

namespace flashlm {

void register_memory(Napi::Env env, Napi::Object exports);
void register_system(Napi::Env env, Napi::Object exports);
void register_gemm(Napi::Env env, Napi::Object exports);
void register_elementwise(Napi::Env env, Napi::Object exports);
void register_reduce(Napi::Env env, Napi::Object exports);
void register_softmax(Napi::Env env, Napi::Object exports);
void register_norm(Napi::Env env, Napi::Object exports);
void register_embedding(Napi::Env env, Napi::Object exports);
void register_attention(Napi::Env env, Napi::Object exports);
void register_scan(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_rng(Napi::Env env, Napi::Object exports);
void register_ternary(Napi::Env env, Napi::Object exports);
void register_quant(Napi::Env env, Napi::Object exports);
void register_decode(Napi::Env env, Napi::Object exports);
void register_decode_model(Napi::Env env, Napi::Object exports);
void register_sampling(Napi::Env env, Napi::Object exports);

}  // namespace flashlm
