// Smoke example: lists which backends can start here and why the others cannot.
import { availableBackends, float32ToBfloat16, bfloat16ToFloat32 } from '@cria/core';

for (const b of await availableBackends()) {
  console.log(`${b.name.padEnd(7)} ${b.available ? 'available' : `unavailable: ${b.reason}`}`);
}
console.log(`pi in bfloat16: ${bfloat16ToFloat32(float32ToBfloat16(Math.PI))}`);
