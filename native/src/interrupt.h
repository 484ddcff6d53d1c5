// The cooperative interrupt flag. JS hands us an Int32Array over a SharedArrayBuffer (the Jupyter
// kernel's main thread writes it while the executor worker is blocked inside a native call); long
// kernels poll it between row blocks and return early, and the binding then throws.
#pragma once
#include <atomic>
#include <cstdint>

namespace flashlm {

// Registers the flag word (nullptr clears it). The memory must stay alive until cleared; the
// binding keeps a reference to its SharedArrayBuffer for that reason.
void set_interrupt_word(const int32_t* word);
// True when the registered word is non-zero. Cheap: one relaxed atomic load.
bool interrupt_requested();

}  // namespace flashlm
