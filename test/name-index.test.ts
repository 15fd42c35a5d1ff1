// The one-pass name index (scan/name-index): what the pre-filter knows of a file
// before tree-sitter sees it. A definition it misses, or a mention it drops,
// silently removes functions from the analysis, so each rule is pinned here.
import { describe, expect, it } from 'vitest';
import { indexNames, type IndexedFunction, type NameIndex } from '../src/scan/name-index.js';

const c = (lines: string[]): string => lines.join('\n') + '\n';
const names = (index: NameIndex): string[] => index.functions.map((f) => f.name);
function def(index: NameIndex, name: string): IndexedFunction {
  const found = index.functions.filter((f) => f.name === name);
  expect(found, `one definition of ${name}`).toHaveLength(1);
  return found[0]!;
}

describe('indexNames: definitions', () => {
  it('tells static from non-static definitions', () => {
    const index = indexNames('a.c', c([
      'static int local_fn(void)',
      '{',
      '\treturn 0;',
      '}',
      'int global_fn(void)',
      '{',
      '\treturn 1;',
      '}',
    ]));
    expect(names(index)).toEqual(['local_fn', 'global_fn']);
    expect(def(index, 'local_fn').isStatic).toBe(true);
    expect(def(index, 'global_fn').isStatic).toBe(false);
    expect(index.functions.every((f) => !f.macro)).toBe(true);
    expect(index.reliable).toBe(true);
  });

  it('a static prototype does not make the next definition static', () => {
    const index = indexNames('a.c', c([
      'static void helper(void);',
      'void visible(void)',
      '{',
      '\thelper();',
      '}',
    ]));
    expect(def(index, 'visible').isStatic).toBe(false);
  });

  it('finds the name among attributes and annotations around it', () => {
    const index = indexNames('a.c', c([
      'static __always_inline __must_check int f(void)',
      '{',
      '\treturn 0;',
      '}',
      'static inline __printf(1, 2) void g(const char *fmt, ...)',
      '{',
      '\tvprintk(fmt);',
      '}',
      'int h(void) __acquires(l)',
      '{',
      '\tspin_lock(l);',
      '}',
      'static noinline __attribute__((unused)) int k(void)',
      '{',
      '\treturn 2;',
      '}',
      'int m(struct kvm *kvm) __must_hold(&kvm->lock) __attribute__((noinline))',
      '{',
      '\treturn 3;',
      '}',
    ]));
    // Not __printf, __acquires, __attribute__ or __must_hold.
    expect(names(index)).toEqual(['f', 'g', 'h', 'k', 'm']);
    expect(def(index, 'f').isStatic).toBe(true);
    expect(def(index, 'g').isStatic).toBe(true);
    expect(def(index, 'h').isStatic).toBe(false);
    expect([...def(index, 'g').mentions]).toEqual(expect.arrayContaining(['vprintk', 'fmt']));
  });

  it('the return type may sit on the line before the name', () => {
    const text = c([
      'static int',
      'split_header(struct kvm_vcpu *vcpu)',
      '{',
      '\treturn 0;',
      '}',
    ]);
    const f = def(indexNames('a.c', text), 'split_header');
    expect(f.line).toBe(2);
    expect(f.isStatic).toBe(true);
    expect(text.slice(f.declStart, f.end)).toBe(text.trimEnd());
  });

  it('a file-scope macro call without `;` does not take the next definition\'s name', () => {
    const text = c([
      'module_init(x)',
      'static int bar(void)',
      '{',
      '\treturn baz();',
      '}',
    ]);
    const index = indexNames('a.c', text);
    expect(names(index)).toEqual(['bar']);
    const bar = def(index, 'bar');
    expect(bar.line).toBe(2);
    expect(bar.isStatic).toBe(true);
    expect(text.slice(bar.start, bar.start + 3)).toBe('bar');
    expect([...bar.mentions]).toEqual(['baz']);
    // Both are call-like names at file scope.
    expect([...index.declared]).toEqual(expect.arrayContaining(['module_init', 'bar']));
  });

  // declStart is after the macro call, not at `module_init` (header-functions
  // re-parses text.slice(declStart, end) alone).
  it('declStart of a definition after a `;`-less macro call excludes the call', () => {
    const text = 'module_init(x)\nstatic int bar(void)\n{\n\treturn 0;\n}\n';
    const bar = def(indexNames('a.c', text), 'bar');
    expect(text.slice(bar.declStart, bar.end).trim()).toBe('static int bar(void)\n{\n\treturn 0;\n}');
  });

  it('prototypes are declared, not defined', () => {
    const index = indexNames('a.c', c([
      'int proto(struct kvm_vcpu *vcpu);',
      'static void proto2(int a) __acquires(x);',
      'extern void proto3(void) asm("sym");',
    ]));
    expect(index.functions).toEqual([]);
    expect([...index.declared]).toEqual(expect.arrayContaining(['proto', 'proto2', 'proto3']));
  });

  it('struct bodies and initializer braces are not definitions', () => {
    const index = indexNames('a.c', c([
      'struct kvm_x86_ops {',
      '\tint (*run)(struct kvm_vcpu *vcpu);',
      '};',
      'static const struct foo tbl[] = { { 1, 2 }, { 3 } };',
      'static int x = f(1);',
      'struct kvm_x86_ops vmx_ops = {',
      '\t.run = vmx_run,',
      '};',
      'enum { A = 1, B };',
      // A call-like name then `=`: an initializer, though `{` follows `)`.
      'static DEFINE_PER_CPU(struct kvm_ops, pcpu_ops) = { .check = vmx_check };',
      'int real(void)',
      '{',
      '\treturn 1;',
      '}',
    ]));
    expect(names(index)).toEqual(['real']);
    expect(def(index, 'real').line).toBe(11);
    expect(index.bindings).toEqual([['.run', 'vmx_run', null], ['.check', 'vmx_check', null]]);
    expect(index.reliable).toBe(true);
  });

  it('ignores braces and identifiers in comments, strings and char literals', () => {
    const index = indexNames('a.c', c([
      '/* foo() { */',
      '// bar() {',
      'int real(void)',
      '{',
      '\tconst char *s = "}";',
      '\tconst char *t = "not_a_call() { \\" }";',
      '\tchar c = \'{\';',
      '\tchar q = \'\\\'\';',
      '\t/* hidden_in_comment() } */',
      '\t// hidden_in_line_comment() }',
      '\treturn seen(s, t, c);',
      '}',
      'int after(void)',
      '{',
      '\treturn 0;',
      '}',
    ]));
    expect(names(index)).toEqual(['real', 'after']);
    const real = def(index, 'real');
    expect(real.line).toBe(3);
    expect(real.mentions.has('seen')).toBe(true);
    for (const hidden of ['foo', 'bar', 'not_a_call', 'hidden_in_comment', 'hidden_in_line_comment']) {
      expect(real.mentions.has(hidden), hidden).toBe(false);
      expect(index.declared.has(hidden), hidden).toBe(false);
    }
    expect(def(index, 'after').line).toBe(13);
    expect(index.reliable).toBe(true);
  });
});

describe('indexNames: macros', () => {
  it('a function-like #define is a macro definition mentioning its body, continuation lines included', () => {
    const text = c([
      '#define m(x) do { \\',
      '\tlocal_irq_enable(); \\',
      '\t(x)->ops->run(x); \\',
      '} while (0)',
      'int user(void)',
      '{',
      '\tm(v);',
      '}',
    ]);
    const index = indexNames('a.c', text);
    const m = def(index, 'm');
    expect(m.macro).toBe(true);
    expect(m.line).toBe(1);
    expect(m.mentions.has('local_irq_enable')).toBe(true);
    expect(m.mentions.has('.run')).toBe(true);
    expect(m.mentions.has('while')).toBe(false); // keywords are not mentions
    expect(text.slice(m.declStart, m.end)).toBe(text.slice(0, text.indexOf('while (0)') + 'while (0)'.length));
    // The continuation lines are counted: `user` is on line 5, and its braces
    // are not confused with the macro's `{`.
    const user = def(index, 'user');
    expect(user.macro).toBe(false);
    expect(user.line).toBe(5);
    expect([...user.mentions]).toEqual(['m', 'v']);
    expect(index.reliable).toBe(true);
  });

  it('object-like macros are not definitions (the names they forward to are file scope)', () => {
    const index = indexNames('a.c', c([
      '#define KVM_MAX_VCPUS 1024',
      '#define sync_state arch_sync_state',
      '#define EMPTY',
    ]));
    expect(index.functions).toEqual([]);
    expect(index.fileScope.has('arch_sync_state')).toBe(true);
    expect(index.declared.size).toBe(0);
  });

  it('other directives mention nothing', () => {
    const index = indexNames('a.c', c([
      '#include <linux/kvm_host.h>',
      '#if defined(CONFIG_X86) && IS_ENABLED(CONFIG_KVM)',
      '#error "do not build() {"',
      '#endif',
    ]));
    expect(index.functions).toEqual([]);
    expect(index.declared.size).toBe(0);
    expect(index.fileScope.size).toBe(0);
  });
});

describe('indexNames: mentions, keys and bindings', () => {
  const text = c([
    'void f(struct kvm_vcpu *vcpu, struct ops *ops, struct x x)',
    '{',
    '\tops->run(v);',
    '\tx.stop(v);',
    '\tops -> go (v);',
    '\tint y = ops->field;',
    '\tint z = x.other;',
    '\tstatic_call(kvm_x86_vcpu_run)(vcpu);',
    '\tkvm_x86_call(vcpu_run)(vcpu);',
    '\tvcpu->arch.handle_exit = kvm_handle_exit;',
    '\tops->cb = (void *)&cb_fn;',
    '\thelper(vcpu, &other_fn);',
    '}',
  ]);
  const index = indexNames('a.c', text);
  const f = def(index, 'f');

  it('a call through a member is `.member`, with `->` or `.`, with or without blanks', () => {
    for (const m of ['.run', '.stop', '.go']) expect(f.mentions.has(m), m).toBe(true);
    // A member is not a plain name: `run` is no function here.
    for (const m of ['run', 'stop', 'go']) expect(f.mentions.has(m), m).toBe(false);
  });

  it('a field read is not a mention', () => {
    for (const m of ['.field', 'field', '.other', 'other']) expect(f.mentions.has(m), m).toBe(false);
    // Its object is.
    expect(f.mentions.has('ops')).toBe(true);
  });

  it('plain calls and function names used as values are mentions', () => {
    for (const m of ['helper', 'other_fn', 'kvm_handle_exit', 'cb_fn', 'static_call', 'kvm_x86_call']) {
      expect(f.mentions.has(m), m).toBe(true);
    }
  });

  it('the arguments of call-returning macros are keys', () => {
    expect([...f.keys].sort()).toEqual(['kvm_x86_vcpu_run', 'vcpu_run']);
    // `helper(vcpu, ...)` is not followed by `(`: no key.
    expect(f.keys.has('vcpu')).toBe(false);
  });

  it('a designator of an initializer in a body is no binding (the program reads only stores)', () => {
    const body = indexNames('m.c', c([
      'void g(struct kvm *kvm)',
      '{',
      '\tconst struct kvm_hva_range range = { .handler = kvm_unmap_gfn_range, };',
      '\tstruct x y = {',
      '\t\t.cb = cb_fn,',
      '\t};',
      '\ty.cb = other_fn;',
      '\tz[1].cb = third_fn;',
      '}',
    ]));
    expect(body.bindings).toEqual([['.cb', 'other_fn', 'g'], ['.cb', 'third_fn', 'g']]);
  });

  it('a pointer stored into a member in a body is a binding owned by that function', () => {
    expect(index.bindings).toEqual([
      ['.handle_exit', 'kvm_handle_exit', 'f'],
      ['.cb', 'cb_fn', 'f'],
    ]);
  });

  it('`.member = fn` in a file-scope initializer is a binding without owner', () => {
    const table = indexNames('vmx.c', c([
      'struct kvm_x86_ops vmx_x86_ops __initdata = {',
      '\t.run = vmx_run,',
      '\t.handle_exit = (void *)vmx_handle_exit,',
      '\t.flush = &vmx_flush',
      '};',
      'static struct nested_ops ops[] = {',
      '\t[0] = { .check = vmx_check },',
      '};',
      'static int value = 3;',
    ]));
    expect(table.bindings).toEqual([
      ['.run', 'vmx_run', null],
      ['.handle_exit', 'vmx_handle_exit', null],
      ['.flush', 'vmx_flush', null],
      ['.check', 'vmx_check', null],
    ]);
    expect(table.functions).toEqual([]);
    for (const n of ['vmx_x86_ops', 'vmx_run', 'vmx_handle_exit', 'vmx_flush', 'vmx_check']) {
      expect(table.fileScope.has(n), n).toBe(true);
    }
  });

  it('a file-scope body is not a mention of any definition', () => {
    const two = indexNames('a.c', c([
      'static struct ops o = { .run = vmx_run };',
      'int g(void)',
      '{',
      '\treturn 0;',
      '}',
    ]));
    expect([...def(two, 'g').mentions]).toEqual([]);
  });
});

describe('indexNames: lines and offsets', () => {
  const text = c([
    '// SPDX-License-Identifier: GPL-2.0',   // 1
    '/*',                                    // 2
    ' * a block comment over lines',         // 3
    ' */',                                   // 4
    '#define LONG_MACRO(a) \\',              // 5
    '\tdo_something(a)',                     // 6
    '',                                      // 7
    'static int first(void)',                // 8
    '{',                                     // 9
    '\treturn 1;',                           // 10
    '}',                                     // 11
    '',                                      // 12
    'void second(struct kvm_vcpu *vcpu)',    // 13
    '{',                                     // 14
    '\tif (vcpu) {',                         // 15
    '\t\tfirst();',                          // 16
    '\t}',                                   // 17
    '}',                                     // 18
  ]);
  const index = indexNames('a.c', text);

  it('line is the 1-based line of the name', () => {
    expect(index.functions.map((f) => [f.name, f.line])).toEqual([['LONG_MACRO', 5], ['first', 8], ['second', 13]]);
  });

  it('declStart..end is the whole definition; start is the name; bodyStart is the `{`', () => {
    const first = def(index, 'first');
    expect(text.slice(first.declStart, first.end)).toBe('static int first(void)\n{\n\treturn 1;\n}');
    expect(text.slice(first.start, first.start + 'first'.length)).toBe('first');
    expect(text[first.bodyStart]).toBe('{');
    expect(text.slice(first.bodyStart, first.end)).toBe('{\n\treturn 1;\n}');

    const second = def(index, 'second');
    expect(text.slice(second.declStart, second.end))
      .toBe('void second(struct kvm_vcpu *vcpu)\n{\n\tif (vcpu) {\n\t\tfirst();\n\t}\n}');
    expect(text[second.end - 1]).toBe('}');
    expect(second.end).toBe(text.length - 1); // just past the last `}`, before the final newline
  });
});

describe('indexNames: unbalanced #if arms', () => {
  const text = c([
    'static int bad(int a, int b)',
    '{',
    '#ifdef CONFIG_A',
    '\tif (a) {',
    '#else',
    '\tif (b) {',
    '#endif',
    '\t\tx();',
    '\t}',
    '\treturn 0;',
    '}',
    '',
    'int later(void)',
    '{',
    '\tlocal_irq_enable();',
    '}',
  ]);
  const index = indexNames('a.c', text);

  it('braces that do not balance make the index unreliable', () => {
    expect(index.reliable).toBe(false);
    const bad = def(index, 'bad');
    expect(bad.mentions.has('x')).toBe(true);
    // The `{` in column 0 resynchronises: bad ends there, not at the end of the file.
    expect(bad.end).toBeLessThan(text.indexOf('local_irq_enable'));
  });

  // The header `int later(void)` is read while `bad` is still open: at the
  // resynchronising `{` it is taken from the last column-0 declaration start
  // (was a missed finding: 1 without the pre-filter, 0 with it).
  it('the function after the resynchronising `{` is still found', () => {
    const later = def(index, 'later');
    expect(later.line).toBe(13);
    expect(later.mentions.has('local_irq_enable')).toBe(true);
    expect(index.declared.has('later')).toBe(true);
  });

  // Arms that each *close* a brace end the definition early and the rest of its
  // body (here `relaxing()`) is read as file scope: the index must say so.
  it('an extra `}` from #if arms also makes the index unreliable', () => {
    const closing = indexNames('b.c', c([
      'int bad2(int a)',
      '{',
      '\tif (a) {',
      '#ifdef CONFIG_A',
      '\t}',
      '#else',
      '\t}',
      '#endif',
      '\trelaxing();',
      '\treturn 0;',
      '}',
    ]));
    expect(closing.reliable).toBe(false);
  });
});
