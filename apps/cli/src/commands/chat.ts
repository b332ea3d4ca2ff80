// cria chat: an interactive conversation on stdin/stdout with the checkpoint's chat template.
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { ArgumentError } from '@cria/core';
import { ChatTemplateError } from '@cria/tokenizer';
import { UsageError, parseFlags } from '../args.js';
import { ChatSession } from './chat-session.js';
import { GENERATION_FLAGS, GENERATION_FLAGS_HELP, parseGenerationFlags } from './generation-flags.js';
import { loadModelAndTokenizer } from './model-loading.js';
import { formatTiming } from './run-generation.js';

export const CHAT_HELP = `cria chat --model <dir> [--system TEXT] ${GENERATION_FLAGS_HELP}
  A conversation on stdin/stdout using the checkpoint's chat template: one message per line, the reply
  streams to stdout, speeds go to stderr. The conversation is kept between turns. /reset starts over
  (keeping --system), /exit or the end of input quits, Ctrl-C stops a reply. Works with piped stdin.
  --max-new-tokens (default 256) bounds each reply; --seed N samples turn i with seed N+i.`;

const CHAT_COMMANDS = '/reset (start over), /exit (quit), /help';

const FLAGS = { ...GENERATION_FLAGS, system: { type: 'string' } } as const;

export interface ChatIO {
  input: Readable & { isTTY?: boolean };
  output: Writable;
  error: Writable;
}

export async function chatCommand(argv: string[]): Promise<void> {
  await runChat(argv, { input: process.stdin, output: process.stdout, error: process.stderr });
}

/** `cria chat` on the given streams (tests pass their own). */
export async function runChat(argv: string[], io: ChatIO): Promise<void> {
  const v = parseFlags('chat', argv, FLAGS);
  if (v.help) {
    io.output.write(CHAT_HELP + '\n');
    return;
  }
  const flags = parseGenerationFlags('chat', v, 256);
  if (v.system !== undefined && typeof v.system !== 'string') throw new UsageError('cria chat: --system takes a text');
  const loaded = await loadModelAndTokenizer(flags);
  try {
    const session = new ChatSession(loaded, {
      ...(typeof v.system === 'string' && v.system !== '' ? { system: v.system } : {}),
      maxNewTokens: flags.maxNewTokens,
      sampling: flags.sampling,
    });
    if (io.input.isTTY) io.error.write(`[cria] chatting with ${flags.dir} on ${loaded.model.device}; ${CHAT_COMMANDS}\n`);
    await chatLoop(session, loaded.model.device, io);
  } finally {
    loaded.model.dispose();
  }
}

/** Reads lines until /exit or the end of input; each other line is a message. */
export async function chatLoop(session: ChatSession, device: string, io: ChatIO): Promise<void> {
  const terminal = io.input.isTTY === true;
  const lines = createInterface({ input: io.input, ...(terminal ? { output: io.output, terminal: true } : { terminal: false }) });
  let replying: AbortController | undefined;
  lines.on('SIGINT', () => {
    if (replying) replying.abort();
    else lines.close();
  });
  lines.setPrompt('> ');
  if (terminal) lines.prompt();
  try {
    for await (const line of lines) {
      const text = line.trim();
      if (text === '/exit' || text === '/quit') break;
      if (text === '/reset') {
        session.reset();
        io.error.write('[cria] conversation reset\n');
      } else if (text === '/help') {
        io.error.write(`[cria] ${CHAT_COMMANDS}\n`);
      } else if (/^\/\S+$/.test(text)) {
        io.error.write(`[cria] unknown command '${text}'; commands: ${CHAT_COMMANDS}\n`);
      } else if (text !== '') {
        replying = new AbortController();
        try {
          const reply = await session.send(text, { onText: (delta) => io.output.write(delta), signal: replying.signal });
          io.output.write('\n');
          io.error.write(formatTiming(device, reply.timing) + '\n');
        } catch (error) {
          if (replying.signal.aborted) {
            io.output.write('\n');
            io.error.write('[cria] reply stopped (not kept)\n');
          } else if (error instanceof ArgumentError || error instanceof ChatTemplateError) {
            io.error.write(`[cria] ${error.message} (the message was not kept)\n`);
          } else throw error;
        } finally {
          replying = undefined;
        }
      }
      if (terminal) lines.prompt();
    }
  } finally {
    lines.close();
  }
}
