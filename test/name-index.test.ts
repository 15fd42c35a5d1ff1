// The one-pass name index (scan/name-index): what the pre-filter and the linkage
// know of a file before tree-sitter sees it. A definition it misses, or a call it
// drops, silently removes functions from the analysis, so each rule is pinned here.
import { describe, expect, it } from 'vitest';
import { hasName, nameHash } from '../src/scan/name-hash.js';
import {
  BINDING_FIELDS, FN_ALWAYS_INLINE, FN_CPUIDLE, FN_INLINE, FN_NOINSTR, FN_NOTRACE, indexNames, type IndexedFunction, type NameIndex,
} from '../src/scan/name-index.js';

const c = (lines: string[]): string => lines.join('\n') + '\n';
const names = (index: NameIndex): string[] => index.functions.map((f) => f.name);
function def(index: NameIndex, name: string): IndexedFunction {
  const found = index.functions.filter((f) => f.name === name);
  expect(found, `one definition of ${name}`).toHaveLength(1);
  return found[0]!;
}
const calls = (f: IndexedFunction, name: string): boolean => hasName(f.calls, name);
const mentions = (f: IndexedFunction, name: string): boolean => hasName(f.calls, name) || hasName(f.values, name);
/** Member calls as [member, container] names, from the names the test expects. */
function memberCalls(f: IndexedFunction, known: string[]): [string, string | null][] {
  const byHash = new Map(known.map((n) => [nameHash(n), n]));
  const out: [string, string | null][] = [];
  for (let i = 0; i < f.memberCalls.length; i += 2) {
    out.push([byHash.get(f.memberCalls[i]!) ?? '?', f.memberCalls[i + 1] ? byHash.get(f.memberCalls[i + 1]!) ?? '?' : null]);
  }
  return out;
}
/** Bindings as [member, fn, owner name or null, type or null], from the names the test expects. */
function bindings(index: NameIndex, known: string[]): [string, string, string | null, string | null][] {
  const byHash = new Map(known.map((n) => [nameHash(n), n]));
  const out: [string, string, string | null, string | null][] = [];
  const b = index.bindings;
  for (let i = 0; i < b.length; i += BINDING_FIELDS) {
    out.push([byHash.get(b[i]!) ?? '?', byHash.get(b[i + 1]!) ?? '?', b[i + 3] ? index.functions[b[i + 3]! - 1]!.name : null,
      b[i + 2] ? byHash.get(b[i + 2]!) ?? '?' : null]);
  }
  return out;
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
    expect(calls(def(index, 'g'), 'vprintk')).toBe(true);
    expect(hasName(def(index, 'g').values, 'fmt')).toBe(true);
  });

  it('reads what the declaration says of a function: inline, noinstr, __cpuidle, notrace', () => {
    const index = indexNames('a.c', c([
      'static inline void a(void) { }',
      'static __always_inline void b(void) { }',
      'noinstr void c(void) { }',
      'void __cpuidle d(void) { }',
      'static notrace int e(void) { return 0; }',
      'static int f(void) { return 0; }',
      'static __inline__ int g(void) { return 0; }',
    ]));
    const flags = (n: string): number => def(index, n).flags;
    expect(flags('a')).toBe(FN_INLINE);
    expect(flags('b')).toBe(FN_INLINE | FN_ALWAYS_INLINE);
    expect(flags('c')).toBe(FN_NOINSTR);
    expect(flags('d')).toBe(FN_CPUIDLE);
    expect(flags('e')).toBe(FN_NOTRACE);
    expect(flags('f')).toBe(0);
    expect(flags('g')).toBe(FN_INLINE);
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
    expect(calls(bar, 'baz')).toBe(true);
    expect([...bar.calls]).toHaveLength(1);
    // Both are call-like names at file scope; the macro's argument is a value (an address).
    expect(hasName(index.declared, 'module_init') && hasName(index.declared, 'bar')).toBe(true);
    expect(hasName(index.fileValues, 'x')).toBe(true);
  });

  // declStart is after the macro call, not at `module_init` (a build parses
  // text.slice(declStart, end) alone).
  it('declStart of a definition after a `;`-less macro call excludes the call', () => {
    const text = 'module_init(x)\nstatic int bar(void)\n{\n\treturn 0;\n}\n';
    const bar = def(indexNames('a.c', text), 'bar');
    expect(text.slice(bar.declStart, bar.end).trim()).toBe('static int bar(void)\n{\n\treturn 0;\n}');
  });

  it('prototypes are declared, not defined, and take no address', () => {
    const index = indexNames('a.c', c([
      'int proto(struct kvm_vcpu *vcpu);',
      'static void proto2(int a) __acquires(x);',
      'extern void proto3(void) asm("sym");',
    ]));
    expect(index.functions).toEqual([]);
    for (const n of ['proto', 'proto2', 'proto3']) {
      expect(hasName(index.declared, n), n).toBe(true);
      expect(hasName(index.fileValues, n), n).toBe(false);
      expect(hasName(index.fileCalls, n), n).toBe(false);
    }
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
    expect(bindings(index, ['run', 'vmx_run', 'check', 'vmx_check', 'kvm_x86_ops'])).toEqual([
      ['run', 'vmx_run', null, 'kvm_x86_ops'], ['check', 'vmx_check', null, null],
    ]);
    // An initializer's call is a call outside every definition.
    expect(hasName(index.fileCalls, 'f')).toBe(true);
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
    expect(calls(real, 'seen')).toBe(true);
    for (const hidden of ['foo', 'bar', 'not_a_call', 'hidden_in_comment', 'hidden_in_line_comment']) {
      expect(mentions(real, hidden), hidden).toBe(false);
      expect(hasName(index.declared, hidden), hidden).toBe(false);
    }
    expect(def(index, 'after').line).toBe(13);
    expect(index.reliable).toBe(true);
  });

  it('offsets of a byte input are of bytes, and a non-ASCII file says so', () => {
    const text = '/* Müller */\nint f(void)\n{\n\treturn g();\n}\n';
    const bytes = Buffer.from(text, 'utf8');
    const index = indexNames('a.c', bytes);
    const f = def(index, 'f');
    expect(bytes.subarray(f.declStart, f.end).toString()).toBe('int f(void)\n{\n\treturn g();\n}');
    expect(index.ascii).toBe(false);
    expect(indexNames('b.c', 'int f(void) { return 0; }\n').ascii).toBe(true);
  });
});

describe('indexNames: macros', () => {
  it('a function-like #define is a macro definition calling what its body names, continuation lines included', () => {
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
    expect(m.flags & FN_INLINE).toBe(FN_INLINE);
    expect(calls(m, 'local_irq_enable')).toBe(true);
    expect(memberCalls(m, ['run'])).toEqual([['run', null]]);
    expect(calls(m, 'while')).toBe(false); // keywords are not names
    expect(calls(m, 'run')).toBe(false); // a member is no name
    expect(text.slice(m.declStart, m.end)).toBe(text.slice(0, text.indexOf('while (0)') + 'while (0)'.length));
    // The continuation lines are counted: `user` is on line 5, and its braces
    // are not confused with the macro's `{`.
    const user = def(index, 'user');
    expect(user.macro).toBe(false);
    expect(user.line).toBe(5);
    expect(calls(user, 'm')).toBe(true);
    expect(hasName(user.values, 'v')).toBe(true);
    expect(index.reliable).toBe(true);
  });

  it('object-like macros are not definitions (the names they forward to are values)', () => {
    const index = indexNames('a.c', c([
      '#define KVM_MAX_VCPUS 1024',
      '#define sync_state arch_sync_state',
      '#define EMPTY',
    ]));
    expect(index.functions).toEqual([]);
    expect(hasName(index.fileValues, 'arch_sync_state')).toBe(true);
    expect(index.declared.length).toBe(0);
  });

  it('other directives mention nothing; includes are kept', () => {
    const index = indexNames('a.c', c([
      '#include <linux/kvm_host.h>',
      '# include "x86.h"',
      '#if defined(CONFIG_X86) && IS_ENABLED(CONFIG_KVM)',
      '#error "do not build() {"',
      '#endif',
    ]));
    expect(index.functions).toEqual([]);
    expect(index.declared.length).toBe(0);
    expect(index.fileValues.length).toBe(0);
    expect(index.includes).toEqual([['<', 'linux/kvm_host.h'], ['"', 'x86.h']]);
  });
});

describe('indexNames: calls, keys and bindings', () => {
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
    '\tvcpu->arch.ops->flush(vcpu);',
    '\t(*vcpu->ops->kick)(vcpu);',
    '\t(ops->poke)(vcpu);',
    '\tvcpu->ops->table[0](vcpu);',
    '}',
  ]);
  const index = indexNames('a.c', text);
  const f = def(index, 'f');
  const known = ['run', 'stop', 'go', 'field', 'other', 'flush', 'ops', 'kick', 'poke', 'table', 'arch', 'vcpu'];

  it('a call through a member is a member call, with `->` or `.`, with or without blanks, with the field it is reached through', () => {
    expect(memberCalls(f, known)).toEqual([
      ['run', null], ['stop', null], ['go', null], ['flush', 'ops'], ['kick', 'ops'], ['poke', null],
    ]);
    // A member is not a plain name: `run` is no function here.
    for (const m of ['run', 'stop', 'go']) expect(mentions(f, m), m).toBe(false);
  });

  it('a field read is no call and no name', () => {
    for (const m of ['field', 'other']) expect(mentions(f, m), m).toBe(false);
    // Its object is a value.
    expect(hasName(f.values, 'ops')).toBe(true);
  });

  it('plain calls are calls, function names used as values are values', () => {
    for (const m of ['helper', 'static_call', 'kvm_x86_call']) expect(calls(f, m), m).toBe(true);
    for (const m of ['other_fn', 'kvm_handle_exit', 'cb_fn']) expect(hasName(f.values, m), m).toBe(true);
  });

  it('the arguments of call-returning macros are keys, with the macro', () => {
    expect([...f.keys].sort()).toEqual([['kvm_x86_call', 'vcpu_run'], ['static_call', 'kvm_x86_vcpu_run']]);
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
    expect(bindings(body, ['cb', 'other_fn', 'third_fn'])).toEqual([['cb', 'other_fn', 'g', null], ['cb', 'third_fn', 'g', null]]);
  });

  it('a pointer stored into a member in a body is a binding owned by that function', () => {
    expect(bindings(index, ['handle_exit', 'kvm_handle_exit', 'cb', 'cb_fn'])).toEqual([
      ['handle_exit', 'kvm_handle_exit', 'f', null],
      ['cb', 'cb_fn', 'f', null],
    ]);
  });

  it('`.member = fn` in a file-scope initializer is a binding without owner, typed by its table when plain', () => {
    const table = indexNames('vmx.c', c([
      'struct kvm_x86_ops vmx_x86_ops __initdata = {',
      '\t.run = vmx_run,',
      '\t.handle_exit = (void *)vmx_handle_exit,',
      '\t.flush = &vmx_flush',
      '};',
      'static struct nested_ops ops[] = {',
      '\t[0] = { .check = vmx_check },',
      '};',
      'static struct cpuidle_driver drv = {',
      '\t.states = { { .enter = idle_enter } },',
      '};',
      'static int value = 3;',
    ]));
    const known = ['run', 'vmx_run', 'handle_exit', 'vmx_handle_exit', 'flush', 'vmx_flush', 'check', 'vmx_check', 'enter',
      'idle_enter', 'kvm_x86_ops', 'nested_ops', 'cpuidle_driver'];
    expect(bindings(table, known)).toEqual([
      ['run', 'vmx_run', null, 'kvm_x86_ops'],
      ['handle_exit', 'vmx_handle_exit', null, 'kvm_x86_ops'],
      ['flush', 'vmx_flush', null, 'kvm_x86_ops'],
      ['check', 'vmx_check', null, 'nested_ops'],
      // A member of a nested struct is of another type.
      ['enter', 'idle_enter', null, null],
    ]);
    expect(table.functions).toEqual([]);
    for (const n of ['vmx_run', 'vmx_handle_exit', 'vmx_flush', 'vmx_check']) expect(hasName(table.fileValues, n), n).toBe(true);
    // The table's own name is declared, not taken.
    expect(hasName(table.fileValues, 'vmx_x86_ops')).toBe(false);
  });

  it('`struct T *field;` declarations type the field', () => {
    const index = indexNames('h.h', c([
      'struct kvm_vcpu_arch {',
      '\tstruct kvm_x86_ops *ops;',
      '\tconst struct kvm_pmu_ops *pmu_ops;',
      '\tstruct foo **twice;',
      '};',
    ]));
    expect([...index.pointerFields]).toEqual([nameHash('ops'), nameHash('kvm_x86_ops'), nameHash('pmu_ops'), nameHash('kvm_pmu_ops')]);
  });

  it('a file-scope body is not a call of any definition', () => {
    const two = indexNames('a.c', c([
      'static struct ops o = { .run = vmx_run };',
      'int g(void)',
      '{',
      '\treturn 0;',
      '}',
    ]));
    expect(def(two, 'g').calls.length + def(two, 'g').values.length).toBe(0);
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
    expect(calls(bad, 'x')).toBe(true);
    // The `{` in column 0 resynchronises: bad ends there, not at the end of the file.
    expect(bad.end).toBeLessThan(text.indexOf('local_irq_enable'));
  });

  // The header `int later(void)` is read while `bad` is still open: at the
  // resynchronising `{` it is taken from the last column-0 declaration start
  // (was a missed finding: 1 without the pre-filter, 0 with it).
  it('the function after the resynchronising `{` is still found', () => {
    const later = def(index, 'later');
    expect(later.line).toBe(13);
    expect(calls(later, 'local_irq_enable')).toBe(true);
    expect(hasName(index.declared, 'later')).toBe(true);
  });

  // Arms that each *close* a brace end the definition early and the rest of its
  // body (here `relaxing()`) is read as file scope: the index must say so.
  it('an extra `}` from #if arms also makes the index unreliable, and what follows is called outside definitions', () => {
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
    expect(hasName(closing.fileCalls, 'relaxing')).toBe(true);
  });
});
