// `eqscheck patch`, end to end in temporary git repositories holding small
// kernel-like trees: what a patch introduces (exit 1) and fixes (exit 0), the
// same answer as two full scans (equivalence), every bad input's message (exit 2),
// and the tree, its index and its .git untouched afterwards, with no temporary
// directory left behind.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { analyzeFiles } from '../src/run/analyze.js';
import type { Finding } from '../src/analysis/interpreter.js';
import { runPatchMode } from '../src/patch/patch-mode.js';
import { FINGERPRINT_KEY, fingerprintFindings } from '../src/report/fingerprint.js';
import { SRCROOT } from '../src/report/sarif.js';
import { RULES } from '../src/rules/index.js';
import { collectFiles } from '../src/scan/collect.js';
import {
  ARM_BUGGY, ARM_BUG_LINE, ARM_FIXED, GENERIC, GIT_ENV, OLD_BUG, TREE, UTIL, git, makeKernelRepo, patchOf, run, snapshot, writeTree,
} from './helpers/kernel-tree.js';
import { SarifCollector } from './helpers/sarif-validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const repoDir = path.join(__dirname, '..');
const bin = path.join(repoDir, 'bin', 'eqscheck.js');
const sarifs = new SarifCollector();

let sandbox: string;
/** What os.tmpdir() returns during a test: must be empty after every command. */
let tmpRoot: string;
let repo: string;
/** The same tree with the seed's bug in arch/x/kvm/arm.c. */
let buggy: string;
const patches: Record<string, string> = {};

function patchFile(name: string, text: string | Buffer): string {
  const p = path.join(sandbox, 'patches', name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-patch-test-'));
  tmpRoot = path.join(sandbox, 'tmp');
  mkdirSync(tmpRoot);
  repo = makeKernelRepo(path.join(sandbox, 'repo'));
  buggy = makeKernelRepo(path.join(sandbox, 'buggy'), { 'arch/x/kvm/arm.c': ARM_BUGGY });
  patches['bug'] = patchFile('bug.patch', patchOf(repo, { 'arch/x/kvm/arm.c': ARM_BUGGY }));
  patches['fix'] = patchFile('fix.patch', patchOf(buggy, { 'arch/x/kvm/arm.c': ARM_FIXED }));
  patches['unrelated'] = patchFile('unrelated.patch', patchOf(repo, { 'arch/x/kvm/util.c': UTIL.replace('return vcpu->stat.exits;', 'return vcpu->stat.exits + 1;') }));
  patches['readme'] = patchFile('readme.patch', patchOf(repo, { README: 'Changed.\n' }));
  patches['generic'] = patchFile('generic.patch', patchOf(repo, { 'virt/kvm/kvm_main.c': GENERIC.replace('vcpu->requests = 1;', 'vcpu->requests = 2;') }));
});

beforeEach(() => {
  vi.stubEnv('TMPDIR', tmpRoot);
});

afterEach(() => {
  vi.unstubAllEnvs();
  // (The SARIF collector keeps its logs in an eqscheck-sarif-… directory until the end.)
  expect(readdirSync(tmpRoot).filter((d) => !d.startsWith('eqscheck-sarif-')), 'temporary directories left behind').toEqual([]);
});

afterAll(() => {
  sarifs.dispose();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

/** A git-style patch deleting `rel` (whose text is `text`), made without touching any repository. */
function deletion(rel: string, text: string): string {
  const lines = text.split('\n').slice(0, -1);
  return `diff --git a/${rel} b/${rel}\ndeleted file mode 100644\n--- a/${rel}\n+++ /dev/null\n` +
    `@@ -1,${lines.length} +0,0 @@\n${lines.map((l) => `-${l}`).join('\n')}\n`;
}

const FINDING_LINE = /^(.+):(\d+):(\d+): (error|warning|note): (.+) \[([a-z0-9-]+)\]$/;
const findingLines = (text: string) => text.split('\n').filter((l) => FINDING_LINE.test(l));

describe('eqscheck patch: what a patch introduces and fixes', () => {
  it('reports the seed\'s bug introduced by a patch, with its path, and exits 1', async () => {
    const before = snapshot(repo);
    const r = await run(['patch', patches['bug']!, '--tree', repo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Introduced by the patch: 1 finding: 1 error (1 irq-enabled-in-eqs)');
    expect(r.stdout).toContain('Fixed by the patch: none');
    const lines = findingLines(r.stdout);
    expect(lines).toHaveLength(1);
    const m = FINDING_LINE.exec(lines[0]!)!;
    expect([m[1], Number(m[2]), m[6]]).toEqual([path.join(repo, 'arch/x/kvm/arm.c'), ARM_BUG_LINE, 'irq-enabled-in-eqs']);
    // The tree's existing bugs (arch/x/kvm/old.c, arch/y) are not the patch's.
    expect(r.stdout).not.toContain('old.c');
    expect(r.stdout).not.toContain('arch/y');
    // No path of the scratch tree leaks into the report.
    expect(r.stdout).not.toContain(tmpRoot);
    expect(r.stdout).toMatch(/eqscheck: 1 introduced, 0 fixed \(the tree -> the patched tree\); 1 file touched; analysed arch\/x\/kvm, virt\/kvm: /);
    expect(snapshot(repo)).toEqual(before);
  });

  it('JSON: {version, tool, mode, introduced, fixed, summary} with fingerprints', async () => {
    const r = await run(['patch', patches['bug']!, '--tree', repo, '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Json;
    expect(Object.keys(j)).toEqual(['version', 'tool', 'mode', 'introduced', 'fixed', 'summary']);
    expect(j.mode).toBe('patch');
    expect(j.fixed).toEqual([]);
    expect(j.introduced).toHaveLength(1);
    const f = j.introduced[0];
    expect([f.ruleId, f.file, f.line, f.function]).toEqual(['irq-enabled-in-eqs', path.join(repo, 'arch/x/kvm/arm.c'), ARM_BUG_LINE, 'kvm_arch_vcpu_ioctl_run']);
    expect(f.fingerprint).toMatch(/^[0-9a-f]{32}:1$/);
    expect(f.message).not.toContain(tmpRoot);
    expect(f.trace.map((t: Json) => t.file)).toEqual([path.join(repo, 'arch/x/kvm/arm.c'), path.join(repo, 'arch/x/kvm/arm.c')]);
    expect(j.summary).toMatchObject({ introduced: 1, fixed: 0, touchedFiles: ['arch/x/kvm/arm.c'], scope: ['arch/x/kvm', 'virt/kvm'] });
    expect(j.summary.before.files).toBe(4);
    expect(j.summary.after.files).toBe(4);
  });

  it('SARIF: introduced results are baselineState new, URIs relative to the tree', async () => {
    const r = await run(['patch', patches['bug']!, '--tree', repo, '--format', 'sarif']);
    expect(r.code).toBe(1);
    expect(sarifs.add('patch-bug', r.stdout)).toEqual([]);
    const run0 = JSON.parse(r.stdout).runs[0] as Json;
    expect(run0.results).toHaveLength(1);
    const res = run0.results[0];
    expect(res.baselineState).toBe('new');
    expect(res.locations[0].physicalLocation.artifactLocation).toMatchObject({ uri: 'arch/x/kvm/arm.c', uriBaseId: SRCROOT });
    expect(res.locations[0].physicalLocation.region.startLine).toBe(ARM_BUG_LINE);
    // The region's end comes from the patched text: `local_irq_enable()` is 18 characters.
    expect(res.locations[0].physicalLocation.region.endColumn - res.locations[0].physicalLocation.region.startColumn).toBe(18);
    expect(run0.originalUriBaseIds[SRCROOT].uri).toBe(`file://${repo}/`);
    expect(res.partialFingerprints[FINGERPRINT_KEY]).toBe(JSON.parse((await run(['patch', patches['bug']!, '--tree', repo, '-f', 'json'])).stdout).introduced[0].fingerprint);
  });

  it('reports a fixing patch as fixed and exits 0 (text, JSON, SARIF absent)', async () => {
    const before = snapshot(buggy);
    const r = await run(['patch', patches['fix']!, '--tree', buggy]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Introduced by the patch: none');
    expect(r.stdout).toContain('Fixed by the patch: 1 finding: 1 error (1 irq-enabled-in-eqs)');
    const lines = findingLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${path.join(buggy, 'arch/x/kvm/arm.c')}:${ARM_BUG_LINE}:3: error:`);
    const j = JSON.parse((await run(['patch', patches['fix']!, '--tree', buggy, '-f', 'json'])).stdout) as Json;
    expect(j.introduced).toEqual([]);
    expect(j.fixed.map((f: Json) => [f.ruleId, f.file, f.line])).toEqual([['irq-enabled-in-eqs', path.join(buggy, 'arch/x/kvm/arm.c'), ARM_BUG_LINE]]);
    const s = await run(['patch', patches['fix']!, '--tree', buggy, '-f', 'sarif']);
    expect(s.code).toBe(0);
    expect(sarifs.add('patch-fix', s.stdout)).toEqual([]);
    const results = JSON.parse(s.stdout).runs[0].results as Json[];
    expect(results.map((x) => [x.baselineState, x.locations[0].physicalLocation.region.startLine])).toEqual([['absent', ARM_BUG_LINE]]);
    expect(snapshot(buggy)).toEqual(before);
  });

  it('reports nothing for a patch to an unrelated function, and exits 0', async () => {
    const before = snapshot(repo);
    const r = await run(['patch', patches['unrelated']!, '--tree', repo]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(findingLines(r.stdout)).toEqual([]);
    expect(r.stdout).toContain('Introduced by the patch: none');
    expect(r.stdout).toContain('Fixed by the patch: none');
    const q = await run(['patch', patches['unrelated']!, '--tree', repo, '-q']);
    expect(q).toEqual({ code: 0, stdout: '', stderr: '' });
    const j = JSON.parse((await run(['patch', patches['unrelated']!, '--tree', repo, '-f', 'json'])).stdout) as Json;
    expect([j.introduced, j.fixed, j.summary.scope]).toEqual([[], [], ['arch/x/kvm', 'virt/kvm']]);
    expect(snapshot(repo)).toEqual(before);
  });

  it('analyses nothing for a patch to files the default scan never reads', async () => {
    const r = await run(['patch', patches['readme']!, '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Json;
    expect([j.summary.scope, j.summary.after.files, j.introduced, j.fixed]).toEqual([[], 0, [], []]);
  });

  it('analyses every arch for a change to generic code (virt/kvm, headers outside arch/)', async () => {
    const r = await run(['patch', patches['generic']!, '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.summary.scope).toEqual(['arch/x/kvm', 'arch/y/kvm', 'virt/kvm']);
    expect([j.introduced, j.fixed]).toEqual([[], []]);
    const whole = JSON.parse((await run(['patch', patches['unrelated']!, '--tree', repo, '-f', 'json', '--whole-scope'])).stdout) as Json;
    expect(whole.summary.scope).toEqual(['arch/x/kvm', 'arch/y/kvm', 'virt/kvm']);
  });

  it('reads the patch from standard input (-) and names files relative to the current directory', () => {
    expect(existsSync(path.join(repoDir, 'dist', 'cli', 'main.js')), 'build with `npx tsc -p .` first').toBe(true);
    const r = spawnSync(process.execPath, [bin, 'patch', '-'], {
      cwd: repo, input: readFileSync(patches['bug']!), encoding: 'utf8', env: { ...process.env, TMPDIR: tmpRoot },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(findingLines(r.stdout).map((l) => FINDING_LINE.exec(l)!.slice(1, 3).join(':'))).toEqual([`arch/x/kvm/arm.c:${ARM_BUG_LINE}`]);
  });

  it('without --tree, from a subdirectory of a kernel tree: the tree is its root', () => {
    const r = spawnSync(process.execPath, [bin, 'patch', patches['bug']!], { cwd: path.join(repo, 'arch', 'x'), encoding: 'utf8', env: { ...process.env, TMPDIR: tmpRoot } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(findingLines(r.stdout).map((l) => FINDING_LINE.exec(l)!.slice(1, 3).join(':'))).toEqual([`kvm/arm.c:${ARM_BUG_LINE}`]);
  });

  it('takes git format-patch mails, traditional diffs, new, deleted and renamed files', async () => {
    // format-patch: mail headers and a signature around the diff.
    git(repo, 'checkout', '-q', '-b', 'topic');
    writeTree(repo, { 'arch/x/kvm/arm.c': ARM_BUGGY });
    git(repo, 'commit', '-q', '-am', 'kvm: x: take the interrupt early');
    const mail = execFileSync('git', ['format-patch', '-1', '--stdout'], { cwd: repo, env: GIT_ENV, encoding: 'utf8' });
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'branch', '-q', '-D', 'topic');
    let r = await run(['patch', patchFile('mail.patch', mail), '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Json).introduced).toHaveLength(1);
    // diff -u style: dates after the names, no diff --git line.
    const traditional = readFileSync(patches['bug']!, 'utf8').replace(/^diff --git.*\nindex.*\n/m, '')
      .replace('--- a/arch/x/kvm/arm.c', '--- a/arch/x/kvm/arm.c\t2024-01-01 00:00:00.000000000 +0000')
      .replace('+++ b/arch/x/kvm/arm.c', '+++ b/arch/x/kvm/arm.c\t2024-01-02 00:00:00.000000000 +0000');
    r = await run(['patch', patchFile('traditional.patch', traditional), '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(1);
    // A new file with a bug; the deletion of the file with the existing bug; a rename.
    const created = patchOf(repo, { 'arch/x/kvm/new.c': OLD_BUG.replace('vcpu_run_early_enable', 'new_run') });
    r = await run(['patch', patchFile('created.patch', created), '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Json).introduced.map((f: Json) => [f.file, f.function])).toEqual([[path.join(repo, 'arch/x/kvm/new.c'), 'new_run']]);
    const deleted = deletion('arch/x/kvm/old.c', OLD_BUG);
    r = await run(['patch', patchFile('deleted.patch', deleted), '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Json).fixed.map((f: Json) => [f.file, f.function])).toEqual([[path.join(repo, 'arch/x/kvm/old.c'), 'vcpu_run_early_enable']]);
    const renamed = 'diff --git a/arch/x/kvm/util.c b/arch/x/kvm/helpers.c\nsimilarity index 100%\nrename from arch/x/kvm/util.c\nrename to arch/x/kvm/helpers.c\n';
    r = await run(['patch', patchFile('renamed.patch', renamed), '--tree', repo, '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Json).summary.touchedFiles).toEqual(['arch/x/kvm/helpers.c', 'arch/x/kvm/util.c']);
  });

  it('SARIF: one run with both new and absent results', async () => {
    const swap = patchFile('swap.patch', patchOf(repo, {
      'arch/x/kvm/arm.c': ARM_BUGGY,
      'arch/x/kvm/old.c': OLD_BUG.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();'),
    }));
    const r = await run(['patch', swap, '--tree', repo, '-f', 'sarif']);
    expect(r.code).toBe(1);
    expect(sarifs.add('patch-swap', r.stdout)).toEqual([]);
    const log = JSON.parse(r.stdout) as Json;
    expect(log.runs[0].results.map((x: Json) => [x.baselineState, x.locations[0].physicalLocation.artifactLocation.uri])).toEqual([
      ['new', 'arch/x/kvm/arm.c'], ['absent', 'arch/x/kvm/old.c'],
    ]);
    expect(log.runs[0].artifacts.map((a: Json) => a.location.uri)).toEqual(['arch/x/kvm/arm.c', 'arch/x/kvm/old.c']);
  });

  it('writes SARIF that passes the SARIF Multitool (SARIF and GitHub rules)', () => {
    expect(sarifs.files.length).toBe(3);
    expect(sarifs.multitool('Sarif')).toEqual([]);
    expect(sarifs.multitool('Gh')).toEqual([]);
  });
});

describe('eqscheck patch: bad input is exit 2 with a one-line message, and changes nothing', () => {
  const cases: [string, () => string | Buffer, RegExp][] = [
    ['an empty patch', () => '', /: empty patch$/],
    ['text that is not a patch', () => 'Please apply my change to arm.c.\nThanks!\n', /: not a patch: no diff --git, ---\/\+\+\+ or @@ lines found$/],
    ['a truncated hunk', () => readFileSync(patches['bug']!, 'utf8').split('\n').slice(0, 9).join('\n') + '\n',
      /: malformed patch at line 10: hunk 1 of arch\/x\/kvm\/arm\.c \(@@ -59,8 \+59,8 @@\) ends early: the patch is truncated$/],
    ['a bad hunk header', () => readFileSync(patches['bug']!, 'utf8').replace(/^@@ -59,8/m, '@@ -59,x'), /: malformed patch at line 5: bad hunk header '@@ -59,x/],
    ['a hunk with a stray line', () => readFileSync(patches['bug']!, 'utf8').replace('\n \n', '\nstray\n'),
      /: malformed patch at line \d+: hunk 1 of arch\/x\/kvm\/arm\.c \(@@ -59,8 \+59,8 @@\) ends early: expected \d+ more old and \d+ more new lines$/],
    ['a binary patch', () => patchOf(repo, { 'arch/x/kvm/blob.bin': Buffer.from([0, 1, 2, 3, 0, 255]) }, ['--binary']),
      /: binary patch for arch\/x\/kvm\/blob\.bin: eqscheck checks text patches only$/],
    ['a binary file in a diff without --binary', () => patchOf(repo, { 'arch/x/kvm/blob.bin': Buffer.from([0, 1, 2, 3, 0, 255]) }),
      /: binary patch for arch\/x\/kvm\/blob\.bin: eqscheck checks text patches only$/],
    ['a path outside the tree (../)', () => 'diff --git a/../outside.c b/../outside.c\n--- a/../outside.c\n+++ b/../outside.c\n@@ -1 +1 @@\n-a\n+b\n',
      /: patch touches a path outside the tree: \.\.\/outside\.c$/],
    ['a path outside the tree (inside a name)', () => '--- a/arch/x/../../../etc/passwd\n+++ b/arch/x/../../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n',
      /: patch touches a path outside the tree: arch\/x\/\.\.\/\.\.\/\.\.\/etc\/passwd$/],
    ['an absolute path', () => '--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-root:x:0:0\n+root::0:0\n',
      /: patch touches a path outside the tree: \/etc\/passwd \(absolute path\)$/],
    ['a rename out of the tree', () => 'diff --git a/arch/x/kvm/util.c b/util.c\nsimilarity index 100%\nrename from arch/x/kvm/util.c\nrename to ../util.c\n',
      /: patch touches a path outside the tree: \.\.\/util\.c$/],
    ['the repository\'s .git', () => '--- a/.git/config\n+++ b/.git/config\n@@ -1 +1 @@\n-a\n+b\n', /: patch touches the repository's own files: \.git\/config$/],
    ['a patch that does not apply', () => readFileSync(patches['bug']!, 'utf8').replace(/^-\t\tguest_exit\(\);$/m, '-\t\tguest_exit(); /* gone */'),
      /: patch does not apply: arch\/x\/kvm\/arm\.c: hunk 1 of 1 \(@@ -59,8 \+59,8 @@, patch line 5\) does not match the tree \(its context or removed lines differ\)$/],
    ['a patch whose second hunk does not apply', () => {
      const two = patchOf(repo, { 'arch/x/kvm/arm.c': ARM_BUGGY.replace('int ret;\n\n\tvcpu_load', 'int ret;\n\n\t/* load */\n\tvcpu_load') });
      return two.replace(/^ \t\thandle_exit_early\(vcpu, ret\);$/m, ' \t\thandle_exit_late(vcpu, ret);');
    }, /: patch does not apply: arch\/x\/kvm\/arm\.c: hunk 2 of 2 \(@@ -59,8 \+60,8 @@, patch line \d+\) does not match the tree/],
    ['a patch to a file the tree does not have', () => readFileSync(patches['bug']!, 'utf8').replaceAll('arch/x/kvm/arm.c', 'arch/x/kvm/nope.c'),
      /: patch does not apply: arch\/x\/kvm\/nope\.c is not in the tree$/],
    ['a new file the tree already has', () => patchOf(repo, { 'arch/x/kvm/new.c': UTIL }).replaceAll('arch/x/kvm/new.c', 'arch/x/kvm/util.c'),
      /: patch does not apply: arch\/x\/kvm\/util\.c already exists in the tree$/],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const file = patchFile(`bad-${what.replace(/\W+/g, '-')}.patch`, make());
      const before = snapshot(repo);
      for (const format of ['text', 'json', 'sarif']) {
        const r = await run(['patch', file, '--tree', repo, '-f', format]);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
        expect(r.stderr.trimEnd()).toMatch(new RegExp(`^eqscheck: error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${message.source}`));
      }
      expect(snapshot(repo)).toEqual(before);
    });
  }

  it('a patch file that does not exist, a tree that is not a directory or is inside a kernel tree', async () => {
    let r = await run(['patch', path.join(sandbox, 'nope.patch'), '--tree', repo]);
    expect([r.code, r.stderr]).toEqual([2, `eqscheck: error: ${path.join(sandbox, 'nope.patch')}: no such patch file\n`]);
    r = await run(['patch', patches['bug']!, '--tree', path.join(sandbox, 'no-tree')]);
    expect([r.code, r.stderr]).toEqual([2, `eqscheck: error: ${path.join(sandbox, 'no-tree')}: no such directory (the tree to check the patch against)\n`]);
    r = await run(['patch', patches['bug']!, '--tree', patches['bug']!]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a directory/);
    r = await run(['patch', patches['bug']!, '--tree', path.join(repo, 'arch', 'x')]);
    expect([r.code, r.stderr]).toEqual([2, `eqscheck: error: ${path.join(repo, 'arch', 'x')}: is inside the kernel tree ${repo}: give that as --tree (the patch's paths are relative to it)\n`]);
  });

  it('never writes through a symbolic link of the tree', async () => {
    const tree = makeKernelRepo(path.join(sandbox, 'linked'));
    const outside = path.join(sandbox, 'outside');
    writeTree(outside, { 'target.c': UTIL, 'dir/keep.c': UTIL });
    symlinkSync(path.join(outside, 'target.c'), path.join(tree, 'arch/x/kvm/link.c'));
    symlinkSync(path.join(outside, 'dir'), path.join(tree, 'arch/x/kvm/sub'));
    const before = { tree: snapshot(tree), outside: snapshot(outside) };
    // A patch that edits the linked file as a regular file, and one that creates a file inside the linked directory.
    const edit = `--- a/arch/x/kvm/link.c\n+++ b/arch/x/kvm/link.c\n@@ -1,3 +1,3 @@\n #include <linux/kvm_host.h>\n \n-unsigned long kvm_x_exits(struct kvm_vcpu *vcpu)\n+unsigned long kvm_x_exits2(struct kvm_vcpu *vcpu)\n`;
    const create = `--- /dev/null\n+++ b/arch/x/kvm/sub/new.c\n@@ -0,0 +1,2 @@\n+#include <linux/kvm_host.h>\n+int x;\n`;
    // git apply reads the link as a link, whose text is not the file's: it does not apply.
    let r = await run(['patch', patchFile('linked-edit.patch', edit), '--tree', tree]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/: patch does not apply: arch\/x\/kvm\/link\.c: hunk 1 of 1 /)]);
    // As in the tree itself, nothing is written beyond a link.
    r = await run(['patch', patchFile('linked-create.patch', create), '--tree', tree]);
    expect([r.code, r.stderr.trimEnd()]).toEqual([2, expect.stringMatching(/: patch does not apply: arch\/x\/kvm\/sub\/new\.c is beyond a symbolic link of the tree \(arch\/x\/kvm\/sub\)$/)]);
    expect(snapshot(tree)).toEqual(before.tree);
    expect(snapshot(outside)).toEqual(before.outside);
  });
});

// ---- equivalence with full scans ----------------------------------------------------

/** A finding with paths relative to `root` (messages too), for comparing runs in different places. */
function relative(f: Finding, root: string) {
  const rel = (p: string) => path.relative(root, path.resolve(p));
  const text = (s: string) => s.split(`${root}/`).join('');
  return {
    ruleId: f.ruleId, severity: f.severity, file: rel(f.file), line: f.line, column: f.column, function: f.function,
    message: text(f.message), trace: f.trace.map((t) => ({ ...t, file: rel(t.file), event: JSON.parse(text(JSON.stringify(t.event))) })),
    notes: f.notes.map(text), related: (f.related ?? []).map((r) => ({ ...r, file: rel(r.file), message: text(r.message) })),
  };
}

async function fullScan(root: string) {
  const { files } = collectFiles([root]);
  const { findings } = await analyzeFiles(files, { rules: RULES });
  return { findings, fingerprints: fingerprintFindings(findings, { root }) };
}

/** A copy of the tree (without .git) with the patch applied by git apply. */
function patchedCopy(tree: string, patch: string, name: string): string {
  const copy = path.join(sandbox, 'copies', name);
  cpSync(tree, copy, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  execFileSync('git', ['apply', patch], { cwd: copy, env: { ...GIT_ENV, GIT_CEILING_DIRECTORIES: path.dirname(copy) } });
  return copy;
}

describe('equivalence: patch mode reports what full scans of the tree and the patched tree report', () => {
  // Patches that change a function, the summary of a callee (and so its caller's
  // findings), generic code, a header, and that add and remove files.
  const variants: [string, (tree: string) => string, { wholeScope?: boolean }?][] = [
    ['the seed\'s bug', (t) => patchOf(t, { 'arch/x/kvm/arm.c': ARM_BUGGY })],
    ['a callee that now unmasks (the caller is reported)', (t) => patchOf(t, {
      'arch/x/kvm/arm.c': ARM_FIXED.replace('\tvgic_sync_hwstate(vcpu);\n\tif (static_branch_unlikely', '\tvgic_sync_hwstate(vcpu);\n\tlocal_irq_enable();\n\tif (static_branch_unlikely'),
    })],
    ['the existing bug fixed, and another file\'s function broken', (t) => patchOf(t, {
      'arch/x/kvm/old.c': OLD_BUG.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();'),
      'arch/x/kvm/util.c': UTIL.replace('\treturn vcpu->mode == OUTSIDE_GUEST_MODE;', '\tguest_state_enter_irqoff();\n\treturn vcpu->mode == OUTSIDE_GUEST_MODE;'),
    })],
    ['generic code and both arches', (t) => patchOf(t, {
      'virt/kvm/kvm_main.c': GENERIC.replace('\tlocal_irq_restore(flags);', '\tlocal_irq_enable();'),
      'arch/y/kvm/run.c': TREE['arch/y/kvm/run.c']!.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();'),
    })],
    ['a header\'s static inline wrapper', (t) => patchOf(t, {
      'include/linux/kvm_host.h': TREE['include/linux/kvm_host.h']!.replace('#endif /* __DEMO_KVM_HOST_H */',
        'static inline void guest_exit_and_enable(void)\n{\n\tlocal_irq_enable();\n\tguest_exit();\n}\n\n#endif /* __DEMO_KVM_HOST_H */'),
      'arch/x/kvm/arm.c': ARM_FIXED.replace('\t\tguest_exit();\n\t\tlocal_irq_enable();\n', '\t\tguest_exit_and_enable();\n'),
    })],
    ['a new file and a deleted one', (t) => patchOf(t, {
      'arch/x/kvm/new.c': OLD_BUG.replace('vcpu_run_early_enable', 'new_run'),
    }).concat(deletion('arch/x/kvm/old.c', OLD_BUG))],
    // Arch code calling generic code that unmasks: only the whole scope sees the
    // callee (the default scope takes calls out of the arch's kvm directory to be
    // unknown callees, see the README), and then it reports what full scans do.
    ['--whole-scope: a new call into generic code that unmasks', (t) => patchOf(t, {
      'arch/x/kvm/arm.c': ARM_FIXED.replace(/(\t\tkvm_arm_sync_after_run\(vcpu\);.*\n)/, '$1\t\tkvm_generic_sync(vcpu);\n'),
    }), { wholeScope: true }],
  ];

  for (const [what, make, options] of variants) {
    it(what, async () => {
      const tree = makeKernelRepo(path.join(sandbox, 'eq', what.replace(/\W+/g, '-')));
      const patch = patchFile(`eq-${what.replace(/\W+/g, '-')}.patch`, make(tree));
      const before = snapshot(tree);
      const mode = await runPatchMode(patch, tree, { analyze: { rules: RULES }, render: () => '', ...options });
      expect(snapshot(tree)).toEqual(before);

      const copy = patchedCopy(tree, patch, what.replace(/\W+/g, '-'));
      const full = { before: await fullScan(tree), after: await fullScan(copy) };
      // Introduced and fixed: exactly the difference of the two full scans.
      const diff = (a: typeof full.before, b: typeof full.before) => {
        const other = new Set(b.fingerprints);
        return a.fingerprints.filter((fp) => !other.has(fp)).sort();
      };
      expect(mode.report.introduced.map((x) => x.fingerprint).sort()).toEqual(diff(full.after, full.before));
      expect(mode.report.fixed.map((x) => x.fingerprint).sort()).toEqual(diff(full.before, full.after));
      expect(mode.report.introduced.length + mode.report.fixed.length, 'each variant changes something').toBeGreaterThan(0);
      if (options?.wholeScope) expect(mode.report.scope).toEqual(['arch/x/kvm', 'arch/y/kvm', 'virt/kvm']);

      // For the functions in the files the patch touches, the patched side's findings
      // are exactly the full scan's, path, line, message, witness path and notes.
      const touched = new Set(mode.report.touched);
      const inTouched = (findings: Finding[], root: string) => findings.map((f) => relative(f, root))
        .filter((f) => touched.has(f.file)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      const afterRoot = mode.compared.after.root;
      expect(inTouched(mode.compared.after.result.findings, afterRoot)).toEqual(inTouched(full.after.findings, copy));
      expect(inTouched(mode.compared.before.result.findings, tree)).toEqual(inTouched(full.before.findings, tree));
      // And what patch mode reports about them is named in the user's tree.
      for (const x of mode.report.introduced) expect(path.resolve(x.finding.file).startsWith(tree + path.sep)).toBe(true);
    });
  }
});

// ---- interruption ------------------------------------------------------------------

describe('interrupted: the temporary directory goes, the tree stays', () => {
  let big: string;
  let bigPatch: string;
  beforeAll(() => {
    // Enough code for the analysis to take a while: 200 copies of the run loop.
    const extra: Record<string, string> = {};
    for (let i = 0; i < 200; i++) {
      extra[`arch/x/kvm/gen${i}.c`] = ARM_FIXED.replaceAll('kvm_arch_vcpu_ioctl_run', `run_${i}`)
        .replaceAll('check_vcpu_requests', `check_${i}`).replaceAll('kvm_arm_sync_after_run', `sync_${i}`);
    }
    big = makeKernelRepo(path.join(sandbox, 'big'), extra);
    bigPatch = patchFile('big.patch', patchOf(big, { 'arch/x/kvm/arm.c': ARM_BUGGY }));
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`by ${signal}`, async () => {
      expect(existsSync(path.join(repoDir, 'dist', 'cli', 'main.js')), 'build with `npx tsc -p .` first').toBe(true);
      const tmp = path.join(sandbox, `tmp-${signal}`);
      mkdirSync(tmp);
      const before = snapshot(big);
      const child = spawn(process.execPath, [bin, 'patch', bigPatch, '--tree', big], { env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
      // Wait for the scratch tree, then a little more (into the analysis).
      const started = Date.now();
      while (!readdirSync(tmp).some((d) => d.startsWith('eqscheck-')) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 5));
      expect(readdirSync(tmp).length, 'the command made its temporary directory').toBe(1);
      await new Promise((r) => setTimeout(r, 50));
      child.kill(signal);
      const result = await exited;
      expect(result.signal === signal || result.code === 128 + (signal === 'SIGINT' ? 2 : 15), JSON.stringify(result)).toBe(true);
      expect(readdirSync(tmp)).toEqual([]);
      expect(snapshot(big)).toEqual(before);
    });
  }
});
