// Host harness for native/block_decode.cuh (src/block-decode-host.test.ts compiles it with the host C++ compiler):
// reads "<format> <rows> <cols>" then the rows' GGUF bytes from stdin, writes the dequantized float32 values (each row
// unit by unit through decodeUnit<F>, the code the CUDA kernels run) to stdout.
#include <cstdio>
#include <vector>
#include "block_decode.cuh"

using namespace cria;

template <int F> void decodeRows(const uint8_t* bytes, long rows, long cols, float* out) {
  const long rowBytes = cols / blocks::Format<F>::elements * blocks::Format<F>::bytes;
  for (long r = 0; r < rows; ++r)
    for (long u = 0; u < cols / 32; ++u) blocks::decodeUnit<F>(bytes + r * rowBytes, u, out + r * cols + u * 32);
}

int main() {
  int format;
  long rows, cols;
  if (std::scanf("%d %ld %ld", &format, &rows, &cols) != 3) return 2;
  std::getchar();  // the newline after the header
  std::vector<uint8_t> bytes;
  for (int c; (c = std::getchar()) != EOF;) bytes.push_back(static_cast<uint8_t>(c));
  std::vector<float> out(rows * cols);
  switch (format) {
    case kQ4_0: decodeRows<kQ4_0>(bytes.data(), rows, cols, out.data()); break;
    case kQ4_1: decodeRows<kQ4_1>(bytes.data(), rows, cols, out.data()); break;
    case kQ5_0: decodeRows<kQ5_0>(bytes.data(), rows, cols, out.data()); break;
    case kQ5_1: decodeRows<kQ5_1>(bytes.data(), rows, cols, out.data()); break;
    case kQ8_0: decodeRows<kQ8_0>(bytes.data(), rows, cols, out.data()); break;
    case kQ4_K: decodeRows<kQ4_K>(bytes.data(), rows, cols, out.data()); break;
    case kQ5_K: decodeRows<kQ5_K>(bytes.data(), rows, cols, out.data()); break;
    case kQ6_K: decodeRows<kQ6_K>(bytes.data(), rows, cols, out.data()); break;
    default: return 3;
  }
  std::fwrite(out.data(), sizeof(float), out.size(), stdout);
  return 0;
}
