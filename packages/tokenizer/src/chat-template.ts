import { ArgumentError, CriaError } from '@cria/core';
import { Template } from '@huggingface/jinja';

/** A chat message: `role` and `content`, plus whatever fields a template reads (tool_calls, ...). */
export interface ChatMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

/** A chat template failed: `raise_exception(...)` in the template, or the template itself is broken. */
export class ChatTemplateError extends CriaError {}

class RaisedByTemplate extends Error {}

const compiled = new Map<string, Template>();

// @huggingface/jinja declares its own raise_exception global (throwing a plain Error), which cannot be
// redefined; templates call ours under a private name so that a raised error is told apart from a
// broken template.
const RAISE = '__cria_raise_exception';

function compile(source: string): Template {
  let t = compiled.get(source);
  if (!t) {
    try {
      t = new Template(source.replace(/\braise_exception\b/g, RAISE));
    } catch (error) {
      throw new ChatTemplateError(`chat template does not parse: ${(error as Error).message}`, { cause: error });
    }
    if (compiled.size > 32) compiled.clear();
    compiled.set(source, t);
  }
  return t;
}

/** Picks the template: an explicit string, a named one from a dict of templates, or the tokenizer's default. */
export function resolveChatTemplate(own: string | Record<string, string> | null, requested: string | undefined, hasTools: boolean): string {
  if (own !== null && typeof own === 'object') {
    if (requested !== undefined && requested in own) return own[requested]!;
    if (requested !== undefined) return requested;
    if (hasTools && own.tool_use) return own.tool_use;
    if (own.default) return own.default;
    throw new ArgumentError(`chat_template: the tokenizer has templates ${Object.keys(own).join(', ')} but none is named 'default'; pass { chat_template: name }`);
  }
  if (requested !== undefined) return requested;
  if (typeof own === 'string') return own;
  throw new ArgumentError('apply_chat_template: this tokenizer has no chat_template (tokenizer_config.json has none); pass { chat_template } explicitly');
}

/** Renders a chat template as transformers does (jinja with trim_blocks and lstrip_blocks). */
export function renderChatTemplate(source: string, variables: Record<string, unknown>): string {
  const template = compile(source);
  try {
    return template.render({
      ...variables,
      [RAISE]: (message: unknown) => {
        throw new RaisedByTemplate(String(message));
      },
    });
  } catch (error) {
    if (error instanceof RaisedByTemplate) throw new ChatTemplateError(error.message);
    throw new ChatTemplateError(`chat template failed to render: ${(error as Error).message}`, { cause: error });
  }
}
