// The chat page: pick a model folder (or give a URL), watch it load, chat with streaming output.
import { type DeviceName, type ModelDirectory, registerBackend } from '@cria/core';
import type { ChatMessage } from '@cria/tokenizer';
import { ChatSession } from './chat-session.js';
import { explainError } from './explain-error.js';
import { directoryFromFileList, directoryFromHandle, directoryFromUrl, hasDirectoryPicker } from './model-source.js';

// WebGPU where the browser has a hardware adapter; else the cpu backend's WebAssembly build (threads when the page is
// cross-origin isolated). ?device=webgpu|cpu asks for one.
registerBackend('webgpu', () => import('@cria/kernels-webgpu'));
registerBackend('cpu', () => import('@cria/kernels-cpu'));

const DEVICES: readonly DeviceName[] = ['auto', 'webgpu', 'cpu'];

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

const ui = {
  folderInput: $<HTMLInputElement>('folder-input'),
  folderPicker: $<HTMLButtonElement>('folder-picker'),
  url: $<HTMLInputElement>('model-url'),
  loadUrl: $<HTMLButtonElement>('load-url'),
  progress: $<HTMLProgressElement>('load-progress'),
  status: $<HTMLParagraphElement>('status'),
  error: $<HTMLParagraphElement>('error'),
  messages: $<HTMLOListElement>('messages'),
  form: $<HTMLFormElement>('prompt-form'),
  prompt: $<HTMLTextAreaElement>('prompt'),
  maxTokens: $<HTMLInputElement>('max-tokens'),
  sample: $<HTMLInputElement>('sample'),
  send: $<HTMLButtonElement>('send'),
  stop: $<HTMLButtonElement>('stop'),
  speed: $<HTMLSpanElement>('speed'),
};

let session: ChatSession | null = null;
let conversation: ChatMessage[] = [];
let running: AbortController | null = null;

function showError(error: unknown): void {
  ui.error.textContent = explainError(error);
  ui.error.hidden = false;
  console.error(error);
}

function setBusy(loading: boolean): void {
  for (const control of [ui.folderInput, ui.folderPicker, ui.url, ui.loadUrl]) control.disabled = loading;
}

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

async function load(source: () => Promise<ModelDirectory> | ModelDirectory): Promise<void> {
  ui.error.hidden = true;
  setBusy(true);
  session?.dispose();
  session = null;
  conversation = [];
  ui.messages.replaceChildren();
  ui.prompt.disabled = ui.send.disabled = true;
  ui.progress.hidden = false;
  ui.progress.value = 0;
  try {
    const directory = await source();
    ui.status.textContent = `Loading ${directory.name}…`;
    const started = performance.now();
    session = await ChatSession.load(directory, {
      device,
      onProgress: ({ file, loaded, total }) => {
        ui.progress.value = total > 0 ? loaded / total : 0;
        ui.status.textContent = `Loading ${file}: ${megabytes(loaded)} / ${megabytes(total)} MB`;
      },
    });
    const { config } = session.model;
    ui.status.textContent =
      `Ready: ${directory.name} (${config.num_hidden_layers} layers, hidden ${config.hidden_size}, vocab ${config.vocab_size}) on ${describeBackend(session.model.backend)}` +
      `${session.hasChatTemplate ? ', chat template' : ', no chat template: prompts are plain text'}; loaded in ${((performance.now() - started) / 1000).toFixed(1)} s.`;
    ui.status.dataset.state = 'ready';
    ui.prompt.disabled = ui.send.disabled = false;
    ui.prompt.focus();
  } catch (error) {
    ui.status.textContent = 'Loading failed.';
    ui.status.dataset.state = 'failed';
    showError(error);
  } finally {
    ui.progress.hidden = true;
    setBusy(false);
  }
}

/** The backend in words: 'webgpu', or 'cpu (wasm wasm-simd128 × 2 threads)' and why it has one thread where it does. */
function describeBackend(backend: { name: string; description?: unknown; runner?: { singleThreadReason?: unknown } }): string {
  if (backend.name !== 'cpu' || typeof backend.description !== 'string') return backend.name;
  const single = backend.runner?.singleThreadReason;
  return `cpu (${backend.description}${typeof single === 'string' ? `; ${single}` : ''})`;
}

function addMessage(role: 'user' | 'assistant', text: string): HTMLLIElement {
  const item = document.createElement('li');
  item.className = role;
  item.textContent = text;
  ui.messages.append(item);
  return item;
}

async function send(): Promise<void> {
  const text = ui.prompt.value.trim();
  if (!session || !text || running) return;
  ui.error.hidden = true;
  ui.prompt.value = '';
  conversation.push({ role: 'user', content: text });
  addMessage('user', text);
  const output = addMessage('assistant', '');
  output.dataset.state = 'generating';
  running = new AbortController();
  ui.send.disabled = true;
  ui.stop.disabled = false;
  ui.speed.textContent = '';
  const maxNewTokens = Math.max(1, Math.min(4096, Number(ui.maxTokens.value) || 128));
  try {
    const started = performance.now();
    const reply = await session.reply(conversation, {
      max_new_tokens: maxNewTokens,
      do_sample: ui.sample.checked,
      temperature: 0.8,
      top_k: 40,
      signal: running.signal,
      onText: (partial, tokens) => {
        output.textContent = partial;
        ui.speed.textContent = `${tokens} tokens, ${(tokens / ((performance.now() - started) / 1000)).toFixed(1)} tokens/s`;
      },
    });
    output.textContent = reply.text;
    conversation.push({ role: 'assistant', content: reply.text });
    ui.speed.textContent = `${reply.tokens} tokens, ${reply.tokensPerSecond.toFixed(1)} tokens/s${reply.stopped ? ' (stopped)' : ''}`;
  } catch (error) {
    showError(error);
  } finally {
    output.dataset.state = 'done';
    running = null;
    ui.send.disabled = false;
    ui.stop.disabled = true;
  }
}

ui.folderInput.addEventListener('change', () => {
  if (ui.folderInput.files) void load(() => directoryFromFileList(ui.folderInput.files!));
});
if (hasDirectoryPicker()) {
  ui.folderPicker.hidden = false;
  ui.folderPicker.addEventListener('click', () => {
    const picker = (globalThis as unknown as { showDirectoryPicker: () => Promise<Parameters<typeof directoryFromHandle>[0]> }).showDirectoryPicker;
    void load(async () => directoryFromHandle(await picker()));
  });
}
ui.loadUrl.addEventListener('click', () => void load(() => directoryFromUrl(ui.url.value)));
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    void send();
  }
});
ui.stop.addEventListener('click', () => running?.abort());

const params = new URLSearchParams(location.search);
const deviceParam = params.get('device') ?? 'auto';
const device: DeviceName = DEVICES.includes(deviceParam as DeviceName) ? (deviceParam as DeviceName) : 'auto';
if (device !== deviceParam) showError(new Error(`?device=${deviceParam} is not one of ${DEVICES.join(', ')}: using 'auto'`));
const modelParam = params.get('model');
if (modelParam) {
  ui.url.value = modelParam;
  void load(() => directoryFromUrl(modelParam));
}
