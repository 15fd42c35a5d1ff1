// Scope independence (README, "What is analysed"): one arch scanned with virt/kvm
// reports what a scan of the whole tree reports for that arch — its own files'
// findings, and the generic code's findings its paths make. On a kernel-shaped
// fixture tree (fixtures/trees/scope) whose arches define the same kvm_arch_*
// hooks differently: x86 in mmu/, beside the vmx/ a path commits to; s390 empty;
// arm64 a hook the others get a header's stub for. bench/scope-per-arch.mjs does
// the same on the corpus trees.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { collectFiles } from '../src/scan/collect.js';
import { CLEAN, checkAnnotations, findingKey, readAnnotations } from './helpers/annotations.js';
import { FIXTURES_DIR } from './helpers/fixture-units.js';
import { run } from './helpers/kernel-tree.js';

const TREE = path.relative(process.cwd(), path.join(FIXTURES_DIR, 'trees', 'scope'));
const ARCHES = readdirSync(path.join(TREE, 'arch')).sort();
const inArch = (file: string, arch: string) => file.startsWith(path.join(TREE, 'arch', arch) + path.sep);
const generic = (file: string) => !file.startsWith(path.join(TREE, 'arch') + path.sep);

interface Found { ruleId: string; file: string; line: number; column: number; function: string; message: string; arch?: string }

async function scan(...paths: string[]): Promise<Found[]> {
  const r = await run(['scan', ...paths, '--no-cache', '-f', 'json', '--fail-on', 'none']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout).findings as Found[]).map(({ ruleId, file, line, column, function: fn, message, arch }) =>
    ({ ruleId, file, line, column, function: fn, message, arch }));
}

const keyOf = (f: Found) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.function}() [${f.arch ?? ''}]: ${f.message}`;

describe('each arch alone with virt/kvm sees what the whole tree sees for it', () => {
  let full: Found[];
  const alone = new Map<string, Found[]>();

  beforeAll(async () => {
    vi.stubEnv('NO_COLOR', '1');
    full = await scan(TREE);
    for (const arch of ARCHES) alone.set(arch, await scan(path.join(TREE, 'arch', arch), path.join(TREE, 'virt', 'kvm')));
  });

  it('the whole tree reports what its annotations say', () => {
    const files = collectFiles([TREE]).files;
    expect(checkAnnotations(readAnnotations(files), full.map((f) => ({ key: findingKey(f.file, f.line, f.ruleId), message: f.message })))).toEqual(CLEAN);
  });

  it.each(ARCHES)('%s', (arch) => {
    const own = alone.get(arch)!;
    expect(own.length, `arch/${arch} alone reports something (else the comparison says nothing)`).toBeGreaterThan(0);
    expect(own.every((f) => inArch(f.file, arch) || generic(f.file)), 'no other arch\'s file is read').toBe(true);
    // Generic code's findings carry the arch whose paths make them.
    const expected = full.filter((f) => inArch(f.file, arch) || (generic(f.file) && f.arch === arch));
    expect(own.map(keyOf).sort()).toEqual(expected.map(keyOf).sort());
  });

  it('every generic finding of the whole tree is some arch\'s', () => {
    const some = new Set([...alone.values()].flat().map(keyOf));
    expect(full.filter((f) => generic(f.file)).map(keyOf).filter((k) => !some.has(k))).toEqual([]);
  });
});
