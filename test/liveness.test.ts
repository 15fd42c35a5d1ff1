// Which facts and flags each block can still read (analysis/liveness): what
// lets the interpreter drop what `if (a)` learnt once nothing asks again.
import { describe, expect, it } from 'vitest';
import { computeLiveness } from '../src/analysis/liveness.js';
import { buildCfg } from '../src/cfg/build.js';
import { Configuration, NO_CONFIGURATION } from '../src/kernel/configuration.js';
import type { CallEvent, Cfg } from '../src/cfg/types.js';
import { parseSource } from '../src/parser/parse.js';
import { decodeSource } from '../src/parser/source.js';

function cfgOf(text: string, predicates: string[] = []): Cfg {
  const source = decodeSource('t.c', Buffer.from(text, 'latin1'));
  const parsed = parseSource(source);
  expect(parsed.functions).toHaveLength(1);
  return buildCfg(parsed.functions[0]!, {
    isNoReturn: () => false, constants: parsed.constants, source: source.text, configuration: new Configuration(NO_CONFIGURATION),
    iteratorLoops: parsed.iteratorLoops, predicates: new Set(predicates),
  });
}

/** The names live at the start of the block that calls `marker` (each call site of a marker starts a block here). */
function liveAtMarker(text: string, marker: string, names: string[], predicates: string[] = []): string[] {
  const cfg = cfgOf(text, predicates);
  const block = cfg.blocks.find((b) => b.events.some((e) => e.kind === 'call' && e.callee === marker));
  if (!block) throw new Error(`no block calls ${marker}`);
  // Arguments are what a call reads (as the interpreter says for a restore or a callee's flags).
  const live = computeLiveness(cfg, (call: CallEvent) => call.args.map((a) => a.text)).liveAt(block.id);
  return names.filter((n) => live.has(n));
}

describe('liveness', () => {
  it('a branch\'s subject is dead once its arms meet, unless a later test reads it', () => {
    const text = 'void f(int a, int b) { if (a) g(); mark(); if (b) h(); }';
    expect(liveAtMarker(text, 'mark', ['a', 'b'])).toEqual(['b']);
    expect(liveAtMarker('void f(int a) { if (a) g(); mark(); if (a) h(); }', 'mark', ['a'])).toEqual(['a']);
  });

  it('a loop\'s test is live inside the body, through the back edge', () => {
    expect(liveAtMarker('void f(int a) { while (a) { mark(); g(); } }', 'mark', ['a'])).toEqual(['a']);
  });

  it('an assignment kills its target and, when the target is read, reads what it copies', () => {
    const text = 'void f(int a, int b) { int y = a; if (b) g(); mark(); if (y) h(); }';
    expect(liveAtMarker(text, 'mark', ['a', 'b', 'y'])).toEqual(['y']);
    const overwritten = 'void f(int a, int b) { if (a) g(); mark(); a = b; if (a) h(); }';
    expect(liveAtMarker(overwritten, 'mark', ['a', 'b'])).toEqual(['b']);
  });

  it('saved flags are live until the call that reads them', () => {
    const text = 'void f(int a) { unsigned long flags; save(flags); if (a) g(); mark(); restore(flags); if (a) h(); after(); }';
    expect(liveAtMarker(text, 'mark', ['flags', 'a'])).toEqual(['flags', 'a']);
    expect(liveAtMarker(text, 'after', ['flags', 'a'])).toEqual([]);
  });

  it('flags behind pointer parameters are live wherever a return can follow: the caller gets them back', () => {
    const text = 'void f(unsigned long *flags, int a) { if (a) g(); mark(); }';
    expect(liveAtMarker(text, 'mark', ['*flags', 'a'])).toEqual(['*flags']);
  });

  it('a pure predicate asked again is live, until its argument is assigned or a loop goes round', () => {
    const again = 'void f(struct r *regs) { if (p(regs)) g(); mark(); if (p(regs)) h(); }';
    expect(liveAtMarker(again, 'mark', ['?p(regs)'], ['p'])).toEqual(['?p(regs)']);
    const assigned = 'void f(struct r *regs) { if (p(regs)) g(); mark(); regs = next(); if (p(regs)) h(); }';
    expect(liveAtMarker(assigned, 'mark', ['?p(regs)'], ['p'])).toEqual([]);
    const written = 'void f(struct r *regs) { if (p(regs)) g(); mark(); regs->x = 1; if (p(regs)) h(); }';
    expect(liveAtMarker(written, 'mark', ['?p(regs)'], ['p'])).toEqual([]);
    const loop = 'void f(struct r *regs, int n) { while (n) { if (p(regs)) g(); mark(); n = step(); } }';
    expect(liveAtMarker(loop, 'mark', ['?p(regs)', 'n'], ['p'])).toEqual([]);
  });

  it('a config symbol tested again is live between the tests', () => {
    const text = 'void f(int a) {\n#ifdef CONFIG_X\n g();\n#endif\n mark();\n#ifdef CONFIG_X\n h();\n#endif\n}';
    expect(liveAtMarker(text, 'mark', ['#CONFIG_X'])).toEqual(['#CONFIG_X']);
  });
});
