// Which instruction set the kernels use. Chosen once at load (best the CPU supports, or the
// FLASHLM_ISA environment variable), and switchable at run time so tests can compare every ISA
// against the scalar reference in one process. Each kernel family switches on active_isa().
#pragma once
#include <string>

namespace flashlm {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2, neon = 3 };

const char* isa_name(Isa isa);
// Parses "scalar" | "avx2" | "avx512" | "neon"; returns false for anything else.
bool parse_isa(const std::string& name, Isa* out);
// Whether this build contains kernels for `isa` and this CPU can run them.
bool isa_available(Isa isa);
Isa best_isa();

Isa active_isa();
// Caller has checked isa_available(isa).
void set_active_isa(Isa isa);

}  // namespace flashlm
