// Picks the best kernel table this processor runs, at run time, so one build runs on any machine of its architecture.
// CRIA_CPU_ISA=avx512|avx2|neon|scalar asks for one (refused when the processor lacks it).
#include <stdlib.h>
#include <string.h>
#include "dispatch.h"

extern "C" {
#if defined(__x86_64__) || defined(_M_X64)
extern const cria_kernel_table cria_kernels_avx512;
extern const cria_kernel_table cria_kernels_avx2;
#elif defined(__aarch64__)
extern const cria_kernel_table cria_kernels_neon;
#endif
extern const cria_kernel_table cria_kernels_generic;
}

static std::vector<const cria_kernel_table*> available() {
  std::vector<const cria_kernel_table*> out;
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) out.push_back(&cria_kernels_avx512);
  if (avx2) out.push_back(&cria_kernels_avx2);
#elif defined(__aarch64__)
  out.push_back(&cria_kernels_neon);
#endif
  out.push_back(&cria_kernels_generic);
  return out;
}

std::vector<std::string> cria_available_isas() {
  std::vector<std::string> names;
  for (const cria_kernel_table* t : available()) names.push_back(t->isa);
  return names;
}

const cria_kernel_table* cria_kernels_for(const char* isa) {
  for (const cria_kernel_table* t : available()) {
    if (isa == nullptr || isa[0] == '\0' || strcmp(isa, "auto") == 0 || strcmp(isa, t->isa) == 0) return t;
  }
  return nullptr;
}
