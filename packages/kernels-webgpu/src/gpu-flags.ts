// The numeric flags of the WebGPU API. Dawn in Node does not define the GPUBufferUsage / GPUMapMode
// globals unless they are copied onto globalThis, so the backend uses these (the values are fixed by the spec).

export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export const MapMode = {
  READ: 0x0001,
  WRITE: 0x0002,
} as const;
