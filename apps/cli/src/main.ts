#!/usr/bin/env node
// The cria command line: one table of commands, each in src/commands/.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CriaError } from '@cria/core';
import { UsageError } from './args.js';
import { BENCH_HELP, benchCommand } from './commands/bench.js';
import { CHAT_HELP, chatCommand } from './commands/chat.js';
import { CONVERT_HELP, runConvert } from './commands/convert.js';
import { envCommand } from './commands/env.js';
import { GENERATE_HELP, generateCommand } from './commands/generate.js';
import { SERVE_HELP, serveCommand } from './commands/serve.js';

export interface Command {
  run(argv: string[]): Promise<void>;
  help: string;
}

export const COMMANDS: Record<string, Command> = {
  generate: { run: generateCommand, help: GENERATE_HELP },
  chat: { run: chatCommand, help: CHAT_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
  env: { run: envCommand, help: 'cria env\n  Lists the backends (cuda, webgpu, cpu) and why each that cannot start cannot.' },
  convert: { run: runConvert, help: CONVERT_HELP },
};

export function usage(): string {
  return `usage: cria <command> [flags]\n\ncommands:\n${Object.values(COMMANDS).map((c) => '  ' + c.help.split('\n')[0]).join('\n')}\n`;
}

/** Runs one command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`cria: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${command.help}\n`);
      return 2;
    }
    if (error instanceof CriaError) {
      process.stderr.write(`cria ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Whether this module is the program node was started with (not imported by a test or another module). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
