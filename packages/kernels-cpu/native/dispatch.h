#pragma once
#include <string>
#include <vector>
#include "kernels.h"

/** The instruction sets this processor runs, best first ("avx512", "avx2", "neon", "scalar"). */
std::vector<std::string> cria_available_isas();
/** The kernel table of `isa` ("auto" or null: the best), or null when the processor lacks it. */
const cria_kernel_table* cria_kernels_for(const char* isa);
