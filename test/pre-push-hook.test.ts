// contrib/git-hooks/pre-push, for real: installed in a kernel-like repository
// with a bare remote as its upstream, `git push` runs it (git's /bin/sh), and
// eqscheck is this checkout's (EQSCHECK="node bin/eqscheck.js"). A push that
// introduces a finding is refused with the finding printed and the remote left
// as it was; a clean one goes through; a new branch is compared with where it
// leaves its upstream; deletions go through; a change eqscheck cannot check and
// an eqscheck that does not run refuse the push. Run by hand (under dash, to hold it to POSIX sh) it checks
// @{upstream}..HEAD.
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from './helpers/fixture-units.js';
import { ARM_BUGGY, ARM_BUG_LINE, GIT_ENV, UTIL, git, makeKernelRepo, writeTree } from './helpers/kernel-tree.js';

const HOOK = path.join(REPO_DIR, 'contrib', 'git-hooks', 'pre-push');
const EQSCHECK = `node ${path.join(REPO_DIR, 'bin', 'eqscheck.js')}`;

let sandbox: string;
let repo: string;
let remote: string;

beforeAll(() => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-hook-test-'));
  repo = makeKernelRepo(path.join(sandbox, 'repo'));
  remote = path.join(sandbox, 'remote.git');
  git(sandbox, 'init', '-q', '--bare', remote);
  git(repo, 'remote', 'add', 'origin', remote);
  git(repo, 'push', '-q', '-u', 'origin', 'main');
  copyFileSync(HOOK, path.join(repo, '.git', 'hooks', 'pre-push'));
  chmodSync(path.join(repo, '.git', 'hooks', 'pre-push'), 0o755);
});

afterAll(() => {
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

interface Result { status: number; output: string }

function push(args: string[], eqscheck = EQSCHECK): Result {
  const r = spawnSync('git', ['push', ...args], { cwd: repo, env: { ...GIT_ENV, EQSCHECK: eqscheck }, encoding: 'utf8' });
  return { status: r.status ?? 128, output: r.stdout + r.stderr };
}

const remoteHas = (ref: string) => {
  const r = spawnSync('git', ['rev-parse', '--verify', '-q', ref], { cwd: remote, env: GIT_ENV, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
};
const head = () => git(repo, 'rev-parse', 'HEAD').trim();
const commit = (files: Record<string, string>, message: string) => {
  writeTree(repo, files);
  git(repo, 'commit', '-q', '-am', message);
};
const FINDING = `arch/x/kvm/arm.c:${ARM_BUG_LINE}:3: error: local_irq_enable() enables interrupts while the guest context (EQS) is active`;

describe('pre-push hook', () => {
  it('refuses a push that introduces a finding, printing it; the remote stays as it was', () => {
    const before = remoteHas('refs/heads/main');
    commit({ 'arch/x/kvm/arm.c': ARM_BUGGY }, 'take the interrupt early');
    const r = push(['origin', 'main']);
    expect(r.status, r.output).not.toBe(0);
    expect(r.output).toContain(FINDING);
    expect(r.output).toContain('[irq-enabled-in-eqs]');
    expect(r.output).toContain('eqscheck pre-push: refs/heads/main (');
    expect(r.output).toContain('introduces the findings above; push refused (git push --no-verify pushes anyway)');
    expect(remoteHas('refs/heads/main')).toBe(before);
  });

  it('run by hand (no arguments, under dash), it checks @{upstream}..HEAD', () => {
    const r = spawnSync('dash', [HOOK], { cwd: repo, env: { ...GIT_ENV, EQSCHECK }, encoding: 'utf8', input: '' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('Introduced in HEAD (since @{upstream}): 1 finding');
    expect(r.stderr).toContain(FINDING);
    expect(r.stderr).toContain('a push would be refused');
    // EQSCHECK_HOOK_ARGS reach eqscheck: without the rule of the finding, nothing is introduced.
    const narrowed = spawnSync('dash', [HOOK], {
      cwd: repo, env: { ...GIT_ENV, EQSCHECK, EQSCHECK_HOOK_ARGS: '--rules vtime-unbalanced' }, encoding: 'utf8', input: '',
    });
    expect(narrowed.status, narrowed.stderr).toBe(0);
    expect(narrowed.stderr).toContain('HEAD (@{upstream}..HEAD): nothing introduced');
  });

  it('lets a clean change through', () => {
    git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    commit({ 'arch/x/kvm/util.c': `${UTIL}\n/* Exits are counted by the arch code. */\n` }, 'util: a comment');
    const r = push(['origin', 'main']);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/eqscheck pre-push: refs\/heads\/main \([0-9a-f]+\.\.[0-9a-f]+\): nothing introduced/);
    expect(remoteHas('refs/heads/main')).toBe(head());
  });

  it('compares a new branch with where it leaves its upstream; a deletion goes through', () => {
    git(repo, 'checkout', '-q', '-b', 'topic', '--track', 'origin/main');
    commit({ 'arch/x/kvm/arm.c': ARM_BUGGY }, 'take the interrupt early, on a branch');
    const refused = push(['origin', 'topic']);
    expect(refused.status, refused.output).not.toBe(0);
    expect(refused.output).toContain(FINDING);
    expect(remoteHas('refs/heads/topic')).toBe(null);
    git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    const clean = push(['origin', 'topic']);
    expect(clean.status, clean.output).toBe(0);
    expect(clean.output).toContain('refs/heads/topic (');
    expect(clean.output).toContain('nothing introduced');
    const deleted = push(['origin', '--delete', 'topic']);
    expect(deleted.status, deleted.output).toBe(0);
    expect(deleted.output).toContain('eqscheck pre-push: refs/heads/topic: deleted, nothing to check');
    expect(remoteHas('refs/heads/topic')).toBe(null);
    git(repo, 'checkout', '-q', 'main');
  });

  it('says so, and lets it through, when a new branch has nothing to compare with', () => {
    git(repo, 'checkout', '-q', '-b', 'orphaned');
    const r = push(['origin', 'orphaned']);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('refs/heads/orphaned: a new branch with no upstream and no origin/HEAD to compare it with: not checked');
    git(repo, 'checkout', '-q', 'main');
  });

  it('refuses the push when eqscheck does not run (node\'s missing-module exit 1 is not read as findings)', () => {
    commit({ 'arch/x/kvm/util.c': `${UTIL}\n/* Exits are counted by the arch code; ready is checked by the caller. */\n` }, 'util: another comment');
    const missing = path.join(sandbox, 'no-such-eqscheck.js');
    const r = push(['origin', 'main'], `node ${missing}`);
    expect(r.status, r.output).not.toBe(0);
    expect(r.output).toContain(`eqscheck pre-push: cannot run 'node ${missing}' (install eqscheck on PATH or set EQSCHECK); push refused`);
    expect(r.output).not.toContain('introduces the findings');
    expect(remoteHas('refs/heads/main')).not.toBe(head());
  });

  it('refuses a change eqscheck cannot check (exit 2: a touched C file that is binary), saying so', () => {
    git(repo, 'reset', '-q', '--hard', 'origin/main');
    writeTree(repo, { 'arch/x/kvm/blob.c': 'int x;\0\0\0\n' });
    git(repo, 'add', 'arch/x/kvm/blob.c');
    git(repo, 'commit', '-q', '-m', 'a binary .c file');
    const r = push(['origin', 'main']);
    expect(r.status, r.output).not.toBe(0);
    expect(r.output).toMatch(/eqscheck pre-push: refs\/heads\/main \([0-9a-f.]+\) could not be checked \(eqscheck exit 2, above\); push refused/);
    expect(remoteHas('refs/heads/main')).not.toBe(head());
  });
});
