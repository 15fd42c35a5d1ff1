// Entry facts that cite their sources are applied only where the scanned tree
// shows them: the citation's shape is validated, and each way a tree can fail to
// show it keeps the fact out and says why.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/model/model.js';
import { parseUserModel, readUserModel } from '../src/model/user-model.js';
import { BUILTIN_FACTS_FILE, builtinEntryFacts, checkEntryFacts } from '../src/scan/entry-facts.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-entry-facts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A kernel-shaped tree of `files` under a new directory; returns its root. */
function tree(name: string, files: Record<string, string>): string {
  const root = path.join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  mkdirSync(path.join(root, 'include', 'linux'), { recursive: true });
  return root;
}

const HANDLER = 'int exit_handler(struct vcpu *v)\n{\n\tguest_exit();\n\treturn 0;\n}\n';
const ASM = '_GLOBAL(trampoline)\n\tli\tr11, 1\n\tbl\tFUNC(exit_handler)\n';
const cites = { definedIn: ['arch/ppc/kvm/pr.c'], files: [{ path: 'arch/ppc/kvm/trampoline.S', shows: ['li r11, 1', 'bl FUNC(exit_handler)'] }] };
const model = (entry: object) => parseUserModel(JSON.stringify({ entries: { exit_handler: { interrupts: 'on', context: 'guest', why: 'w', ...entry } } }), 'facts.json');
const scanOf = (root: string, rels: string[]) => rels.map((r) => path.join(root, r));

describe('entry fact citations', () => {
  it('are read with the fact', () => {
    expect(model({ cites }).entries.get('exit_handler')?.cites).toEqual(cites);
  });

  it.each([
    [{ cites: [] }, /entries\.exit_handler\.cites: expected an object with definedIn and files/],
    [{ cites: { ...cites, from: 'x' } }, /cites: unknown field 'from' \(expected definedIn, files\)/],
    [{ cites: { ...cites, definedIn: [] } }, /cites\.definedIn: expected a non-empty list/],
    [{ cites: { ...cites, definedIn: ['/abs/pr.c'] } }, /cites\.definedIn\[0\]: '\/abs\/pr\.c' is not a path inside the tree/],
    [{ cites: { ...cites, definedIn: ['arch/../../pr.c'] } }, /is not a path inside the tree/],
    [{ cites: { ...cites, files: [{ path: 'a.S' }] } }, /cites\.files\[0\]\.shows: expected a non-empty list/],
    [{ cites: { ...cites, files: [{ path: 'a.S', shows: [''] }] } }, /cites\.files\[0\]\.shows\[0\]: expected a non-empty text/],
    [{ cites: { ...cites, files: [{ path: 'a.S', shows: ['bl other_handler'] }] } }, /cites\.files: no text in 'shows' names exit_handler/],
  ])('reject %j', (entry, message) => {
    expect(() => model(entry)).toThrow(ModelError);
    expect(() => model(entry)).toThrow(message);
  });

  it('the shipped facts all cite, and hold in no tree when nothing of theirs is scanned', () => {
    const shipped = readUserModel(BUILTIN_FACTS_FILE);
    expect(shipped.entries.size).toBeGreaterThan(1);
    for (const fact of shipped.entries.values()) expect(fact.cites).toBeDefined();
    expect(builtinEntryFacts([path.join(tmp, 'elsewhere.c')])).toEqual({ facts: new Map(), notApplied: [] });
  });
});

describe('checking facts against the tree', () => {
  const check = (root: string, rels: string[], entry: object = { cites }, builtin = false) =>
    checkEntryFacts(model(entry), scanOf(root, rels), { builtin });

  it('applies a fact whose tree shows what it cites (spacing aside)', () => {
    const root = tree('holds', { 'arch/ppc/kvm/pr.c': HANDLER, 'arch/ppc/kvm/trampoline.S': ASM });
    const r = check(root, ['arch/ppc/kvm/pr.c', 'arch/ppc/kvm/trampoline.S']);
    expect([...r.facts.keys()]).toEqual(['exit_handler']);
    expect(r.notApplied).toEqual([]);
  });

  it.each([
    ['the cited assembly is missing', { 'arch/ppc/kvm/pr.c': HANDLER }, 'arch/ppc/kvm/trampoline.S is not in the tree'],
    ['the assembly calls something else', { 'arch/ppc/kvm/pr.c': HANDLER, 'arch/ppc/kvm/trampoline.S': ASM.replace('FUNC(exit_handler)', 'FUNC(dispatch)') },
      "arch/ppc/kvm/trampoline.S does not show 'bl FUNC(exit_handler)'"],
    ['the C file no longer defines it', { 'arch/ppc/kvm/pr.c': HANDLER.replace('exit_handler', 'other_handler'), 'arch/ppc/kvm/trampoline.S': ASM },
      'arch/ppc/kvm/pr.c does not define exit_handler()'],
    ['the C file is gone from its directory', { 'arch/ppc/kvm/other.c': HANDLER, 'arch/ppc/kvm/trampoline.S': ASM },
      'arch/ppc/kvm/pr.c is not among the scanned files'],
  ])('keeps a fact out when %s, and says why', (_, files, reason) => {
    const root = tree(reason.replace(/\W+/g, '-'), files);
    const r = check(root, Object.keys(files));
    expect(r.facts.size).toBe(0);
    expect(r.notApplied).toEqual([{ name: 'exit_handler', source: 'facts.json', reason }]);
  });

  it('a shipped fact about files the scan does not reach is silent; a user\'s is reported', () => {
    const root = tree('elsewhere', { 'arch/x86/kvm/x86.c': 'void f(void) {}\n' });
    expect(check(root, ['arch/x86/kvm/x86.c'], { cites }, true)).toEqual({ facts: new Map(), notApplied: [] });
    expect(check(root, ['arch/x86/kvm/x86.c']).notApplied).toEqual([
      { name: 'exit_handler', source: 'facts.json', reason: 'the scan holds none of the files it names (arch/ppc/kvm/pr.c)' },
    ]);
  });

  it('a user\'s fact without a citation is applied as written; a shipped one is not', () => {
    const root = tree('uncited', { 'arch/ppc/kvm/pr.c': HANDLER });
    expect([...check(root, ['arch/ppc/kvm/pr.c'], {}).facts.keys()]).toEqual(['exit_handler']);
    expect(check(root, ['arch/ppc/kvm/pr.c'], {}, true).notApplied).toEqual([
      { name: 'exit_handler', source: 'built-in models/kernel-entry-facts.json', reason: 'it cites nothing to check it against' },
    ]);
  });
});
