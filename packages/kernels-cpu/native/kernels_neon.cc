// The kernels for arm64 (NEON is part of the architecture).
#define CRIA_TABLE_NAME cria_kernels_neon
#include "kernels.inc"
