// The parts of the patch mode on their own: reading a patch's names (quoted,
// CRLF, renames, mails), scratch trees that never write into the original, and
// temporary directories that go whatever happens (a throw, SIGINT, SIGTERM).
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainApplyFailure } from '../src/patch/apply.js';
import { parsePatch, touchedPaths } from '../src/patch/patch-file.js';
import { scopeOf } from '../src/patch/scope.js';
import { decodeHeader, splitSeries } from '../src/patch/series.js';
import { ScratchTree } from '../src/patch/scratch.js';
import { TempSpace, liveTempSpaces, withTempSpace } from '../src/patch/temp.js';
import { TREE, snapshot, writeTree } from './helpers/kernel-tree.js';

const repoDir = path.join(__dirname, '..');
let sandbox: string;

beforeAll(() => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-parts-test-'));
});

afterAll(() => {
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

const parse = (text: string) => parsePatch('p.patch', Buffer.from(text, 'utf8'));

describe('parsePatch', () => {
  it('reads quoted names, CRLF line ends and hunk positions', () => {
    const p = parse('diff --git "a/arch/x/kvm/t\\303\\251st.c" "b/arch/x/kvm/t\\303\\251st.c"\r\nindex 1..2 100644\r\n' +
      '--- "a/arch/x/kvm/t\\303\\251st.c"\r\n+++ "b/arch/x/kvm/t\\303\\251st.c"\r\n@@ -3,2 +3,3 @@ int f(void)\r\n a\r\n+b\r\n c\r\n');
    expect(p.files).toEqual([{ oldPath: 'arch/x/kvm/tést.c', newPath: 'arch/x/kvm/tést.c', line: 1,
      hunks: [{ oldStart: 3, oldLines: 2, newStart: 3, newLines: 3, header: '@@ -3,2 +3,3 @@', line: 5 }] }]);
  });

  it('names both sides of renames and copies, and new and deleted files', () => {
    const p = parse('diff --git a/a/x.c b/b/y.c\nsimilarity index 90%\nrename from a/x.c\nrename to b/y.c\n--- a/a/x.c\n+++ b/b/y.c\n@@ -1 +1 @@\n-x\n+y\n' +
      'diff --git a/c.c b/d.c\ncopy from c.c\ncopy to d.c\n' +
      'diff --git a/new.c b/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/new.c\n@@ -0,0 +1 @@\n+n\n' +
      'diff --git a/old.c b/old.c\ndeleted file mode 100644\n--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n' +
      'diff --git a/mode.sh b/mode.sh\nold mode 100644\nnew mode 100755\n');
    expect(p.files.map((f) => [f.oldPath, f.newPath])).toEqual([
      ['a/x.c', 'b/y.c'], ['c.c', 'd.c'], [null, 'new.c'], ['old.c', null], ['mode.sh', 'mode.sh'],
    ]);
    expect(touchedPaths(p)).toEqual(['a/x.c', 'b/y.c', 'c.c', 'd.c', 'mode.sh', 'new.c', 'old.c']);
  });

  it('skips a mail\'s headers, message and signature; counts "\\ No newline" lines right', () => {
    const p = parse('From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n--- not a header\nbody\n---\n x.c | 2 +-\n\n' +
      'diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n-- \n2.39.5\n');
    expect(p.files.map((f) => [f.oldPath, f.hunks.length])).toEqual([['x.c', 1]]);
  });

  it('names the hunk that does not apply from git apply\'s line', () => {
    const p = parse('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n@@ -40,2 +40,2 @@ f()\n-d\n+e\n f\n');
    expect(explainApplyFailure(p, 'error: patch failed: x.c:40\nerror: x.c: patch does not apply\n'))
      .toBe('patch does not apply: x.c: hunk 2 of 2 (@@ -40,2 +40,2 @@, patch line 7) does not match the tree (its context or removed lines differ)');
    expect(explainApplyFailure(p, 'error: corrupt patch at line 9\n')).toBe('malformed patch at line 9: git apply reads it as corrupt');
    expect(explainApplyFailure(p, 'fatal: something else\n')).toBe('patch does not apply: something else');
  });
});

describe('splitSeries', () => {
  const mail = (commit: string, subject: string, body: string, file: string) =>
    `From ${commit} Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: ${subject}\n\n${body}\n---\n\n` +
    `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.5\n\n`;
  const cover = mail('0'.repeat(40), '[PATCH 0/2] KVM: x: two things', '*** BLURB ***', 'x.c').replace(/\n---\n[\s\S]*$/, '\n-- \n2.39.5\n\n');
  const first = mail('1'.repeat(40), '[PATCH 1/2] =?UTF-8?q?KVM:=20x:=20caf=C3=A9?=\n =?UTF-8?b?IOKAlCBubyBjaGFuZ2U=?=',
    // A line of the message that starts with "From " is not a separator.
    'From the spec:\nSigned-off-by: A <a@example.org>', 'a.c');
  const second = mail('2'.repeat(40), '[PATCH 2/2] KVM: x: a subject long enough\n\tto be folded', 'Body.', 'b.c');

  it('cuts an mbox into its patches: subjects unfolded and decoded, the cover letter left out, the input\'s lines kept', () => {
    const text = cover + first + second;
    const whole = parse(text);
    const series = splitSeries(whole);
    expect(series.map((p) => [p.index, p.subject, p.patch.files.map((f) => f.newPath)])).toEqual([
      [1, '[PATCH 1/2] KVM: x: café — no change', ['a.c']],
      [2, '[PATCH 2/2] KVM: x: a subject long enough to be folded', ['b.c']],
    ]);
    const lineOf = (needle: string) => text.split('\n').indexOf(needle) + 1;
    expect(series.map((p) => p.patch.firstLine)).toEqual([lineOf(`From ${'1'.repeat(40)} Mon Sep 17 00:00:00 2001`), lineOf(`From ${'2'.repeat(40)} Mon Sep 17 00:00:00 2001`)]);
    expect(series[1]!.patch.files[0]!.line).toBe(lineOf('diff --git a/b.c b/b.c'));
    expect(series[1]!.patch.bytes.toString()).toBe(second);
    // git apply counts the lines of the message it is given; messages name the input's.
    expect(explainApplyFailure(series[1]!.patch, 'error: corrupt patch at line 3\n'))
      .toBe(`malformed patch at line ${series[1]!.patch.firstLine + 2}: git apply reads it as corrupt`);
  });

  it('takes a diff, or a mail without its separator line, as a series of one', () => {
    const diff = '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n';
    expect(splitSeries(parse(diff)).map((p) => [p.index, p.subject, p.patch.firstLine])).toEqual([[1, 'p.patch', 1]]);
    const saved = first.slice(first.indexOf('\n') + 1);
    expect(splitSeries(parse(saved)).map((p) => p.subject)).toEqual(['[PATCH 1/2] KVM: x: café — no change']);
  });

  it('leaves out a thread\'s replies, with or without a diff, and refuses another message without one', () => {
    const review = mail('3'.repeat(40), 'Re: [PATCH 1/2] KVM: x: café', 'Looks good, but:', 'c.c');
    const ack = mail('4'.repeat(40), 'RE: [PATCH 2/2] KVM: x: a subject', 'Acked-by: B <b@example.org>', 'x.c').replace(/\n---\n[\s\S]*$/, '\n');
    expect(splitSeries(parse(first + review + second + ack)).map((p) => [p.index, p.patch.files.map((f) => f.newPath)])).toEqual([[1, ['a.c']], [2, ['b.c']]]);
    const notes = mail('5'.repeat(40), '[PATCH 2/3] KVM: x: the diff went missing', 'Body.', 'x.c').replace(/\n---\n[\s\S]*$/, '\n');
    expect(() => splitSeries(parse(first + notes + second))).toThrow(
      `p.patch: the message at line ${first.split('\n').length} ([PATCH 2/3] KVM: x: the diff went missing) holds no diff: it is not a patch of the series`);
  });

  it('decodes RFC 2047 words as git writes them, and leaves an unknown charset as written', () => {
    expect(decodeHeader(' =?UTF-8?q?a=5Fb_c?= =?UTF-8?q?=C3=A9?= plain')).toBe(' a_b cé plain');
    expect(decodeHeader('=?x-unknown?q?a?=')).toBe('=?x-unknown?q?a?=');
  });
});

describe('scopeOf', () => {
  it('kernel trees: the touched arches\' kvm directories; generic code: every one', () => {
    const tree = path.join(sandbox, 'scope');
    writeTree(tree, TREE);
    expect(scopeOf(['arch/x/kvm/arm.c', 'arch/x/include/asm/kvm_host.h', 'Documentation/x.rst'], [tree]).dirs).toEqual(['arch/x/kvm', 'virt/kvm']);
    expect(scopeOf(['arch/y/Kconfig'], [tree]).dirs).toEqual(['arch/y/kvm', 'virt/kvm']);
    expect(scopeOf(['arch/z/kvm/new.c'], [tree]).dirs).toEqual(['arch/z/kvm', 'virt/kvm']);
    expect(scopeOf(['arch/arm/mm/init.c', 'kernel/sched/core.c', 'README'], [tree]).dirs).toEqual([]);
    for (const generic of ['virt/kvm/kvm_main.c', 'include/linux/kvm_host.h', 'kernel/entry/common.h']) {
      expect(scopeOf([generic], [tree])).toEqual({ dirs: ['arch/x/kvm', 'arch/y/kvm', 'virt/kvm'], kernel: true, whole: true });
    }
    expect(scopeOf(['arch/x/kvm/arm.c'], [tree], { whole: true }).dirs).toEqual(['arch/x/kvm', 'arch/y/kvm', 'virt/kvm']);
  });

  it('other trees: the touched C files\' directories, the whole tree for a header', () => {
    const tree = path.join(sandbox, 'plain');
    writeTree(tree, { 'a/x.c': '', 'a/b/y.c': '', 'c/z.c': '' });
    expect(scopeOf(['a/b/y.c', 'a/x.c', 'c/z.c', 'c/notes.txt'], [tree]).dirs).toEqual(['a', 'c']);
    expect(scopeOf(['a/b/y.c'], [tree]).dirs).toEqual(['a/b']);
    expect(scopeOf(['top.c'], [tree]).dirs).toEqual(['']);
    expect(scopeOf(['c/z.h'], [tree]).dirs).toEqual(['']);
  });
});

describe('ScratchTree', () => {
  it('copies the scanned directories\' sources, links the rest, and never writes into the original', () => {
    const tree = path.join(sandbox, 'orig');
    writeTree(tree, { ...TREE, 'arch/x/kvm/Makefile': 'obj-y += arm.o\n', 'arch/x/kvm/sub/deep.c': 'int d;\n' });
    const before = snapshot(tree);
    mkdirSync(path.join(tree, '.git'));
    writeFileSync(path.join(tree, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const scratch = new ScratchTree(tree, path.join(sandbox, 'scratch'));
    scratch.copyDir('arch/x/kvm');
    scratch.putFile('include/linux/kvm_host.h', { kind: 'copy' });
    scratch.putFile('arch/y/kvm/new.c', { kind: 'data', data: Buffer.from('int n;\n') });
    scratch.putFile('arch/x/kvm/old.c', { kind: 'absent' });
    const kind = (rel: string) => {
      const st = lstatSync(scratch.at(rel));
      return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
    };
    expect(existsSync(scratch.at('.git'))).toBe(false);
    expect(['Makefile', 'virt', 'arch', 'arch/x', 'arch/x/Kconfig', 'arch/x/kvm', 'arch/x/kvm/arm.c', 'arch/x/kvm/sub/deep.c',
      'arch/x/kvm/Makefile', 'include', 'include/linux', 'include/linux/kvm_host.h', 'arch/y', 'arch/y/kvm', 'arch/y/kvm/run.c', 'arch/y/kvm/new.c']
      .map((r) => `${r}: ${kind(r)}`)).toEqual([
      'Makefile: link', 'virt: link', 'arch: dir', 'arch/x: dir', 'arch/x/Kconfig: link', 'arch/x/kvm: dir', 'arch/x/kvm/arm.c: file',
      'arch/x/kvm/sub/deep.c: file', 'arch/x/kvm/Makefile: link', 'include: dir', 'include/linux: dir', 'include/linux/kvm_host.h: file',
      'arch/y: dir', 'arch/y/kvm: dir', 'arch/y/kvm/run.c: link', 'arch/y/kvm/new.c: file',
    ]);
    expect(existsSync(scratch.at('arch/x/kvm/old.c'))).toBe(false);
    // Writing every real file of the scratch tree leaves the original as it was.
    for (const rel of ['arch/x/kvm/arm.c', 'arch/x/kvm/sub/deep.c', 'include/linux/kvm_host.h', 'arch/y/kvm/new.c']) writeFileSync(scratch.at(rel), 'changed\n');
    rmSync(scratch.root, { recursive: true });
    expect(readdirSync(path.join(tree, '.git'))).toEqual(['HEAD']);
    rmSync(path.join(tree, '.git'), { recursive: true });
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('TempSpace', () => {
  it('goes when the work throws, and leaves no signal handler behind', async () => {
    const listeners = process.listenerCount('SIGINT');
    let dir = '';
    await expect(withTempSpace(async (space) => {
      dir = space.dir;
      writeFileSync(space.path('x'), 'x');
      expect(process.listenerCount('SIGINT')).toBe(listeners + 1);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(existsSync(dir)).toBe(false);
    expect(liveTempSpaces()).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`goes on ${signal}, links removed and never followed; the signal then ends the process`, async () => {
      const temp = path.join(repoDir, 'dist', 'patch', 'temp.js');
      expect(existsSync(temp), 'build with `npx tsc -p .` first').toBe(true);
      const outside = path.join(sandbox, `outside-${signal}`);
      writeTree(outside, { 'keep.c': 'int keep;\n' });
      const script = `import { TempSpace } from ${JSON.stringify(pathToFileURL(temp).href)};
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
const space = new TempSpace();
mkdirSync(space.path('tree'));
writeFileSync(space.path('tree', 'a.c'), 'int a;\\n');
symlinkSync(${JSON.stringify(outside)}, space.path('tree', 'link'));
symlinkSync(${JSON.stringify(path.join(outside, 'keep.c'))}, space.path('tree', 'file-link'));
process.stdout.write(space.dir + '\\n');
setInterval(() => {}, 1000);
`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const dir = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString('utf8').trim())));
      expect(existsSync(path.join(dir, 'tree', 'a.c'))).toBe(true);
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
      child.kill(signal);
      expect(await exited).toEqual({ code: null, signal });
      expect(existsSync(dir)).toBe(false);
      expect(readdirSync(outside)).toEqual(['keep.c']);
      expect(readFileSync(path.join(outside, 'keep.c'), 'utf8')).toBe('int keep;\n');
    });
  }

  it('is made under os.tmpdir() with an eqscheck- prefix', () => {
    const space = new TempSpace();
    try {
      expect(path.dirname(space.dir)).toBe(os.tmpdir());
      expect(path.basename(space.dir)).toMatch(/^eqscheck-/);
    } finally {
      space.dispose();
    }
    expect(existsSync(space.dir)).toBe(false);
  });
});
