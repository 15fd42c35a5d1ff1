// Headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: NUL-terminated JSON on file descriptors 3 and 4), so
// a test can load a page, run code in it, click, and take a screenshot with no
// dependency beyond the browser itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** The browser to run: $CHROMIUM, or `chromium` on the PATH; null when there is none. */
export function findChromium(): string | null {
  const candidate = process.env['CHROMIUM'] || 'chromium';
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', candidate], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

type Message = { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };

export class Browser {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  private session = '';

  private constructor(private readonly proc: ChildProcess, private readonly profile: string) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as Message;
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const p = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) p?.reject(new Error(message.error.message));
          else p?.resolve(message.result ?? {});
        } else for (const l of this.listeners) l(message);
      }
    });
  }

  static async launch(executable: string, size: { width: number; height: number }): Promise<Browser> {
    const profile = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-chromium-'));
    const proc = spawn(executable, [
      '--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe', '--hide-scrollbars',
      `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', `--window-size=${size.width},${size.height}`, 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const browser = new Browser(proc, profile);
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    browser.session = String(sessionId);
    await browser.send('Page.enable');
    await browser.send('Network.enable');
    return browser;
  }

  /** A command to the browser (Target, Browser) or to the page. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const browserLevel = /^(?:Target|Browser)\./.test(method);
    const message: Message = { id, method, params, ...(browserLevel ? {} : { sessionId: this.session }) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.proc.stdio[3] as Writable).write(JSON.stringify(message) + '\0');
    });
  }

  /** Every URL the page requests from now on. */
  requests(): string[] {
    const urls: string[] = [];
    this.listeners.push((m) => { if (m.method === 'Network.requestWillBeSent') urls.push(String((m.params?.['request'] as { url: string }).url)); });
    return urls;
  }

  /** Loads `url` and waits for its load event (scripts have run). */
  async open(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const listener = (m: Message): void => {
        if (m.method !== 'Page.loadEventFired') return;
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve();
      };
      this.listeners.push(listener);
    });
    await this.send('Page.navigate', { url });
    await loaded;
  }

  /** Runs `expression` in the page; its value (JSON-serialisable). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r['exceptionDetails']) throw new Error(`in the page: ${JSON.stringify(r['exceptionDetails'])}`);
    return (r['result'] as { value: T }).value;
  }

  /** A PNG of the whole page (beyond the window), as bytes. */
  async screenshot(): Promise<Buffer> {
    const r = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(String(r['data']), 'base64');
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.send('Browser.close').catch(() => {});
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    rmSync(this.profile, { recursive: true, force: true });
  }
}
