// Golden CFG tests, in the style of ESLint's code-path analysis tests: each
// test/cfg-golden/<construct>--<variant>.c holds one function whose first
// comment is the expected edge list, as printed by edgeList().
//
// The sign-set domain is still changing (numeric values of NEG/ZERO/POS…), so
// the golden lists do not depend on it: `[x in 13]` is compared as `[x]` and
// `<signs 4>` as `<const>`. What the sets are is checked separately below,
// through the exported constants.
//
// Other comments a golden file may hold:
//   /* eqscheck-args: -D NAME */   symbols pinned as defined (like the CLI's -D)
//   /* known-bug: … */             the expected list is the right one, the
//                                  builder does not produce it yet (it.fails)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCfg } from '../src/cfg/build.js';
import { Configuration, NO_CONFIGURATION, withCommandLine } from '../src/kernel/configuration.js';
import { liveArms } from '../src/parser/live-arms.js';
import { edgeList } from '../src/cfg/dump.js';
import {
  ANY_SIGN, NEG, NONZERO, POS, ZERO, signOf,
  type Cfg, type Edge, type Event,
} from '../src/cfg/types.js';
import { Model } from '../src/model/model.js';
import { parseSource } from '../src/parser/parse.js';
import { decodeSource } from '../src/parser/source.js';

const goldenDir = path.join(__dirname, 'cfg-golden');
const model = new Model();

function normalize(list: string): string {
  return list
    .split('\n')
    .map((l) => l.replace(/ in -?\d+\]/g, ']').replace(/<signs -?\d+>/g, '<const>').trimEnd())
    .filter((l) => l.trim() !== '')
    .join('\n');
}

/** The CFGs of `text` as a build with `defines` (-D) compiles it (parser/live-arms, then the builder). */
function cfgOf(file: string, text: string, defines: Iterable<string> = []): Cfg[] {
  const configuration = new Configuration(withCommandLine(NO_CONFIGURATION, [...defines], []));
  const source = decodeSource(file, Buffer.from(liveArms(text, configuration), 'latin1'));
  const parsed = parseSource(source);
  return parsed.functions.map((fn) => buildCfg(fn, {
    isNoReturn: (n) => model.isNoReturn(n),
    constants: parsed.constants,
    configuration,
    source: source.text,
    iteratorLoops: parsed.iteratorLoops,
  }));
}

/** The CFG of the single function in `text`. */
function cfg1(text: string, defines: Iterable<string> = []): Cfg {
  const all = cfgOf('t.c', text, defines);
  expect(all).toHaveLength(1);
  return all[0]!;
}

interface Golden { name: string; expected: string; defines: string[]; knownBug: string | null; text: string; file: string }

function golden(name: string): Golden {
  const file = path.join(goldenDir, name);
  const text = readFileSync(file, 'utf8');
  const first = /\/\*([\s\S]*?)\*\//.exec(text);
  if (!first) throw new Error(`${name}: no expected edge list (first comment)`);
  const args = /\/\*\s*eqscheck-args:([^*]*)\*\//.exec(text);
  const defines = args ? [...args[1]!.matchAll(/-D\s*([A-Za-z_]\w*)/g)].map((m) => m[1]!) : [];
  const bug = /\/\*\s*known-bug:([\s\S]*?)\*\//.exec(text);
  return { name, expected: normalize(first[1]!), defines, knownBug: bug ? bug[1]!.trim() : null, text, file };
}

const goldens = readdirSync(goldenDir).filter((f) => f.endsWith('.c')).sort().map(golden);

function checkGolden(g: Golden): void {
  const cfgs = cfgOf(g.file, g.text, g.defines);
  expect(cfgs, `${g.name} must hold exactly one function`).toHaveLength(1);
  expect(cfgs[0]!.parseErrors, `${g.name} must parse cleanly`).toBe(false);
  expect(normalize(edgeList(cfgs[0]!))).toBe(g.expected);
}

describe('golden CFGs (test/cfg-golden)', () => {
  it('covers the constructs', () => {
    const constructs = new Set(goldens.map((g) => g.name.split('--')[0]));
    for (const c of ['if', 'while', 'do-while', 'for', 'switch', 'goto', 'return', 'and', 'or', 'ternary', 'comma',
      'stmtexpr', 'noreturn', 'ifdef', 'asm-goto', 'iterator', 'while1']) {
      expect(constructs, c).toContain(c);
    }
    for (const g of goldens) expect(g.name, 'golden files are named construct--variant.c').toMatch(/^[a-z0-9-]+--[a-z0-9-]+\.c$/);
  });

  for (const g of goldens) {
    // A known bug keeps the right expectation and fails until it is fixed; see the file's known-bug comment.
    if (g.knownBug) it.fails(`${g.name} (known bug: ${g.knownBug})`, () => checkGolden(g));
    else it(g.name, () => checkGolden(g));
  }
});

// ---- what the edges carry, through the exported sign constants ------------------

function edges(cfg: Cfg): (Edge & { from: number })[] {
  return cfg.blocks.flatMap((b) => b.succs.map((e) => ({ ...e, from: b.id })));
}

function events(cfg: Cfg): Event[] {
  return cfg.blocks.flatMap((b) => b.events);
}

function condEdges(cfg: Cfg, subject: string): (Edge & { from: number })[] {
  return edges(cfg).filter((e) => e.cond?.subject === subject);
}

describe('edge conditions', () => {
  it('if (x): NONZERO on the true edge, ZERO on the false edge', () => {
    const c = cfg1('void f(int x) { if (x) a(); }');
    const [t, f] = condEdges(c, 'x');
    expect(t).toMatchObject({ kind: 'true', cond: { subject: 'x', signs: NONZERO } });
    expect(f).toMatchObject({ kind: 'false', cond: { subject: 'x', signs: ZERO } });
  });

  it('if (!x) swaps the targets, not the sets', () => {
    const c = cfg1('void f(int x) { if (!x) a(); else b(); }');
    const nz = condEdges(c, 'x').find((e) => e.cond!.signs === NONZERO)!;
    const z = condEdges(c, 'x').find((e) => e.cond!.signs === ZERO)!;
    const calleeOf = (block: number): string | null => {
      const ev = c.blocks[block]!.events.find((e) => e.kind === 'call');
      return ev?.kind === 'call' ? ev.callee : null;
    };
    expect(calleeOf(z.to)).toBe('a');
    expect(calleeOf(nz.to)).toBe('b');
  });

  it('edge kinds follow the statement\'s branches through ! (a do-while back edge stays back)', () => {
    const c = cfg1('void f(int x, int done) { if (!x) a(); else b(); do { c(); } while (!done); }');
    expect(condEdges(c, 'x').map((e) => [e.kind, e.cond!.signs])).toEqual([['false', NONZERO], ['true', ZERO]]);
    expect(condEdges(c, 'done').map((e) => [e.kind, e.cond!.signs])).toEqual([['false', NONZERO], ['back', ZERO]]);
  });

  it('x < 0 and 0 > x: NEG when true, everything else when false', () => {
    for (const test of ['x < 0', '0 > x']) {
      const [t, f] = condEdges(cfg1(`void f(int x) { if (${test}) a(); }`), 'x');
      expect(t!.cond!.signs, test).toBe(NEG);
      expect(f!.cond!.signs, test).toBe(ANY_SIGN & ~NEG);
    }
  });

  it('x > 0 and x == 0', () => {
    const [gt, le] = condEdges(cfg1('void f(int x) { if (x > 0) a(); }'), 'x');
    expect(gt!.cond!.signs).toBe(POS);
    expect(le!.cond!.signs).toBe(NEG | ZERO);
    const [eq, ne] = condEdges(cfg1('void f(int x) { if (x == 0) a(); }'), 'x');
    expect(eq!.cond!.signs).toBe(ZERO);
    expect(ne!.cond!.signs).toBe(NONZERO);
  });

  it('a comparison with an unknown bound carries no condition', () => {
    const c = cfg1('void f(int x, int n) { if (x < n) a(); }');
    expect(edges(c).filter((e) => e.cond)).toEqual([]);
  });

  it('x == K with K from a file-scope #define', () => {
    const c = cfg1('#define RESUME_GUEST 1\nvoid f(int x) { if (x == RESUME_GUEST) a(); }');
    const [t, f] = condEdges(c, 'x');
    expect(t!.cond!.signs).toBe(signOf(1));
    expect(f!.cond!.signs & NEG).toBe(NEG);
    expect(f!.cond!.signs & ZERO).toBe(ZERO);
  });

  it('-EINVAL is a negative constant; return values keep their sign', () => {
    const c = cfg1('int f(int x) { if (x) return -EINVAL; return 0; }');
    const rets = events(c).filter((e) => e.kind === 'return');
    expect(rets.map((r) => (r.kind === 'return' && r.value?.kind === 'const' ? r.value.signs : null))).toEqual([NEG, ZERO]);
  });

  it('a && b as a value: the temporary is 1 or 0', () => {
    const c = cfg1('int f(int a, int b) { return a && b; }');
    const assigns = events(c).filter((e) => e.kind === 'assign');
    expect(assigns.map((a) => (a.kind === 'assign' && a.value.kind === 'const' ? a.value.signs : null)).sort())
      .toEqual([signOf(1), ZERO].sort());
  });

  it('#ifdef / #ifndef / #if defined() test a `#NAME` fact', () => {
    const ifdef = condEdges(cfg1('void f(void) {\n#ifdef CONFIG_X\n a();\n#endif\n}'), '#CONFIG_X');
    expect(ifdef.map((e) => [e.kind, e.cond!.signs])).toEqual([['true', NONZERO], ['false', ZERO]]);
    const ifndef = condEdges(cfg1('void f(void) {\n#ifndef CONFIG_X\n a();\n#endif\n}'), '#CONFIG_X');
    expect(ifndef.map((e) => [e.kind, e.cond!.signs])).toEqual([['true', ZERO], ['false', NONZERO]]);
    const defined = condEdges(cfg1('void f(void) {\n#if defined(CONFIG_X)\n a();\n#endif\n}'), '#CONFIG_X');
    expect(defined.map((e) => [e.kind, e.cond!.signs])).toEqual([['true', NONZERO], ['false', ZERO]]);
    const notDefined = condEdges(cfg1('void f(void) {\n#if !defined(CONFIG_X)\n a();\n#endif\n}'), '#CONFIG_X');
    expect(notDefined.map((e) => [e.kind, e.cond!.signs])).toEqual([['true', ZERO], ['false', NONZERO]]);
  });

  it('every spelling of one config test is a test of the same `#NAME` fact (directives and C conditions)', () => {
    // The fact on each edge kind: true/false edges, whichever order the builder makes them in.
    const signs = (text: string, subject = '#CONFIG_X') => condEdges(cfg1(text), subject).map((e) => [e.kind, e.cond!.signs]).sort();
    const yes = [['false', ZERO], ['true', NONZERO]];
    const no = [['false', NONZERO], ['true', ZERO]];
    for (const test of ['defined CONFIG_X', '( defined(CONFIG_X) )', 'IS_ENABLED(CONFIG_X)', 'IS_BUILTIN(CONFIG_X)', 'CONFIG_X']) {
      expect(signs(`void f(void) {\n#if ${test}\n a();\n#endif\n}`), test).toEqual(yes);
      expect(signs(`void f(void) {\n#if !${test}\n a();\n#endif\n}`), `!${test}`).toEqual(no);
    }
    expect(signs('void f(void) {\n#if IS_MODULE(CONFIG_X)\n a();\n#endif\n}', '#CONFIG_X_MODULE')).toEqual(yes);
    expect(signs('void f(void) {\n# ifndef CONFIG_X\n a();\n# endif\n}')).toEqual(no);
    // The #elif arms: reached on the #if's false edge, with their own fact.
    expect(signs('void f(void) {\n#ifdef A\n a();\n#elif defined(CONFIG_X)\n b();\n#endif\n}')).toEqual(yes);
    expect(signs('void f(void) {\n#ifdef A\n a();\n#elif !defined(CONFIG_X)\n b();\n#endif\n}')).toEqual(no);
    expect(signs('void f(void) {\n#ifdef A\n a();\n#elifdef CONFIG_X\n b();\n#endif\n}')).toEqual(yes);
    expect(signs('void f(void) {\n#ifdef A\n a();\n#elifndef CONFIG_X\n b();\n#endif\n}')).toEqual(no);
    for (const macro of ['IS_ENABLED', 'IS_BUILTIN']) {
      expect(signs(`void f(void) { if (${macro}(CONFIG_X)) a(); }`), macro).toEqual(yes);
      expect(signs(`void f(void) { if (!${macro}(CONFIG_X)) a(); }`), `!${macro}`).toEqual(no);
    }
    expect(signs('void f(void) { if (IS_MODULE(CONFIG_X)) a(); }', '#CONFIG_X_MODULE')).toEqual(yes);
    expect(signs('void f(int y) { if (IS_ENABLED(CONFIG_X) && y) a(); }')).toEqual(yes);
    // Not a config test: a compound directive, a macro of something else.
    expect(signs('void f(void) {\n#if defined(CONFIG_X) && defined(B)\n a();\n#endif\n}')).toEqual([]);
    expect(signs('void f(void) { if (IS_ENABLED(CONFIG_X + 1)) a(); }')).toEqual([]);
  });

  it('an #if right after another directive line is a conditional like any other (both arms kept)', () => {
    const c = cfg1('void f(void) {\n a();\n#ifdef B\n b();\n#endif\n#if defined(CONFIG_X)\n x();\n#else\n y();\n#endif\n}');
    const reach = (callee: string): boolean => c.blocks.some((b) => b.reachable && b.events.some((e) => e.kind === 'call' && e.callee === callee));
    expect(['b', 'x', 'y'].map(reach)).toEqual([true, true, true]);
    expect(condEdges(c, '#CONFIG_X')).toHaveLength(2);
  });

  it('-D pins #if defined(X) and #if IS_ENABLED(X): the other arm is unreachable', () => {
    const pinned = cfg1('void f(void) { if (IS_ENABLED(CONFIG_X)) a(); else b(); }', ['CONFIG_X']);
    expect(pinned.blocks.some((b) => b.reachable && b.events.some((e) => e.kind === 'call' && e.callee === 'b'))).toBe(false);
    for (const test of ['defined(CONFIG_X)', 'IS_ENABLED(CONFIG_X)', 'CONFIG_X']) {
      const c = cfg1(`void f(void) {\n#if ${test}\n a();\n#else\n b();\n#endif\n}`, ['CONFIG_X']);
      const reach = (callee: string): boolean => c.blocks.some((b) => b.reachable && b.events.some((e) => e.kind === 'call' && e.callee === callee));
      expect(reach('a'), test).toBe(true);
      expect(reach('b'), test).toBe(false);
      expect(edges(c).filter((e) => e.cond), test).toEqual([]);
    }
  });

  it('switch: default excludes the classes that case 0 covers; with no 0 or 1 case it carries no condition', () => {
    const c = cfg1('void f(int x) { switch (x) { case 0: a(); break; default: b(); } }');
    const def = edges(c).find((e) => e.kind === 'default')!;
    expect(def.cond).toEqual({ subject: 'x', signs: ANY_SIGN & ~ZERO });
    const neg = cfg1('void f(int x) { switch (x) { case -1: a(); break; default: b(); } }');
    expect(edges(neg).find((e) => e.kind === 'case')!.cond).toEqual({ subject: 'x', signs: NEG });
    expect(edges(neg).find((e) => e.kind === 'default')!.cond).toBeNull();
  });

  it('switch without default: a "no case matched" edge to the code after it', () => {
    const c = cfg1('void f(int x) { switch (x) { case 0: a(); break; } after(); }');
    const def = edges(c).find((e) => e.kind === 'default')!;
    expect(def.label).toBe('no case matched');
    expect(c.blocks[def.to]!.events.some((e) => e.kind === 'call' && e.callee === 'after')).toBe(true);
  });

  // normalizeKernelC blanks the upper bound of a GNU case range; the builder
  // reads it back from the source so that the edge admits the whole range.
  it('GNU case range: the case edge admits every value of the range', () => {
    for (const range of ['0 ... 3', '1 ... 3']) {
      const c = cfg1(`void f(int x) { switch (x) { case ${range}: a(); break; default: b(); } }`);
      const kase = edges(c).find((e) => e.kind === 'case')!;
      expect(kase.cond === null || (kase.cond.signs & signOf(2)) !== 0, range).toBe(true);
    }
  });

  it('GNU case range within one class keeps that class', () => {
    const c = cfg1('void f(int x) { switch (x) { case -9 ... -2: a(); break; } }');
    expect(edges(c).find((e) => e.kind === 'case')!.cond).toEqual({ subject: 'x', signs: NEG });
  });

  // An iterator macro is rewritten to `while (a, b, c)`; its comma expression must
  // not become the loop condition (it would "prove" nbits == 0 after the loop).
  it('iterator macro loops test nothing', () => {
    const c = cfg1('void f(unsigned long mask, int nbits) { int bit;\n for_each_set_bit(bit, &mask, nbits) {\n  note(bit);\n }\n if (nbits) a();\n}');
    // Only `if (nbits)` tests nbits.
    expect(condEdges(c, 'nbits').map((e) => e.kind)).toEqual(['true', 'false']);
    expect(edges(c).filter((e) => e.cond && e.cond.subject !== 'nbits')).toEqual([]);
  });
});

describe('CFG shape', () => {
  it('a noreturn call ends the block: nothing after it is reachable', () => {
    const c = cfg1('void f(void) { a(); panic("x"); b(); }');
    const bBlock = c.blocks.find((b) => b.events.some((e) => e.kind === 'call' && e.callee === 'b'))!;
    expect(bBlock.reachable).toBe(false);
    expect(c.blocks[c.exit]!.reachable).toBe(false);
  });

  it('the implicit return is at the closing brace', () => {
    const c = cfg1('void f(void)\n{\n\ta();\n}\n');
    const ret = events(c).find((e) => e.kind === 'return')!;
    expect(ret).toMatchObject({ kind: 'return', implicit: true, loc: { line: 4, col: 1 } });
  });

  it('call events carry their arguments and exact locations', () => {
    const c = cfg1('void f(unsigned long flags)\n{\n\tlocal_irq_restore(flags);\n\tg(&flags, (x));\n}\n');
    const calls = events(c).filter((e) => e.kind === 'call');
    expect(calls[0]).toMatchObject({ callee: 'local_irq_restore', args: [{ text: 'flags', ident: 'flags', addressOf: null }], loc: { line: 3, col: 2 } });
    expect(calls[1]).toMatchObject({ callee: 'g', args: [{ text: '&flags', ident: null, addressOf: 'flags' }, { text: '(x)', ident: 'x', addressOf: null }] });
  });

  it('an indirect call has no callee name', () => {
    const c = cfg1('void f(struct ops *o) { o->run(o); }');
    const call = events(c).find((e) => e.kind === 'call')!;
    expect(call).toMatchObject({ callee: null, calleeText: 'o->run' });
  });

  it('every edge targets an existing block and the exit has no successors', () => {
    for (const g of goldens) {
      const c = cfgOf(g.file, g.text, g.defines)[0]!;
      for (const e of edges(c)) expect(c.blocks[e.to], g.name).toBeDefined();
      expect(c.blocks[c.exit]!.succs, g.name).toEqual([]);
      expect(c.blocks[c.entry]!.reachable, g.name).toBe(true);
    }
  });
});
