// cria env: which backends can start here, and why the others cannot.
import { availableBackends } from '@cria/core';
import { parseFlags } from '../args.js';

export async function envCommand(argv: string[]): Promise<void> {
  parseFlags('env', argv, {});
  process.stdout.write(`node ${process.version} on ${process.platform}-${process.arch}\n`);
  for (const b of await availableBackends()) {
    process.stdout.write(`${b.name.padEnd(7)} ${b.available ? 'available' : `unavailable: ${b.reason}`}\n`);
  }
}
