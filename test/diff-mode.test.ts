// `eqscheck diff` in temporary git repositories: the working tree against HEAD
// (no argument) or REV, and commit B against commit A (A..B); bad input is exit 2;
// the working tree, the index, the refs and .git stay as they were. (SARIF logs
// are schema-checked here; the Multitool runs over the patch mode's.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseDiffSpec } from '../src/patch/diff-mode.js';
import {
  ARM_BUGGY, ARM_BUG_LINE, ARM_FIXED, OLD_BUG, UTIL, git, makeKernelRepo, run, snapshot, writeTree,
} from './helpers/kernel-tree.js';
import { SarifCollector } from './helpers/sarif-validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const bin = path.join(__dirname, '..', 'bin', 'eqscheck.js');
const sarifs = new SarifCollector();
let sandbox: string;
let tmpRoot: string;
let repo: string;
const OLD_FIXED = OLD_BUG.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();');

beforeAll(() => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-diff-test-'));
  tmpRoot = path.join(sandbox, 'tmp');
  mkdirSync(tmpRoot);
  // c1: clean run loop (old.c has its bug); c2: the seed's bug; c3: old.c fixed.
  repo = makeKernelRepo(path.join(sandbox, 'repo'));
  git(repo, 'tag', 'c1');
  writeTree(repo, { 'arch/x/kvm/arm.c': ARM_BUGGY });
  git(repo, 'commit', '-q', '-am', 'c2: take the interrupt early');
  git(repo, 'tag', 'c2');
  writeTree(repo, { 'arch/x/kvm/old.c': OLD_FIXED });
  git(repo, 'commit', '-q', '-am', 'c3: fix old.c');
  git(repo, 'tag', 'c3');
});

beforeEach(() => {
  vi.stubEnv('TMPDIR', tmpRoot);
});

afterEach(() => {
  vi.unstubAllEnvs();
  expect(readdirSync(tmpRoot).filter((d) => !d.startsWith('eqscheck-sarif-')), 'temporary directories left behind').toEqual([]);
  // Each test leaves the working tree as committed.
  git(repo, 'reset', '-q', '--hard');
});

afterAll(() => {
  sarifs.dispose();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

const json = async (args: string[]) => {
  const r = await run([...args, '--tree', repo, '-f', 'json']);
  expect(r.stderr).toBe('');
  return { code: r.code, report: JSON.parse(r.stdout) as Json };
};
const where = (list: Json[]) => list.map((f) => `${path.relative(repo, f.file)}:${f.line} ${f.function}`);

describe('eqscheck diff', () => {
  it('alone: the working tree against HEAD (nothing changed: nothing to report)', async () => {
    const before = snapshot(repo);
    const r = await run(['diff', '--tree', repo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Introduced in the working tree (since HEAD): none');
    expect(r.stdout).toContain('eqscheck: 0 introduced, 0 fixed (HEAD -> the working tree); 0 files touched;');
    expect(snapshot(repo)).toEqual(before);
  });

  it('alone: an edit of the working tree that fixes HEAD\'s bug is reported as fixed (exit 0)', async () => {
    writeTree(repo, { 'arch/x/kvm/arm.c': ARM_FIXED });
    const before = snapshot(repo);
    const { code, report } = await json(['diff']);
    expect(code).toBe(0);
    expect(report.mode).toBe('diff');
    expect(report.summary).toMatchObject({ from: 'HEAD', to: 'the working tree', touchedFiles: ['arch/x/kvm/arm.c'], scope: ['arch/x/kvm', 'virt/kvm'] });
    expect(report.introduced).toEqual([]);
    expect(where(report.fixed)).toEqual([`arch/x/kvm/arm.c:${ARM_BUG_LINE} kvm_arch_vcpu_ioctl_run`]);
    const s = await run(['diff', '--tree', repo, '-f', 'sarif']);
    expect(sarifs.add('diff-fixed', s.stdout)).toEqual([]);
    expect(JSON.parse(s.stdout).runs[0].results.map((r: Json) => r.baselineState)).toEqual(['absent']);
    expect(snapshot(repo)).toEqual(before);
  });

  it('alone: staged and unstaged changes both count; untracked files are not part of the diff', async () => {
    writeTree(repo, { 'arch/x/kvm/util.c': `${UTIL}\nvoid util_run(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n` });
    git(repo, 'add', 'arch/x/kvm/util.c');
    writeTree(repo, { 'arch/x/kvm/arm.c': ARM_FIXED, 'arch/x/kvm/untracked.c': OLD_BUG.replace('vcpu_run_early_enable', 'untracked_run') });
    const before = snapshot(repo);
    const { code, report } = await json(['diff']);
    expect(code).toBe(1);
    expect(report.summary.touchedFiles).toEqual(['arch/x/kvm/arm.c', 'arch/x/kvm/util.c']);
    expect(where(report.introduced)).toEqual(['arch/x/kvm/util.c:17 util_run']);
    expect(where(report.fixed)).toEqual([`arch/x/kvm/arm.c:${ARM_BUG_LINE} kvm_arch_vcpu_ioctl_run`]);
    expect(snapshot(repo)).toEqual(before);
    git(repo, 'rm', '-q', '--cached', 'arch/x/kvm/util.c');
    git(repo, 'clean', '-q', '-fd');
  });

  it('REV: the working tree against a revision', async () => {
    writeTree(repo, { 'arch/x/kvm/arm.c': ARM_FIXED });
    const before = snapshot(repo);
    // Against c1 the run loop is the same; old.c was fixed since.
    const { code, report } = await json(['diff', 'c1']);
    expect(code).toBe(0);
    expect(report.summary.from).toBe('c1');
    expect(report.summary.touchedFiles).toEqual(['arch/x/kvm/old.c']);
    expect(report.introduced).toEqual([]);
    expect(where(report.fixed)).toEqual(['arch/x/kvm/old.c:9 vcpu_run_early_enable']);
    // Against c2 (which has the bug and old.c's), both are fixed.
    const c2 = await json(['diff', 'c2']);
    expect(where(c2.report.fixed).sort()).toEqual([`arch/x/kvm/arm.c:${ARM_BUG_LINE} kvm_arch_vcpu_ioctl_run`, 'arch/x/kvm/old.c:9 vcpu_run_early_enable']);
    expect(snapshot(repo)).toEqual(before);
  });

  it('A..B: commit B against commit A, whatever the working tree holds', async () => {
    // The working tree differs from both commits: it must not matter.
    writeTree(repo, { 'arch/x/kvm/arm.c': ARM_FIXED.replace('int ret;', 'int ret = 0;'), 'arch/x/kvm/old.c': OLD_BUG });
    const before = snapshot(repo);
    const r = await run(['diff', 'c1..c2', '--tree', repo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Introduced in c2 (since c1): 1 finding: 1 error (1 irq-enabled-in-eqs)');
    expect(r.stdout).toContain(`${path.join(repo, 'arch/x/kvm/arm.c')}:${ARM_BUG_LINE}:3: error:`);
    const back = await json(['diff', 'c2..c1']);
    expect(back.code).toBe(0);
    expect(back.report.introduced).toEqual([]);
    expect(where(back.report.fixed)).toEqual([`arch/x/kvm/arm.c:${ARM_BUG_LINE} kvm_arch_vcpu_ioctl_run`]);
    const both = await json(['diff', 'c1..c3']);
    expect(both.code).toBe(1);
    expect(where(both.report.introduced)).toEqual([`arch/x/kvm/arm.c:${ARM_BUG_LINE} kvm_arch_vcpu_ioctl_run`]);
    expect(where(both.report.fixed)).toEqual(['arch/x/kvm/old.c:9 vcpu_run_early_enable']);
    // An empty side is HEAD: c2.. is c2..HEAD (= c3).
    const open = await json(['diff', 'c2..']);
    expect([where(open.report.introduced), where(open.report.fixed)]).toEqual([[], ['arch/x/kvm/old.c:9 vcpu_run_early_enable']]);
    const s = await run(['diff', 'c1..c3', '--tree', repo, '-f', 'sarif']);
    expect(sarifs.add('diff-range', s.stdout)).toEqual([]);
    expect(JSON.parse(s.stdout).runs[0].results.map((x: Json) => x.baselineState)).toEqual(['new', 'absent']);
    expect(snapshot(repo)).toEqual(before);
  });

  it('names files relative to the current directory, from a subdirectory of the repository', () => {
    const r = spawnSync(process.execPath, [bin, 'diff', 'c1..c2'], { cwd: path.join(repo, 'arch', 'x'), encoding: 'utf8', env: { ...process.env, TMPDIR: tmpRoot } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`kvm/arm.c:${ARM_BUG_LINE}:3: error:`);
    expect(r.stdout).not.toContain(repo);
  });
});

describe('eqscheck diff: bad input is exit 2', () => {
  const bad = async (args: string[], dir: string, message: RegExp) => {
    const before = snapshot(dir);
    const r = await run(['diff', '--tree', dir, ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(snapshot(dir)).toEqual(before);
  };

  it('a directory that is not a git repository', async () => {
    const plain = path.join(sandbox, 'plain');
    writeTree(plain, { 'arch/x/kvm/arm.c': ARM_FIXED });
    await bad([], plain, /^eqscheck: error: .*plain: not a git repository \(eqscheck diff compares git revisions; for a patch file use eqscheck patch\)$/);
  });

  it('an unknown revision, a revision that looks like an option, A...B', async () => {
    await bad(['nope'], repo, /^eqscheck: error: nope: unknown revision \(not a commit of this repository\)$/);
    await bad(['c1..nope'], repo, /^eqscheck: error: nope: unknown revision/);
    await bad(['--', '--output=x'], repo, /^eqscheck: error: --output=x: not a revision$/);
    await bad(['c1...c2'], repo, /^eqscheck: error: c1\.\.\.c2: A\.\.\.B \(changes since the merge base\) is not supported: use A\.\.B$/);
  });

  it('a repository without commits', async () => {
    const empty = path.join(sandbox, 'empty');
    mkdirSync(empty);
    git(empty, 'init', '-q');
    await bad([], empty, /^eqscheck: error: HEAD: unknown revision/);
  });
});

describe('parseDiffSpec', () => {
  it('reads REV, A..B, A.., ..B and nothing', () => {
    expect(parseDiffSpec(undefined)).toEqual({ from: 'HEAD', to: null });
    expect(parseDiffSpec('v6.1')).toEqual({ from: 'v6.1', to: null });
    expect(parseDiffSpec('a..b')).toEqual({ from: 'a', to: 'b' });
    expect(parseDiffSpec('a..')).toEqual({ from: 'a', to: 'HEAD' });
    expect(parseDiffSpec('..b')).toEqual({ from: 'HEAD', to: 'b' });
  });
});
