// The result cache: a warm scan prints exactly what the cold one printed, an
// edit is seen — also in another file whose finding depends on the edited
// file's function — and a broken or absent cache only costs time.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { Cache } from '../src/cache/cache.js';
import { run, writeTree } from './helpers/kernel-tree.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HELPER_QUIET = `struct kvm_vcpu;

void noinstr flush_guest_state(struct kvm_vcpu *vcpu)
{
	sync_regs(vcpu);
}
`;
const HELPER_UNMASKS = HELPER_QUIET.replace('\tsync_regs(vcpu);\n', '\tsync_regs(vcpu);\n\tlocal_irq_enable();\n');
const RUN = `struct kvm_vcpu;

int vcpu_run(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	flush_guest_state(vcpu);
	guest_state_exit_irqoff();
	local_irq_enable();
	return 0;
}
`;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describe('cache', () => {
  it('a warm scan gives the same bytes, and an edited helper changes the finding in its caller', async () => {
    const tree = path.join(tmp, 'tree');
    const cache = path.join(tmp, 'cache');
    writeTree(tree, { 'helper.c': HELPER_QUIET, 'run.c': RUN });
    const scan = (): Promise<Awaited<ReturnType<typeof run>>> => run(['scan', tree, '--format', 'json', '--cache-dir', cache]);
    const cold = await scan();
    expect(cold.code).toBe(0);
    expect(files(cache).length).toBeGreaterThan(0);
    const warm = await scan();
    expect(warm.stdout).toBe(cold.stdout);

    // Only helper.c changes; the finding is in run.c, through the helper's summary.
    writeTree(tree, { 'helper.c': HELPER_UNMASKS });
    const edited = await scan();
    expect(edited.code).toBe(1);
    const finding = JSON.parse(edited.stdout).findings[0];
    expect(finding).toMatchObject({ ruleId: 'irq-enabled-in-eqs', file: expect.stringMatching(/run\.c$/), line: 8 });
    expect((await run(['scan', tree, '--format', 'json', '--no-cache'])).stdout).toBe(edited.stdout);

    // And back: the quiet version is found in the cache again.
    writeTree(tree, { 'helper.c': HELPER_QUIET });
    expect((await scan()).stdout).toBe(cold.stdout);
  });

  it('an edit in one arch re-analyses that arch only, and its findings are those of a scan without the cache', async () => {
    const tree = path.join(tmp, 'arches');
    const cache = path.join(tmp, 'arches-cache');
    const runIn = (arch: string): string => RUN.replace('vcpu_run', `${arch}_vcpu_run`);
    writeTree(tree, { 'arch/alpha/kvm/run.c': runIn('alpha'), 'arch/alpha/kvm/helper.c': HELPER_QUIET, 'arch/beta/kvm/run.c': runIn('beta') });
    const scan = (): Promise<Awaited<ReturnType<typeof run>>> => run(['scan', tree, '--format', 'json', '--cache-dir', cache]);
    const groups = (): number => {
      const [build] = readdirSync(cache);
      return (v8.deserialize(readFileSync(path.join(cache, build!, 'analysis.pack'))) as { entries: Map<string, unknown> }).entries.size;
    };
    expect((await scan()).code).toBe(0);
    expect(groups()).toBe(2);
    // beta's helper (a file of beta's own) unmasks: beta's group again, alpha's as it was.
    writeTree(tree, { 'arch/beta/kvm/helper.c': HELPER_UNMASKS });
    const edited = await scan();
    expect(edited.code).toBe(1);
    expect(groups()).toBe(3);
    expect(JSON.parse(edited.stdout).findings.map((f: { function: string }) => f.function)).toEqual(['beta_vcpu_run']);
    expect(edited.stdout).toBe((await run(['scan', tree, '--format', 'json', '--no-cache'])).stdout);
  });

  it('--no-cache neither reads nor writes it', async () => {
    const tree = path.join(tmp, 'nocache');
    const cache = path.join(tmp, 'nocache-dir');
    writeTree(tree, { 'run.c': RUN, 'helper.c': HELPER_UNMASKS });
    const r = await run(['scan', tree, '--no-cache', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    expect(existsSync(cache)).toBe(false);
  });

  it('unreadable cache entries are ignored', async () => {
    const tree = path.join(tmp, 'corrupt');
    const cache = path.join(tmp, 'corrupt-cache');
    writeTree(tree, { 'run.c': RUN, 'helper.c': HELPER_UNMASKS });
    const cold = await run(['scan', tree, '--format', 'json', '--cache-dir', cache]);
    const entries = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const e of entries) writeFileSync(path.join(e.parentPath, e.name), 'not a cache entry');
    const again = await run(['scan', tree, '--format', 'json', '--cache-dir', cache]);
    expect(again.stdout).toBe(cold.stdout);
  });

  it('a --cache-dir that is a file is an input error; one that cannot be created is a warning', async () => {
    const tree = path.join(tmp, 'baddir');
    writeTree(tree, { 'run.c': RUN, 'helper.c': HELPER_UNMASKS });
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const asFile = await run(['scan', tree, '--cache-dir', file]);
    expect(asFile.code).toBe(2);
    expect(asFile.stderr).toContain('not a directory (--cache-dir)');
    const under = await run(['scan', tree, '--format', 'json', '--cache-dir', path.join(file, 'sub')]);
    expect(under.code).toBe(1);
    expect(under.stderr).toMatch(/cannot write the cache under .*a-file.*going on without it/);
    expect(under.stderr.split('\n').filter((l) => l.includes('cannot write')).length).toBe(1);
    expect(under.stdout).toBe((await run(['scan', tree, '--format', 'json', '--no-cache'])).stdout);
  });

  it('a header that appears where an include found none invalidates a cached run', async () => {
    const tree = path.join(tmp, 'appearing');
    const cache = path.join(tmp, 'appearing-cache');
    writeTree(tree, { 'run.c': '#include "helper.h"\n' + RUN });
    const scan = (): Promise<Awaited<ReturnType<typeof run>>> => run(['scan', path.join(tree, 'run.c'), '--format', 'json', '--cache-dir', cache]);
    expect((await scan()).code).toBe(0);
    // The helper's definition now comes from the included header: an unmask.
    writeTree(tree, { 'helper.h': HELPER_UNMASKS.replace('void flush', 'static inline void flush') });
    const after = await scan();
    expect(after.code).toBe(1);
    expect(after.stdout).toBe((await run(['scan', path.join(tree, 'run.c'), '--format', 'json', '--no-cache'])).stdout);
  });

  it('an edited header is read again: its static inline function changes the finding', async () => {
    const tree = path.join(tmp, 'header-edit');
    const cache = path.join(tmp, 'header-edit-cache');
    const quiet = HELPER_QUIET.replace('void flush', 'static inline void flush');
    writeTree(tree, { 'run.c': '#include "helper.h"\n' + RUN, 'helper.h': quiet });
    const scan = (): Promise<Awaited<ReturnType<typeof run>>> => run(['scan', path.join(tree, 'run.c'), '--format', 'json', '--cache-dir', cache]);
    expect((await scan()).code).toBe(0);
    expect((await scan()).code).toBe(0);
    writeTree(tree, { 'helper.h': HELPER_UNMASKS.replace('void flush', 'static inline void flush') });
    const after = await scan();
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout).findings[0].trace.some((t: { file: string }) => t.file.endsWith('helper.h'))).toBe(true);
    writeTree(tree, { 'helper.h': quiet });
    expect((await scan()).code).toBe(0);
  });

  it('an edited header constant is seen by the built files that include it', async () => {
    const tree = path.join(tmp, 'header-constant');
    const cache = path.join(tmp, 'header-constant-cache');
    const runWithMode = `#include "mode.h"
struct kvm_vcpu;

int vcpu_run(struct kvm_vcpu *vcpu)
{
	int mode = VCPU_MODE;

	local_irq_disable();
	guest_state_enter_irqoff();
	if (mode > 0)
		local_irq_enable();
	guest_state_exit_irqoff();
	local_irq_enable();
	return 0;
}
`;
    writeTree(tree, { 'run.c': runWithMode, 'mode.h': '#define VCPU_MODE 0\n' });
    const scan = (): Promise<Awaited<ReturnType<typeof run>>> => run(['scan', path.join(tree, 'run.c'), '--format', 'json', '--cache-dir', cache]);
    expect((await scan()).code).toBe(0);
    // Only the header changes: run.c's CFG (which branch is a path) must be built again.
    writeTree(tree, { 'mode.h': '#define VCPU_MODE 1\n' });
    const after = await scan();
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout).findings[0]).toMatchObject({ ruleId: 'irq-enabled-in-eqs', line: 11 });
    writeTree(tree, { 'mode.h': '#define VCPU_MODE 0\n' });
    expect((await scan()).code).toBe(0);
  });

  it('entries no run used in the last 8 runs are dropped when the cache is saved', () => {
    const dir = path.join(tmp, 'ages');
    const open = (): Cache => new Cache(dir, 'test-build');
    const first = open();
    first.put('build', 'old', { n: 1 });
    first.put('build', 'kept', { n: 2 });
    first.save();
    for (let run = 1; run <= 8; run++) {
      const c = open();
      expect(c.get('build', 'kept')).toEqual({ n: 2 });
      c.save();
    }
    const last = open();
    expect(last.get('build', 'kept')).toEqual({ n: 2 });
    expect(last.get('build', 'old')).toBeUndefined();
  });
});
