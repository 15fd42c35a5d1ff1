// Small kernel-like git repositories for the patch, diff and baseline tests: a
// Makefile, include/linux/kvm_host.h, arch/x/kvm (an arm64-style run loop, a file
// with a bug the tree already has, an unrelated helper), arch/y/kvm (another arch,
// with its own existing bug) and virt/kvm (generic code). Also: running the CLI in
// process with its output captured, and a snapshot of everything a command must
// leave alone (files, `git status`, the index, worktrees, refs).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const repoDir = path.join(__dirname, '..', '..');

export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
}

const EXAMPLE_ARM = readFileSync(path.join(repoDir, 'fixtures', 'examples', 'arm.c'), 'utf8')
  .replace('/* types and helpers come from kvm_host.h in this directory (scanned together) */', '#include <linux/kvm_host.h>');

/** The seed's run loop with the bug: local_irq_enable() before guest_exit() (line 62). */
export const ARM_BUGGY = EXAMPLE_ARM.replace('local_irq_enable();\t\t/* expect: irq-enabled-in-eqs */', 'local_irq_enable();');
/** The same loop fixed: guest_exit() first. */
export const ARM_FIXED = ARM_BUGGY.replace('\t\tlocal_irq_enable();\n\t\tguest_exit();\n', '\t\tguest_exit();\n\t\tlocal_irq_enable();\n');
export const ARM_BUG_LINE = ARM_BUGGY.split('\n').findIndex((l) => l === '\t\tlocal_irq_enable();' ) + 1;

/** A bug the tree already has (irq-enabled-in-eqs at line 9). */
export const OLD_BUG = `#include <linux/kvm_host.h>

void vcpu_run_early_enable(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	stat_inc(vcpu);
	local_irq_enable();
	guest_state_exit_irqoff();
}
`;

export const UTIL = `#include <linux/kvm_host.h>

unsigned long kvm_x_exits(struct kvm_vcpu *vcpu)
{
	return vcpu->stat.exits;
}

int kvm_x_ready(struct kvm_vcpu *vcpu)
{
	return vcpu->mode == OUTSIDE_GUEST_MODE;
}
`;

export const GENERIC = `#include <linux/kvm_host.h>

int kvm_vcpu_ioctl_run(struct kvm_vcpu *vcpu)
{
	return kvm_arch_vcpu_ioctl_run(vcpu);
}

void kvm_vcpu_kick_generic(struct kvm_vcpu *vcpu)
{
	unsigned long flags;

	local_irq_save(flags);
	vcpu->requests = 1;
	local_irq_restore(flags);
}

void kvm_generic_sync(struct kvm_vcpu *vcpu)
{
	local_irq_enable();
}
`;

export const TREE: Record<string, string> = {
  'Makefile': 'VERSION = 6\nPATCHLEVEL = 1\n',
  'README': 'A kernel-like tree for eqscheck tests.\n',
  'include/linux/kvm_host.h': readFileSync(path.join(repoDir, 'fixtures', 'examples', 'kvm_host.h'), 'utf8'),
  'arch/x/Kconfig': 'config X\n\tselect HAVE_CONTEXT_TRACKING_USER\n',
  'arch/x/kvm/arm.c': ARM_FIXED,
  'arch/x/kvm/old.c': OLD_BUG,
  'arch/x/kvm/util.c': UTIL,
  'arch/y/Kconfig': 'config Y\n\tselect HAVE_CONTEXT_TRACKING_USER\n',
  'arch/y/kvm/run.c': OLD_BUG.replace('vcpu_run_early_enable', 'y_vcpu_run'),
  'virt/kvm/kvm_main.c': GENERIC,
};

/** Writes ROOT/REL (directories made as needed) and returns its path. */
export function writeFile(root: string, rel: string, content: string | Buffer): string {
  const p = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) writeFile(root, rel, content);
}

/** A git repository holding TREE (plus `extra`), one commit. */
export function makeKernelRepo(root: string, extra: Record<string, string | Buffer> = {}): string {
  mkdirSync(root, { recursive: true });
  writeTree(root, { ...TREE, ...extra });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
  return root;
}

/** `git diff` of the working tree after writing `files`, then the files restored. */
export function patchOf(repo: string, files: Record<string, string | Buffer>, extraArgs: string[] = []): string {
  writeTree(repo, files);
  git(repo, 'add', '-N', '.');
  const diff = git(repo, 'diff', ...extraArgs);
  git(repo, 'reset', '-q');
  git(repo, 'checkout', '-q', '--', '.');
  git(repo, 'clean', '-q', '-fd');
  return diff;
}

function walk(root: string, rel = '', out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(path.join(root, rel)).sort()) {
    if (!rel && name === '.git') continue;
    const r = rel ? `${rel}/${name}` : name;
    const p = path.join(root, r);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
    else if (st.isDirectory()) walk(root, r, out);
    else out[r] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

export interface Snapshot {
  files: Record<string, string>;
  status?: string;
  index?: string;
  worktrees?: string;
  refs?: string;
  gitFiles?: string[];
}

/** Everything a patch or diff command must leave as it was. */
export function snapshot(root: string): Snapshot {
  const s: Snapshot = { files: walk(root) };
  if (existsSync(path.join(root, '.git'))) {
    // The index and .git's files first: nothing below may write them (no optional locks).
    const index = path.join(root, '.git', 'index');
    s.index = existsSync(index) ? createHash('sha256').update(readFileSync(index)).digest('hex') : 'none';
    s.gitFiles = Object.keys(walk(path.join(root, '.git'))).sort();
    const readOnly = (...args: string[]) => execFileSync('git', args, { cwd: root, env: { ...GIT_ENV, GIT_OPTIONAL_LOCKS: '0' }, encoding: 'utf8' });
    s.status = readOnly('status', '--porcelain', '--untracked-files=all', '--ignored');
    s.worktrees = readOnly('worktree', 'list', '--porcelain');
    s.refs = readOnly('for-each-ref');
  }
  return s;
}

export interface Run { code: number; stdout: string; stderr: string }

/** main(argv) in process, stdout and stderr captured. */
export async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const capture = (sink: (s: string) => void) => ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => { stdout += s; }));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => { stderr += s; }));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
