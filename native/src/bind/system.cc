// Process-level controls: which ISA the kernels use, how many threads, and the interrupt flag.
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "cpu_features.h"
#include "dispatch.h"
#include "interrupt.h"
#include "threads.h"

namespace flashlm {

namespace {

Napi::Value info(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", isa_name(active_isa()));
  o.Set("bestIsa", isa_name(best_isa()));
  Napi::Array available = Napi::Array::New(env);
  uint32_t i = 0;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon})
    if (isa_available(isa)) available.Set(i++, isa_name(isa));
  o.Set("availableIsas", available);
  o.Set("threads", thread_count());
  const CpuFeatures& f = cpu_features();
  o.Set("avx512Vnni", f.avx512_vnni);
  return o;
}

Napi::Value set_isa(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  std::string name = string_arg(cb, 0, "setIsa", "isa");
  Isa isa;
  if (!parse_isa(name, &isa)) throw_type_error(env, "setIsa: isa must be one of scalar, avx2, avx512, neon; got '" + name + "'");
  if (!isa_available(isa)) throw_range_error(env, "setIsa: " + name + " is not available on this CPU or in this build");
  set_active_isa(isa);
  return env.Undefined();
}

Napi::Value set_threads(const Napi::CallbackInfo& cb) {
  set_thread_count(static_cast<int>(int_arg(cb, 0, "setThreads", "threads", 1, 256)));
  return cb.Env().Undefined();
}

// The flag's SharedArrayBuffer is kept alive by a reference held in the addon's instance data.
struct InterruptRef {
  Napi::Reference<Napi::Value> buffer;
};

Napi::Value set_interrupt_flag(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  auto* ref = env.GetInstanceData<InterruptRef>();
  if (ref == nullptr) {
    ref = new InterruptRef();
    env.SetInstanceData(ref);
  }
  if (cb.Length() == 0 || cb[0].IsNull() || cb[0].IsUndefined()) {
    set_interrupt_word(nullptr);
    ref->buffer.Reset();
    return env.Undefined();
  }
  ArrayArg<int32_t> word = array_arg<int32_t>(cb, 0, "setInterruptFlag", "flag");
  require_length(env, "setInterruptFlag", "flag", word.length, 1, "one Int32 word");
  ref->buffer = Napi::Persistent(cb[0]);
  set_interrupt_word(word.data);
  return env.Undefined();
}

}  // namespace

void register_system(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, info, "info"));
  exports.Set("setIsa", Napi::Function::New(env, set_isa, "setIsa"));
  exports.Set("setThreads", Napi::Function::New(env, set_threads, "setThreads"));
  exports.Set("setInterruptFlag", Napi::Function::New(env, set_interrupt_flag, "setInterruptFlag"));
}

}  // namespace flashlm
