// A lock directory so two builds of this package never share build/ (turbo in several shells, or an install
// racing a build). A lock whose holder died is taken over; a live one is waited for, up to `maxWaitMs`.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function holderAlive(ownerFile) {
  const pid = Number(readFileSync(ownerFile, { encoding: 'utf8', flag: 'r' }).trim() || NaN);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Takes `lockDir` (waiting for a live holder), runs `work`, and always releases it. Returns what `work` returns. */
export function withBuildLock(lockDir, work, { maxWaitMs = 30 * 60_000 } = {}) {
  const ownerFile = join(lockDir, 'pid');
  const waitStart = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch {
      // A lock whose build was killed (no pid yet written, or a dead pid) is taken over at once.
      let alive;
      try {
        alive = holderAlive(ownerFile);
      } catch {
        alive = Date.now() - (statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 10_000; // pid not written yet
      }
      if (!alive) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - waitStart > maxWaitMs) {
        throw new Error(`${lockDir} is held by another build; remove it if no build is running`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
