// The chat page in headless Chromium: on WebGPU (SwiftShader, asked for by name) and, with WebGPU switched off, on the
// cpu backend's WebAssembly build (threads: the page is served cross-origin isolated). It loads llama2c-260k from a
// local URL, generates greedily, and the text must equal what the same ChatSession code generates on the reference.
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeDirectory, registerBackend } from '@cria/core';
import { fixture, fixturesDir } from '@cria/core/testing';
import { type Browser, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChatSession } from '../src/chat-session.js';
import { ISOLATION_HEADERS, serveFolders } from './static-server.js';

const APP = join(dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = join(APP, 'test-results');
const PROMPT = 'Once upon a time, there was a little cat';
const MAX_NEW_TOKENS = 24;

// Debian's chromium as the machine notes give it, plus WebGPU on SwiftShader.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
];

// The same without the WebGPU flags; the page also gets no navigator.gpu (an init script removes it, as in a browser
// without WebGPU), so 'auto' lands on the cpu backend.
const NO_WEBGPU_ARGS = CHROMIUM_ARGS.slice(0, 8);

let outDir: string;
let server: Awaited<ReturnType<typeof serveFolders>>;
let browser: Browser;
let expected: { text: string; tokens: number };

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'cria-web-'));
  await build({ root: APP, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  server = await serveFolders({ '/fixtures/': fixturesDir(), '/': outDir });
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install Debian's chromium (apt-get install chromium, as DESIGN.md's machine recipe says) or set CHROMIUM_PATH`);
  }
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  // The greedy reply the pages must give, from the TypeScript reference.
  registerBackend('reference', () => import('@cria/kernels-cpu/reference'));
  const reference = await ChatSession.load(nodeDirectory(fixture('models', 'llama2c-260k')), { device: 'reference' });
  expected = await reference.reply([{ role: 'user', content: PROMPT }], { max_new_tokens: MAX_NEW_TOKENS });
  reference.dispose();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Opens `url` (which loads llama2c-260k), waits until it is ready, asks PROMPT greedily; returns the status and reply. */
async function chatOnPage(page: Page, url: string, screenshot: string): Promise<{ status: string; reply: string }> {
  const logs: string[] = [];
  page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`pageerror: ${error.message}`));
  await page.goto(url);
  await page.locator('#status[data-state]').waitFor({ timeout: 120_000 });
  expect(await page.locator('#status').getAttribute('data-state'), `${await page.locator('#error').textContent()}\n${logs.join('\n')}`).toBe('ready');
  const status = (await page.locator('#status').textContent()) ?? '';
  await page.fill('#max-tokens', String(MAX_NEW_TOKENS));
  await page.fill('#prompt', PROMPT);
  await page.click('#send');
  const reply = page.locator('li.assistant[data-state="done"]');
  await reply.waitFor({ timeout: 120_000 });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
  expect(await page.locator('#error').isHidden(), await page.locator('#error').textContent() ?? '').toBe(true);
  return { status, reply: (await reply.textContent()) ?? '' };
}

it('loads llama2c-260k from a URL on WebGPU and streams the same greedy text as the reference', async () => {
  expect(expected.tokens).toBe(MAX_NEW_TOKENS);
  expect(expected.text.length).toBeGreaterThan(10);

  const page = await browser.newPage();
  const { status, reply } = await chatOnPage(page, `${server.url}/?device=webgpu&model=/fixtures/models/llama2c-260k/`, 'web-chat.png');
  expect(status).toContain('on webgpu');
  expect(reply).toBe(expected.text);
  expect(await page.locator('#speed').textContent()).toMatch(new RegExp(`^${MAX_NEW_TOKENS} tokens, [0-9.]+ tokens/s$`));
  await page.close();
});

it('loads a folder picked from disk and stops a long generation with the Stop button', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/?device=webgpu`);
  await page.setInputFiles('#folder-input', fixture('models', 'llama2c-260k'));
  await page.locator('#status[data-state]').waitFor({ timeout: 120_000 });
  expect(await page.locator('#status').getAttribute('data-state'), (await page.locator('#error').textContent()) ?? '').toBe('ready');
  expect(await page.locator('#status').textContent()).toMatch(/^Ready: llama2c-260k .* on webgpu/);

  await page.fill('#max-tokens', '2000');
  await page.fill('#prompt', PROMPT);
  await page.click('#send');
  await page.waitForFunction(() => (document.querySelector('li.assistant')?.textContent ?? '').length > 0, undefined, { timeout: 120_000 });
  await page.click('#stop');
  await page.locator('li.assistant[data-state="done"]').waitFor({ timeout: 120_000 });
  const speed = (await page.locator('#speed').textContent()) ?? '';
  expect(speed).toMatch(/^\d+ tokens, [0-9.]+ tokens\/s \(stopped\)$/);
  expect(Number(speed.split(' ')[0])).toBeLessThan(2000);
  expect(await page.locator('#send').isEnabled()).toBe(true);
  expect(await page.locator('#error').isHidden()).toBe(true);
  await page.close();
});

it('without WebGPU, runs on the cpu backend\'s WebAssembly build (threaded: cross-origin isolated) with the same text', async () => {
  const isolated = await serveFolders({ '/fixtures/': fixturesDir(), '/': outDir }, ISOLATION_HEADERS);
  const plain = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: NO_WEBGPU_ARGS, headless: true });
  try {
    const page = await plain.newPage();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    const { status, reply } = await chatOnPage(page, `${isolated.url}/?model=/fixtures/models/llama2c-260k/`, 'web-chat-wasm.png');
    expect(await page.evaluate(() => ({ gpu: navigator.gpu === undefined, isolated: globalThis.crossOriginIsolated }))).toEqual({ gpu: true, isolated: true });
    expect(status).toMatch(/ on cpu \(wasm wasm-simd128 × \d+ threads?\)/);
    expect(reply).toBe(expected.text);
    await page.close();
  } finally {
    await plain.close();
    await isolated.close();
  }
});
