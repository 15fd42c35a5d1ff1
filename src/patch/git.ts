// Running git: always a program and an argument array (no shell, so no file or
// revision name is ever interpreted by one), with messages in English (the
// callers read them), no prompts, and no optional index writes (GIT_OPTIONAL_LOCKS=0).
import { spawn } from 'node:child_process';
import { InputError } from '../parser/source.js';
import { trackChild } from './temp.js';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  cwd: string;
  /** Written to git's standard input. */
  input?: Buffer | string;
  /** Replaces the environment git gets (default: this process's, adjusted as above). */
  env?: NodeJS.ProcessEnv;
}

export function gitEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat' };
}

/** Runs `git ARGS…`; resolves with its status and output whatever the status. */
export function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd: options.cwd, env: options.env ?? gitEnv(), stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    trackChild(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new InputError('git', 'not found: eqscheck needs git on the PATH for this command') : e);
    });
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => { /* git may exit before reading all its input */ });
    child.stdin.end(options.input ?? '');
  });
}

/** The first `error:`/`fatal:` line of git's message, without the prefix. */
export function gitMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /^(error|fatal):/.test(l)) ?? lines[0] ?? 'git failed';
  return line.replace(/^(error|fatal):\s*/, '');
}

/** Runs git and returns its standard output; a failure is an InputError (exit 2)
 *  with git's message. */
export async function git(args: readonly string[], options: GitOptions): Promise<Buffer> {
  const r = await runGit(args, options);
  if (r.code !== 0) throw new InputError(`git ${args[0]}`, gitMessage(r.stderr));
  return r.stdout;
}

/** NUL-separated output (-z) as strings. */
export function splitZ(out: Buffer): string[] {
  return out.toString('utf8').split('\0').filter((s) => s !== '');
}

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
}

/** Every blob, link and submodule of a commit's tree by path (`git ls-tree -r -z`). */
export async function listTree(repo: string, commit: string): Promise<Map<string, TreeEntry>> {
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', commit], { cwd: repo });
  const entries = new Map<string, TreeEntry>();
  for (const rec of splitZ(out)) {
    const tab = rec.indexOf('\t');
    const [mode, type, oid] = rec.slice(0, tab).split(' ') as [string, string, string];
    entries.set(rec.slice(tab + 1), { mode, type, oid });
  }
  return entries;
}

/** Object contents by id, read in one `git cat-file --batch`. */
export async function readBlobs(repo: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(oids)];
  const blobs = new Map<string, Buffer>();
  if (!unique.length) return blobs;
  const out = await git(['cat-file', '--batch'], { cwd: repo, input: unique.join('\n') + '\n' });
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) break;
    const header = out.subarray(pos, nl).toString('latin1');
    const [oid, type, size] = header.split(' ') as [string, string, string | undefined];
    if (type === 'missing' || size === undefined) throw new Error(`git cat-file: object ${oid} is missing`);
    const start = nl + 1;
    const end = start + Number(size);
    blobs.set(oid, out.subarray(start, end));
    pos = end + 1;
  }
  return blobs;
}
