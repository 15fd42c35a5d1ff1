// Kernel idioms rewritten before parsing: every rewrite keeps the text's length
// and line breaks, so that locations reported later are those of the original.
import { describe, expect, it } from 'vitest';
import { normalizeKernelC } from '../src/parser/kernel-idioms.js';
import { parseSource } from '../src/parser/parse.js';
import { decodeSource, InputError, type SourceText } from '../src/parser/source.js';

function newlines(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) if (s[i] === '\n') out.push(i);
  return out;
}

function norm(text: string): string {
  const out = normalizeKernelC(text).text;
  expect(out.length).toBe(text.length);
  expect(newlines(out)).toEqual(newlines(text));
  return out;
}

function utf8(path: string, text: string): SourceText {
  return decodeSource(path, Buffer.from(text, 'utf8'));
}

describe('normalizeKernelC', () => {
  it('keeps the length and every newline position of a whole file', () => {
    const text = [
      'static void noinstr __always_inline f(struct s __user *p)',
      '\t__acquires(&a->lock)',
      '\t__releases(',
      '\t\t&a->lock)',
      '{',
      '\tlist_for_each_entry(p, &head,',
      '\t\t\t    node) {',
      '\t\tswitch (x) { case 1 ...',
      '\t\t3: break; }',
      '\t}',
      '}',
      '',
    ].join('\r\n');
    const out = norm(text);
    expect(normalizeKernelC(text).rewrites).toBeGreaterThan(0);
    expect(out).not.toMatch(/noinstr|__always_inline|__user|__acquires|__releases|list_for_each_entry/);
  });

  it.each(['noinstr', '__always_inline', '__must_check', '__init', '__user'])('blanks %s', (word) => {
    const text = `static int ${word} f(void);`;
    expect(norm(text)).toBe(`static int ${' '.repeat(word.length)} f(void);`);
  });

  it('blanks __diagnose_as(...) before a fortified function\'s name (include/linux/fortify-string.h)', () => {
    const text = '__FORTIFY_INLINE __diagnose_as(__builtin_strncpy, 1, 2, 3)\nchar *strncpy(char * const p, const char *q, __kernel_size_t size)\n{ return p; }';
    const out = norm(text);
    expect(out).not.toContain('__diagnose_as');
    expect(out.length).toBe(text.length);
  });

  it('blanks an annotation macro with its argument list, across lines', () => {
    expect(norm('void f(void) __acquires(x);')).toBe(`void f(void) ${' '.repeat('__acquires(x)'.length)};`);
    const multi = 'void f(struct s *a)\n\t__releases(\n\t\t&a->lock)\n{ }';
    // From the macro's name to its closing parenthesis; the newline stays.
    expect(norm(multi)).toBe('void f(struct s *a)\n\t' + ' '.repeat('__releases('.length) + '\n' + ' '.repeat('\t\t&a->lock)'.length) + '\n{ }');
  });

  it('blanks whole words only', () => {
    const text = 'int noinstr_count = __init_x + my__init;';
    expect(norm(text)).toBe(text);
    expect(normalizeKernelC(text).rewrites).toBe(0);
  });

  it('rewrites an iterator macro followed by a block into a while of the same length', () => {
    const text = '\tlist_for_each_entry(a, b, c) {\n\t\tx();\n\t}\n';
    const out = norm(text);
    expect(out).toBe(`\twhile${' '.repeat('list_for_each_entry'.length - 5)}(a, b, c) {\n\t\tx();\n\t}\n`);
  });

  it('rewrites an iterator macro whose body is a single statement', () => {
    const out = norm('{ for_each_cpu(cpu, mask)\n\tkick(cpu); }');
    expect(out.startsWith('{ while')).toBe(true);
  });

  it('leaves an iterator-named call statement alone', () => {
    const text = 'void f(void) { list_for_each_entry(a, b, c); }';
    expect(norm(text)).toBe(text);
    const arg = 'void f(void) { g(list_for_each_entry(a, b, c)); x = for_each_thing(y), z; }';
    expect(norm(arg)).toBe(arg);
  });

  it('blanks the upper bound of a GNU case range', () => {
    expect(norm('switch (x) { case 1 ... 3: y(); }')).toBe('switch (x) { case 1      : y(); }');
    expect(norm("switch (c) { case 'a' ... 'z': y(); }")).toBe("switch (c) { case 'a'        : y(); }");
  });

  it('leaves a plain case label alone', () => {
    const text = 'switch (x) { case 1: y(); case (2): z(); }';
    expect(norm(text)).toBe(text);
  });

  it('leaves comments and strings alone', () => {
    const text = [
      '/* noinstr __init list_for_each_entry(a, b, c) { case 1 ... 3: */',
      '// __always_inline __acquires(x) for_each_cpu(c, m) {',
      'const char *s = "noinstr __user case 1 ... 3:";',
      "char c = '_';",
      '',
    ].join('\n');
    expect(norm(text)).toBe(text);
  });

  it('leaves preprocessor directives alone', () => {
    const text = '#define noinstr __attribute__((noinline))\n#define my_for_each(x) for (x = 0; x < 3; x++)\n';
    expect(norm(text)).toBe(text);
  });
});

describe('parseSource with kernel annotations', () => {
  it('finds functions under their real names', () => {
    const parsed = parseSource(utf8('k.c', [
      'static int __init f(void)',
      '{',
      '\treturn 0;',
      '}',
      '',
      'static void noinstr g(void)',
      '{',
      '}',
      '',
      'static int __must_check h(void)',
      '{',
      '\treturn 1;',
      '}',
      '',
      'static inline void __always_inline i(int __user *p) __acquires(x)',
      '{',
      '}',
      '',
    ].join('\n')));
    expect(parsed.unnamedFunctions).toBe(0);
    expect(parsed.functions.map((f) => [f.name, f.line, f.isStatic, f.parseErrors])).toEqual([
      ['f', 1, true, false],
      ['g', 6, true, false],
      ['h', 10, true, false],
      ['i', 15, true, false],
    ]);
    expect(parsed.functions[3]!.params).toEqual(['p']);
  });

  it('parses the body of an iterator loop and a case range without errors', () => {
    const parsed = parseSource(utf8('k.c', [
      'void f(struct list_head *h, int x)',
      '{',
      '\tstruct item *p;',
      '\tlist_for_each_entry(p, h, node) {',
      '\t\tswitch (x) {',
      '\t\tcase 1 ... 3:',
      '\t\t\tuse(p);',
      '\t\t}',
      '\t}',
      '}',
      '',
    ].join('\n')));
    expect(parsed.functions.map((f) => [f.name, f.parseErrors])).toEqual([['f', false]]);
  });

  it('decodes a Latin-1 (invalid UTF-8) file byte for byte, with exact line numbers', () => {
    const head = Buffer.from('/*\n * Copyright (C) 2009 Jos', 'latin1');
    const bytes = Buffer.concat([
      head, Buffer.from([0xe9]), Buffer.from(' M\xfcller \xa9\n */\n\nstruct s;\n\nvoid f(void)\n{\n\tg();\n}\n', 'latin1'),
    ]);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const source = decodeSource('l.c', bytes);
    expect(source.encoding).toBe('latin1');
    expect(source.text.length).toBe(bytes.length);
    expect(source.text).toContain('José Müller ©');
    const parsed = parseSource(source);
    expect(parsed.encoding).toBe('latin1');
    expect(parsed.functions.map((f) => [f.name, f.line])).toEqual([['f', 7]]);
  });

  it('decodes valid UTF-8 as UTF-8', () => {
    const source = decodeSource('u.c', Buffer.from('/* José */\nvoid f(void) { }\n', 'utf8'));
    expect(source.encoding).toBe('utf-8');
    expect(source.text).toContain('José');
    expect(parseSource(source).functions.map((f) => [f.name, f.line])).toEqual([['f', 2]]);
  });

  it('refuses a binary file (NUL bytes) with an InputError naming it', () => {
    const bytes = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]);
    expect(() => decodeSource('prog.o', bytes)).toThrow(InputError);
    expect(() => decodeSource('prog.o', bytes)).toThrow(/prog\.o/);
  });
});

describe('type arguments of kernel macros', () => {
  const norm = (t: string): string => normalizeKernelC(t).text;

  it('become 0 inside calls, keeping the length', () => {
    const text = 'void f(void) { x = container_of(p, struct kvm_vcpu, arch); y = min_t(unsigned int, a, b); }';
    const out = norm(text);
    expect(out).toHaveLength(text.length);
    expect(out).toContain('container_of(p, 0              , arch)');
    expect(out).toContain('min_t(0           , a, b)');
  });

  it('leave declarators and sizeof/typeof alone', () => {
    for (const text of ['static int f(void);', 'void g(struct kvm *, unsigned int);', 'int *h(void) { return 0; }',
      'void k(void) { n = sizeof(struct kvm); m = typeof(struct kvm *); }']) {
      expect(norm(text)).toBe(text);
    }
  });
});

describe('inline assembly and macro comments', () => {
  const norm = (t: string): string => normalizeKernelC(t).text;

  it('a template built by macros becomes "" on one line, keeping every newline', () => {
    const text = 'void f(void)\n{\n\tasm volatile(\n\tALTERNATIVE("nop", "isb", CAP)\n\t: : : "memory");\n}\n';
    const out = norm(text);
    expect(out).toHaveLength(text.length);
    expect([...out].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0)).toEqual([...text].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0));
    expect(out).toMatch(/^\s*""\s*$/m);
    expect(out).toContain(': : : "memory"');
  });

  it('a template of string literals is left alone', () => {
    const text = 'void f(void) { asm volatile("nop\\n" "isb" : : : "memory"); }';
    expect(norm(text)).toBe(text);
  });

  it('comments inside a multi-line #define are blanked (tree-sitter loses the continuation after them)', () => {
    const text = '#define X(n) \\\n\t/* first */ \\\n\t{ n },\nint a;\n';
    const out = norm(text);
    expect(out).toHaveLength(text.length);
    expect(out).not.toContain('first');
    expect(parseSource(decodeSource('x.c', Buffer.from(text + 'int g(void) { return 0; }\n'))).functions.map((f) => f.name)).toEqual(['g']);
  });
});
