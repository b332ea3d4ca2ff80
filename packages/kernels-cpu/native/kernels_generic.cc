// The kernels for one instruction set (see binding.gyp for its compiler flags).
#define CRIA_TABLE_NAME cria_kernels_generic
#include "kernels.inc"
