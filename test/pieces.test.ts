// A large file parsed in pieces (parser/pieces) gives what the whole parse
// gives: the same definitions with the same trees, file-scope names, ops-table
// bindings, macros and constants; pieces are cut only between definitions and
// never inside an #if block.
import { describe, expect, it } from 'vitest';
import { parseSource } from '../src/parser/parse.js';
import { piecesOf } from '../src/parser/pieces.js';

/** A file of every top-level shape, `n` rounds of it: functions, prototypes,
 *  structs, an ops table, macros, constants, and #ifdef blocks around several
 *  definitions. */
function mixedFile(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(`#define LIMIT_${i} ${i + 3}\n`);
    parts.push(`#define unmask_${i}() do { local_irq_enable(); } while (0)\n`);
    parts.push(`struct ops_${i} {\n\tint (*run)(int);\n};\n`);
    parts.push(`static int helper_${i}(int a);\n`);
    parts.push(`/* helper ${i}: { not a brace } */\nstatic int helper_${i}(int a)\n{\n\tif (a > LIMIT_${i})\n\t\treturn a - 1;\n\treturn a + ${i};\n}\n\n`);
    if (i % 3 === 0) {
      parts.push(`#ifdef CONFIG_X_${i}\nvoid guarded_${i}(void)\n{\n\tunmask_${i}();\n}\n\nvoid guarded_again_${i}(void)\n{\n\tlocal_irq_disable();\n}\n#endif\n`);
    }
    parts.push(`static const struct ops_${i} table_${i} = {\n\t.run = helper_${i},\n};\n`);
    parts.push(`void entry_${i}(int x)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tx = helper_${i}(x) ? 1 : "}"[0];\n\tguest_state_exit_irqoff();\n\tlocal_irq_enable();\n}\n\n`);
  }
  return parts.join('');
}

const source = (text: string) => ({ path: 'big.c', text, encoding: 'utf-8' as const });

describe('parsing in pieces', () => {
  const text = mixedFile(300);

  it('cuts only where a definition ends outside every #if block', () => {
    const pieces = piecesOf('big.c', text, 4096)!;
    expect(pieces.length).toBeGreaterThan(10);
    expect(pieces[0]!.startIndex).toBe(0);
    expect(pieces.at(-1)!.endIndex).toBe(text.length);
    for (let i = 1; i < pieces.length; i++) {
      const cut = pieces[i]!.startIndex;
      expect(pieces[i - 1]!.endIndex).toBe(cut);
      expect(text[cut - 1]).toBe('}');
      const before = text.slice(0, cut);
      expect((before.match(/^#ifdef/gm) ?? []).length).toBe((before.match(/^#endif/gm) ?? []).length);
      const lines = before.split('\n');
      expect(pieces[i]!.startPosition).toEqual({ row: lines.length - 1, column: lines.at(-1)!.length });
    }
  });

  it('a directive inside a comment does not count: no cut inside the real #if block', () => {
    const fn = (name: string) => `void ${name}(void)\n{\n\tlocal_irq_disable();\n}\n\n`;
    const block = `#ifdef CONFIG_WIDE\n${Array.from({ length: 60 }, (_, i) => fn(`inside_${i}`) + (i === 5 ? '/*\n#endif\n */\n' : '')).join('')}#endif\n`;
    const wide = `${Array.from({ length: 60 }, (_, i) => fn(`before_${i}`)).join('')}${block}${Array.from({ length: 60 }, (_, i) => fn(`after_${i}`)).join('')}`;
    const open = wide.indexOf('#ifdef CONFIG_WIDE');
    const close = wide.lastIndexOf('#endif');
    const cuts = piecesOf('wide.c', wide, 1024)!.map((p) => p.startIndex).slice(1);
    expect(cuts.length).toBeGreaterThan(1);
    expect(cuts.filter((c) => c > open && c < close)).toEqual([]);
  });

  it('gives what the whole parse gives', () => {
    const whole = parseSource(source(text), { pieceChars: Infinity });
    const pieced = parseSource(source(text), { pieceChars: 4096 });
    expect(whole.functions.length).toBe(300 * 2 + 100 * 2);
    expect(pieced.functions).toEqual(whole.functions);
    expect([...pieced.fileScopeNames]).toEqual([...whole.fileScopeNames]);
    expect(pieced.memberAssignments).toEqual(whole.memberAssignments);
    expect(pieced.macros).toEqual(whole.macros);
    expect([...pieced.constants]).toEqual([...whole.constants]);
    expect(pieced.topLevelErrors).toBe(whole.topLevelErrors);
  });

  it('a small file, or one whose braces do not balance, is parsed whole', () => {
    expect(piecesOf('small.c', mixedFile(2), 4096)).toBeNull();
    expect(piecesOf('open.c', `${text}\nvoid open_brace(void)\n{\n#if A\n{\n#endif\n}\n`, 4096)).toBeNull();
  });
});
