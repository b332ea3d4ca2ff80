// Entry: the bench, the greedy check, or (internal) one engine's sample in a child process.
import { HELP, UsageError, parseCommand } from './args.js';

async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2));
  if (command.kind === 'help') return void process.stdout.write(HELP + '\n');
  if (command.kind === 'worker') return (await import('./workers.js')).workerMain(command.engine, command.request);
  const result = command.kind === 'check-greedy'
    ? await (await import('./greedy-check.js')).checkGreedy(command.device, command.cache)
    : await (await import('./bench.js')).runBench(command.options);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${HELP}\n`);
  else process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
