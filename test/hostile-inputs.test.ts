// What eqscheck reads and trusts (issue 12, the inputs half): each bad input of
// the issue made by a few lines of generator, and what the user must see — a
// one-line error and exit 2, or a run that names in its summary what it did not
// read; never a hang, a stack trace, a read outside the tree, or a deleted file.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { Cache, MARKER } from '../src/cache/cache.js';
import { internalErrorMessage } from '../src/cli/main.js';
import { during, InputError, InternalError } from '../src/errors.js';
import { readRegularFile } from '../src/io/read-file.js';
import { makeKernelRepo, patchOf, run, writeTree } from './helpers/kernel-tree.js';
import { CLEAN_RUN_LOOP } from './helpers/run-loop.js';

const repoDir = path.join(__dirname, '..');
const bin = path.join(repoDir, 'bin', 'eqscheck.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-hostile-'));
afterAll(() => {
  chmodAll(tmp);
  rmSync(tmp, { recursive: true, force: true });
});

function chmodAll(dir: string): void {
  try { chmodSync(dir, 0o755); } catch { /* gone */ }
}

const isRoot = process.getuid?.() === 0;

const CLEAN = CLEAN_RUN_LOOP;
const BUGGY = CLEAN.replace('\t__guest_run(vcpu);\n', '\t__guest_run(vcpu);\n\tlocal_irq_enable();\n');

let dirs = 0;
function freshDir(files: Record<string, string | Buffer> = {}): string {
  const dir = path.join(tmp, `d${dirs++}`);
  mkdirSync(dir, { recursive: true });
  writeTree(dir, files);
  return dir;
}

function oneLine(stderr: string): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

function skippedLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('eqscheck: skipped '));
}

function spawnBin(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  expect(existsSync(path.join(repoDir, 'dist', 'cli', 'main.js')), 'build with `npx tsc -p .` first').toBe(true);
  return spawnSync(process.execPath, [bin, ...args], { cwd: repoDir, encoding: 'utf8', timeout: 60_000, ...options });
}

describe('only regular files are read', () => {
  it('a FIFO named y.c on the command line is exit 2 at once, not a blocked read', async () => {
    const dir = freshDir();
    const fifo = path.join(dir, 'y.c');
    spawnSync('mkfifo', [fifo]);
    const r = await run(['scan', fifo]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toBe(`eqscheck: error: ${fifo}: is a FIFO (named pipe), not a regular file\n`);
  });

  it('in a scanned directory: a FIFO, a directory named d.c, a dangling link and a link are each skipped and named, with -q too', async () => {
    const dir = freshDir({ 'run.c': BUGGY, 'd.c/inner.c': CLEAN });
    spawnSync('mkfifo', [path.join(dir, 'fifo.c')]);
    symlinkSync(path.join(dir, 'nowhere.c'), path.join(dir, 'dangling.c'));
    symlinkSync('/etc/hostname', path.join(dir, 'outside.h'));
    const r = await run(['scan', dir]);
    expect(r.code).toBe(1); // default --fail-on note: the findings decide
    expect(skippedLines(r.stdout)).toEqual([
      `eqscheck: skipped ${path.join(dir, 'd.c')}: is a directory, not a file`,
      `eqscheck: skipped ${path.join(dir, 'dangling.c')}: a symbolic link (not followed inside a scanned directory)`,
      `eqscheck: skipped ${path.join(dir, 'fifo.c')}: is a FIFO (named pipe), not a regular file`,
      `eqscheck: skipped ${path.join(dir, 'outside.h')}: a symbolic link (not followed inside a scanned directory)`,
    ]);
    expect(r.stdout).toMatch(/^eqscheck: 1 finding: 1 error \(1 irq-enabled-in-eqs\); 2 files/m);
    const quiet = await run(['scan', '-q', dir]);
    expect(skippedLines(quiet.stdout)).toEqual(skippedLines(r.stdout));
    expect((await run(['scan', '--fail-on', 'note,skipped', dir])).code).toBe(2); // skipped files win over findings
    expect((await run(['scan', '--fail-on', 'none', dir])).code).toBe(0);
    expect((await run(['scan', '--fail-on', 'none,skipped', dir])).code).toBe(2);
    const json = JSON.parse((await run(['scan', '-f', 'json', dir])).stdout);
    expect(json.summary.skippedFiles.map((k: { file: string }) => path.basename(k.file))).toEqual(['d.c', 'dangling.c', 'fifo.c', 'outside.h']);
  });

  it.skipIf(isRoot)('an unreadable subdirectory is named', async () => {
    const dir = freshDir({ 'run.c': CLEAN, 'locked/x.c': CLEAN });
    chmodSync(path.join(dir, 'locked'), 0);
    const r = await run(['scan', dir]);
    chmodAll(path.join(dir, 'locked'));
    expect(skippedLines(r.stdout)).toEqual([`eqscheck: skipped ${path.join(dir, 'locked')}: directory not read (permission denied)`]);
    expect(r.code).toBe(2);
  });

  it('the reader refuses devices and FIFOs before it opens them, and reads no more than the cap', () => {
    expect(() => readRegularFile('/dev/zero')).toThrow(new InputError('/dev/zero', 'is a device, not a regular file'));
    const dir = freshDir({ 'big.c': 'x'.repeat(3000) });
    expect(() => readRegularFile(path.join(dir, 'big.c'), 2048)).toThrow(/larger than the size cap \(2\.9 KB > 2\.0 KB; see --max-file-size\)/);
    expect(readRegularFile(path.join(dir, 'big.c'), 3000).length).toBe(3000);
  });
});

describe('--max-file-size', () => {
  const big = CLEAN + `/* ${'x'.repeat(4096)} */\n`;

  it('a file found in a directory beyond the cap is skipped with a notice; one named is exit 2', async () => {
    const dir = freshDir({ 'run.c': BUGGY, 'big.c': big });
    const r = await run(['scan', '--max-file-size', '4K', dir]);
    expect(skippedLines(r.stdout)).toEqual([`eqscheck: skipped ${path.join(dir, 'big.c')}: larger than the size cap (4.2 KB > 4.0 KB; see --max-file-size)`]);
    expect(r.code).toBe(1);
    expect((await run(['scan', '--max-file-size', '4K', '--fail-on', 'note,skipped', dir])).code).toBe(2);
    expect((await run(['scan', '--max-file-size', '8K', dir])).code).toBe(1);
    const named = await run(['scan', '--max-file-size', '4K', path.join(dir, 'big.c')]);
    expect(named.code).toBe(2);
    oneLine(named.stderr);
    expect(named.stderr).toContain('larger than the size cap');
  });

  it('a header beyond the cap is read as empty and named', async () => {
    const root = freshDir({
      'Makefile': '', 'include/linux/huge.h': `static inline void helper(void) { }\n/* ${'y'.repeat(5000)} */\n`,
      'arch/x/kvm/run.c': `#include <linux/huge.h>\n${BUGGY}`,
    });
    const r = await run(['scan', '--max-file-size', '4K', path.join(root, 'arch/x/kvm')]);
    expect(skippedLines(r.stdout)).toEqual([
      `eqscheck: skipped ${path.join(root, 'include/linux/huge.h')}: header not read: larger than the size cap (4.9 KB > 4.0 KB; see --max-file-size)`,
    ]);
    expect(r.code).toBe(1);
  });

  it('wants a size', async () => {
    for (const bad of ['', '0', 'lots', '-1M']) {
      const r = await run(['scan', '--max-file-size', bad, freshDir({ 'a.c': CLEAN })]);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
    }
  });
});

describe('includes stay inside the tree', () => {
  const ESCAPE = `#include "${'../'.repeat(12)}dev/zero"\n${CLEAN}`;

  it('#include "../../…/dev/zero" is named, not read; a header linked to /dev/zero, or a FIFO, is named, not read', async () => {
    const root = freshDir({ 'Makefile': '', 'include/linux/ok.h': '#define OK 1\n', 'arch/x/kvm/zz.c': ESCAPE,
      'arch/x/kvm/link.c': `#include <linux/zero.h>\n${CLEAN}`, 'arch/x/kvm/pipe.c': `#include <linux/pipe.h>\n${CLEAN}` });
    symlinkSync('/dev/zero', path.join(root, 'include/linux/zero.h'));
    spawnSync('mkfifo', [path.join(root, 'include/linux/pipe.h')]);
    const started = Date.now();
    const r = await run(['scan', path.join(root, 'arch/x/kvm')]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(skippedLines(r.stdout)).toEqual([
      `eqscheck: skipped #include "${'../'.repeat(12)}dev/zero" in ${path.join(root, 'arch/x/kvm/zz.c')}: leads outside the tree: not followed`,
      `eqscheck: skipped ${path.join(root, 'include/linux/pipe.h')}: header not read: is a FIFO (named pipe), not a regular file`,
      `eqscheck: skipped ${path.join(root, 'include/linux/zero.h')}: header not read: a symbolic link to /dev/zero, outside the tree`,
    ]);
    expect(r.code).toBe(0);
  });

  it('outside a kernel tree, includes stay inside the directories scanned', async () => {
    const dir = freshDir({ 'outside.h': 'static inline void flush(void) { local_irq_enable(); }\n',
      'scanned/run.c': `#include "../outside.h"\n${CLEAN.replace('__guest_run(vcpu);', '__guest_run(vcpu);\n\tflush();')}` });
    const r = await run(['scan', path.join(dir, 'scanned')]);
    expect(skippedLines(r.stdout)).toEqual([`eqscheck: skipped #include "../outside.h" in ${path.join(dir, 'scanned', 'run.c')}: leads outside the tree: not followed`]);
    // Scanned from the directory above, the header is inside: its unmask is found.
    const wider = await run(['scan', '--fail-on', 'note', dir]);
    expect(skippedLines(wider.stdout)).toEqual([]);
    expect(wider.code).toBe(1);
  });

  // flush() unmasks: where the header defining it is read, the run loop that calls it in its window has a finding.
  const FLUSH = 'static inline void flush(void) { local_irq_enable(); }\n';
  const CALLS_FLUSH = (include: string) => `#include ${include}\n${CLEAN.replace('__guest_run(vcpu);', '__guest_run(vcpu);\n\tflush();')}`;

  it('a header that is a link to a file outside the kernel tree is named, not read; a link inside the tree is followed', async () => {
    const outside = freshDir({ 'flush.h': FLUSH });
    const root = freshDir({ 'Makefile': '', 'include/linux/ok.h': '#define OK 1\n', 'lib/flush.h': FLUSH,
      'arch/x/kvm/run.c': CALLS_FLUSH('<linux/flush.h>') });
    symlinkSync(path.join(outside, 'flush.h'), path.join(root, 'include/linux/flush.h'));
    const r = await run(['scan', path.join(root, 'arch/x/kvm')]);
    expect(skippedLines(r.stdout)).toEqual([
      `eqscheck: skipped ${path.join(root, 'include/linux/flush.h')}: header not read: a symbolic link to ${realpathSync(path.join(outside, 'flush.h'))}, outside the tree`,
    ]);
    expect(r.code).toBe(0);
    expect((await run(['scan', '--fail-on', 'note,skipped', path.join(root, 'arch/x/kvm')])).code).toBe(2);
    // The same link, relative and to a file of the tree: read, and its unmask found.
    rmSync(path.join(root, 'include/linux/flush.h'));
    symlinkSync('../../lib/flush.h', path.join(root, 'include/linux/flush.h'));
    const inside = await run(['scan', '--fail-on', 'note', path.join(root, 'arch/x/kvm')]);
    expect(skippedLines(inside.stdout)).toEqual([]);
    expect(inside.code).toBe(1);
  });

  it('outside a kernel tree, a header linked out of the directories scanned is named, not read', async () => {
    const dir = freshDir({ 'outside.h': FLUSH, 'scanned/run.c': CALLS_FLUSH('"link.h"') });
    symlinkSync('../outside.h', path.join(dir, 'scanned', 'link.h'));
    const r = await run(['scan', path.join(dir, 'scanned')]);
    expect(skippedLines(r.stdout)).toEqual([
      `eqscheck: skipped ${path.join(dir, 'scanned', 'link.h')}: a symbolic link (not followed inside a scanned directory)`,
      `eqscheck: skipped ${path.join(dir, 'scanned', 'link.h')}: header not read: a symbolic link to ${realpathSync(path.join(dir, 'outside.h'))}, outside the tree`,
    ]);
    expect(r.code).toBe(0);
    // Scanned from the directory above, the link leads inside: followed.
    const wider = await run(['scan', '--fail-on', 'note', path.join(dir, 'scanned'), path.join(dir, 'outside.h')]);
    expect(wider.code).toBe(1);
  });

  it('a directory of the default scope that links out of the kernel tree is named, not scanned; named itself, it is scanned', async () => {
    const outside = freshDir({ 'kvm/run.c': CLEAN.replace('__guest_run(vcpu);', '__guest_run(vcpu);\n\tlocal_irq_enable();') });
    const root = freshDir({ 'Makefile': '', 'include/linux/ok.h': '#define OK 1\n', 'arch/x/kvm/run.c': CLEAN });
    mkdirSync(path.join(root, 'arch/y'));
    symlinkSync(path.join(outside, 'kvm'), path.join(root, 'arch/y/kvm'));
    const r = await run(['scan', root]);
    expect(skippedLines(r.stdout)).toEqual([
      `eqscheck: skipped ${path.join(root, 'arch/y/kvm')}: a symbolic link to ${realpathSync(path.join(outside, 'kvm'))}, outside the tree: not scanned`,
    ]);
    expect(r.code).toBe(0);
    expect((await run(['scan', path.join(root, 'arch/y/kvm')])).code).toBe(1);
  });

  it('a patch adding a file that includes /dev/zero through ../ does not read it', async () => {
    const repo = makeKernelRepo(path.join(tmp, 'zero-repo'));
    const patch = path.join(tmp, 'zero.patch');
    writeFileSync(patch, patchOf(repo, { 'arch/x/kvm/zz.c': ESCAPE }));
    const started = Date.now();
    const r = await run(['patch', patch, '--tree', repo]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout).toMatch(/^eqscheck: skipped #include "(\.\.\/)+dev\/zero" in .*arch\/x\/kvm\/zz\.c: leads outside the tree: not followed$/m);
    expect(r.code).toBe(0);
  });
});

describe('patch and diff: a touched file that cannot be analysed is an error', () => {
  it('a patch that unmasks in a window and puts a NUL in the file is exit 2 naming it, not "introduced: none"', async () => {
    const repo = makeKernelRepo(path.join(tmp, 'nul-repo'));
    const arm = readFileSync(path.join(repo, 'arch/x/kvm/arm.c'), 'utf8');
    const evil = Buffer.from(arm.replace('guest_exit();', 'local_irq_enable();\n\t\tguest_exit();').replace('*/', '\0*/'), 'latin1');
    const patch = path.join(tmp, 'nul.patch');
    writeFileSync(patch, patchOf(repo, { 'arch/x/kvm/arm.c': evil }, ['--text']));
    const r = await run(['patch', patch, '--tree', repo]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/arch\/x\/kvm\/arm\.c cannot be analysed \(binary file \(contains NUL bytes\), not C source\): the change cannot be checked/);
  });
});

describe('files given are validated by shape', () => {
  const tree = (): string => freshDir({ 'run.c': CLEAN });

  it('a model entry field of the wrong type is one line naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ interrupts: { toString: 1 } }, /entries\.f\.interrupts: expected a string \(one of on, off\), not an object$/],
      [{ context: ['guest'], why: 'x' }, /entries\.f\.context: expected a string \(one of kernel, guest, user, idle\), not an array$/],
      [{ accounting: 5, why: 'x' }, /entries\.f\.accounting: expected a string \(one of on, off\), not a number$/],
    ];
    for (const [fact, message] of cases) {
      const model = path.join(tmp, `model-${dirs++}.json`);
      writeFileSync(model, JSON.stringify({ entries: { f: fact } }));
      const r = await run(['scan', '--model', model, tree()]);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  });

  it('a baseline whose runs or results have the wrong type is one line naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ runs: null }, 'runs: expected an array, not null'],
      [{ runs: [{ results: null }] }, 'runs[0].results: expected an array, not null'],
      [{ runs: [{ results: 5 }] }, 'runs[0].results: expected an array, not a number'],
      [{ runs: [null] }, 'runs[0]: expected an object, not null'],
      [{ runs: [{ results: [5] }] }, 'runs[0].results[0]: expected an object, not a number'],
      [{ findings: {} }, 'findings: expected an array, not an object'],
    ];
    for (const [doc, message] of cases) {
      const baseline = path.join(tmp, `baseline-${dirs++}.sarif`);
      writeFileSync(baseline, JSON.stringify(doc));
      const r = await run(['scan', '--baseline', baseline, tree()]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`eqscheck: error: ${baseline}: ${message}\n`);
    }
  });

  it('--model, --baseline and patch of /dev/zero are refused before reading', async () => {
    for (const args of [['scan', '--model', '/dev/zero', tree()], ['scan', '--baseline', '/dev/zero', tree()], ['patch', '/dev/zero', '--tree', tree()]]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/\/dev\/zero: .*is a device, not a regular file/);
    }
  });

  it('empty option values are refused: -r ",", -o "", --cache-dir "", -D "", -m ""', async () => {
    for (const args of [['-r', ','], ['-r', ''], ['-o', ''], ['--cache-dir', ''], ['-D', ''], ['-D', 'A B'], ['-m', ''], ['--baseline', '']]) {
      const r = await run(['scan', ...args, tree()]);
      expect(r.code, args.join(' ')).toBe(2);
      oneLine(r.stderr);
      expect(r.stdout).toBe('');
    }
  });
});

describe('the cache trusts and deletes only what it wrote', () => {
  const scan = (tree: string, cache: string) => run(['scan', tree, '--format', 'json', '--cache-dir', cache]);

  it('a user\'s directory named with 16 hex digits survives; another build\'s marked directory is pruned', async () => {
    const tree = freshDir({ 'run.c': BUGGY });
    const cache = path.join(tmp, 'cache-prune');
    writeTree(cache, { '0123456789abcdef/precious.txt': 'mine\n', 'fedcba9876543210/kernel.pack': 'x' });
    // An older build of eqscheck, as this one would have written it (a marker naming it).
    const old = new Cache(cache, 'aaaaaaaaaaaaaaaa');
    old.put('index', 'k', 1);
    old.save();
    writeFileSync(path.join(cache, 'fedcba9876543210', MARKER), 'Signature: 8a477f597d28d172789f06886806bc55\n# eqscheck-build: someone-else\n');
    expect((await scan(tree, cache)).code).toBe(1);
    expect(readFileSync(path.join(cache, '0123456789abcdef/precious.txt'), 'utf8')).toBe('mine\n');
    expect(existsSync(path.join(cache, 'fedcba9876543210/kernel.pack'))).toBe(true);
    expect(existsSync(path.join(cache, 'aaaaaaaaaaaaaaaa'))).toBe(false);
    const [ours] = readdirSync(cache).filter((d) => !['0123456789abcdef', 'fedcba9876543210'].includes(d));
    expect(readFileSync(path.join(cache, ours!, MARKER), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n[^]*# eqscheck-build: [0-9a-f]{16}\n/);
  });

  it('a pruned build directory that holds a file of the user\'s keeps it', () => {
    const cache = path.join(tmp, 'cache-mixed');
    const old = new Cache(cache, 'bbbbbbbbbbbbbbbb');
    old.put('index', 'k', 1);
    old.save();
    writeFileSync(path.join(cache, 'bbbbbbbbbbbbbbbb', 'notes.txt'), 'mine\n');
    const now = new Cache(cache, 'cccccccccccccccc');
    now.put('index', 'k', 2);
    now.save();
    expect(readdirSync(path.join(cache, 'bbbbbbbbbbbbbbbb'))).toEqual(['notes.txt']);
  });

  it('entries that parse but are wrong (a flipped byte; entries from another cache under this one\'s keys) are dropped with a notice and recomputed', async () => {
    const tree = freshDir({ 'run.c': BUGGY, 'other.c': CLEAN.replace('vcpu_run', 'other_run') });
    const elsewhere = freshDir({ 'run.c': CLEAN, 'other.c': CLEAN.replace('vcpu_run', 'other_run') });
    const reference = (await run(['scan', tree, '--format', 'json', '--no-cache'])).stdout;
    type Stored = { format: number; entries: Map<string, { data: Uint8Array }> };
    const packs = (cache: string): [string, Stored][] => {
      const [build] = readdirSync(cache);
      return readdirSync(path.join(cache, build!)).filter((f) => f.endsWith('.pack'))
        .map((f) => [path.join(cache, build!, f), v8.deserialize(readFileSync(path.join(cache, build!, f))) as Stored]);
    };
    const otherCache = path.join(tmp, 'cache-elsewhere');
    await scan(elsewhere, otherCache);
    const theirs = new Map(packs(otherCache).map(([p, stored]) => [path.basename(p), [...stored.entries.values()]]));
    for (const damage of ['flip', 'elsewhere'] as const) {
      const cache = path.join(tmp, `cache-${damage}`);
      expect((await scan(tree, cache)).stdout).toBe(reference);
      for (const [p, stored] of packs(cache)) {
        const other = theirs.get(path.basename(p)) ?? [];
        [...stored.entries.keys()].forEach((key, i) => {
          if (damage === 'flip') stored.entries.get(key)!.data[0] ^= 1;
          else if (other.length) stored.entries.set(key, other[i % other.length]!);
        });
        writeFileSync(p, v8.serialize(stored));
      }
      const again = await scan(tree, cache);
      expect(again.stdout, damage).toBe(reference);
      expect(again.stderr, damage).toMatch(/^eqscheck: cache entries in .* are damaged or not eqscheck's: dropped, their results computed again\n$/);
      const healed = await scan(tree, cache);
      expect(healed.stdout).toBe(reference);
      expect(healed.stderr).toBe('');
    }
  });

  it('a cache directory that cannot be made (/proc/eqs) is one warning and a run without it', async () => {
    const tree = freshDir({ 'run.c': BUGGY });
    const started = Date.now();
    const r = await scan(tree, '/proc/eqs');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^eqscheck: cannot write the cache under \/proc\/eqs \([A-Z]+\); going on without it\n$/);
    expect(r.stdout).toBe((await run(['scan', tree, '--format', 'json', '--no-cache'])).stdout);
  });
});

describe('exit 3 is a bug, in one line', () => {
  it('an internal error names what was being analysed; EQSCHECK_DEBUG=1 adds the trace', () => {
    let err: unknown;
    try {
      during('building arch/x/kvm/deep.c', () => { throw new RangeError('Maximum call stack size exceeded'); });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InternalError);
    const saved = process.env['EQSCHECK_DEBUG'];
    delete process.env['EQSCHECK_DEBUG'];
    try {
      const line = internalErrorMessage(err);
      expect(line).toMatch(/^eqscheck: internal error while building arch\/x\/kvm\/deep\.c: RangeError: Maximum call stack size exceeded; this is a bug of eqscheck: please report it/);
      expect(line.trimEnd().split('\n')).toHaveLength(1);
      process.env['EQSCHECK_DEBUG'] = '1';
      expect(internalErrorMessage(err)).toMatch(/\n\s+at /);
    } finally {
      if (saved === undefined) delete process.env['EQSCHECK_DEBUG'];
      else process.env['EQSCHECK_DEBUG'] = saved;
    }
    // Input errors are not bugs: they pass through as they are.
    expect(() => during('x', () => { throw new InputError('f.c', 'no such file'); })).toThrow(InputError);
  });

  it('deep nesting ends with 0, 1 or 2, or with 3 in one line naming the file — never a trace', () => {
    const dir = freshDir({ 'deep.c': `void deep(void)\n{\n${'{'.repeat(20_000)}local_irq_enable();${'}'.repeat(20_000)}\n}\n` });
    const r = spawnBin(['scan', '--no-prefilter', '-j', '1', path.join(dir, 'deep.c')]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (r.status === 3) {
      oneLine(r.stderr);
      expect(r.stderr).toContain('deep.c');
    } else {
      expect([0, 1, 2]).toContain(r.status);
    }
  });
});

describe('the process', () => {
  it('a reader that goes away (| true) ends the run quietly', () => {
    expect(existsSync(path.join(repoDir, 'dist', 'cli', 'main.js')), 'build with `npx tsc -p .` first').toBe(true);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" scan fixtures/examples --no-cache --format sarif | true; echo "status \${PIPESTATUS[0]}"`],
      { cwd: repoDir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^status [01]\n$/);
  });

  it('SIGTERM while patch mode waits for standard input ends it at once', async () => {
    expect(existsSync(path.join(repoDir, 'dist', 'cli', 'main.js')), 'build with `npx tsc -p .` first').toBe(true);
    const scratch = path.join(tmp, 'tmp-stdin');
    mkdirSync(scratch);
    const child = spawn(process.execPath, [bin, 'patch', '-', '--tree', freshDir({ 'run.c': CLEAN })],
      { env: { ...process.env, TMPDIR: scratch }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stdin.write('diff --git a/run.c b/run.c\n');
    await new Promise((r) => setTimeout(r, 1000));
    const killed = Date.now();
    child.kill('SIGTERM');
    const result = await exited;
    expect(Date.now() - killed).toBeLessThan(5000);
    expect(result.signal === 'SIGTERM' || result.code === 143, JSON.stringify(result)).toBe(true);
    expect(stderr).toBe('');
    expect(readdirSync(scratch)).toEqual([]);
  });
});
