// The make syntax and expansion the kbuild reader stands on.
import { describe, expect, it } from 'vitest';
import { expand, referencedNames } from '../src/kernel/make-expand.js';
import { parseMakefile, type MakeStatement } from '../src/kernel/makefile.js';

const assigns = (text: string) => parseMakefile(text, 'Makefile').statements.filter((s): s is Extract<MakeStatement, { kind: 'assign' }> => s.kind === 'assign');

describe('parseMakefile', () => {
  it('reads every assignment operator, with modifiers', () => {
    const ops = assigns('A = 1\nB := 2\nC += 3\nD ?= 4\nE ::= 5\nF != echo\noverride G := 7\nexport H = 8\n');
    expect(ops.map((a) => `${a.name}${a.op}${a.value}`)).toEqual(['A=1', 'B:=2', 'C+=3', 'D?=4', 'E::=5', 'F!=echo', 'G:=7', 'H=8']);
  });

  it('joins continuation lines at their first line and strips comments, a continued comment included', () => {
    const [obj, after] = assigns('obj-y += a.o \\\n\tb.o # note \\\n\tKASAN_SANITIZE := n\nX := 1 \\# not a comment\n');
    expect(obj).toMatchObject({ name: 'obj-y', value: 'a.o b.o', line: 1 });
    expect(after).toMatchObject({ name: 'X', value: '1 \\# not a comment', line: 4 });
  });

  it('a `#` inside a reference is not a comment; an even run of backslashes does not continue', () => {
    expect(assigns('A := $(subst #,x,y)\n')[0]!.value).toBe('$(subst #,x,y)');
    expect(assigns('A := x\\\\\nB := y\n').map((a) => a.name)).toEqual(['A', 'B']);
  });

  it('tells rules from assignments by the first `=` or `:` outside references', () => {
    const parsed = parseMakefile('$(obj)/%.o: $(src)/%.c FORCE\n\t$(call cmd,cc)\nNAME_$(X:a=b) := 1\n$(obj)/x.o: KCOV_INSTRUMENT := n\n', 'M');
    expect(parsed.statements.map((s) => s.kind)).toEqual(['rule', 'assign', 'assign']);
    expect(parsed.statements[1]).toMatchObject({ name: 'NAME_$(X:a=b)', op: ':=' });
    expect(parsed.statements[2]).toMatchObject({ name: 'KCOV_INSTRUMENT', target: '$(obj)/x.o' });
  });

  it('skips recipes and define bodies, but not a tab-indented line outside a rule', () => {
    const names = assigns('all: x\n\tKASAN_SANITIZE := n\n\nB := 1\ndefine body\nC := 2\nendef\n\tD := 3\n').map((a) => a.name);
    expect(names).toEqual(['B', 'D']);
  });

  it('records the conditions around each statement, else branches negated', () => {
    const [a, b, c, d] = assigns([
      'ifdef CONFIG_A', 'A := 1', 'else ifeq ($(CONFIG_B),y)', 'B := 1', 'else', 'C := 1', 'endif',
      'ifneq ($(CONFIG_D),)', 'ifndef CONFIG_E', 'D := 1', 'endif', 'endif',
    ].join('\n'));
    expect(a!.conditions).toEqual([{ line: 1, test: 'ifdef CONFIG_A', negated: false, config: { name: 'CONFIG_A', set: true } }]);
    expect(b!.conditions.map((x) => [x.negated, x.config])).toEqual([[true, { name: 'CONFIG_A', set: false }], [false, { name: 'CONFIG_B', set: true }]]);
    expect(c!.conditions.map((x) => x.config?.set)).toEqual([false, false]);
    expect(d!.conditions.map((x) => x.config)).toEqual([{ name: 'CONFIG_D', set: true }, { name: 'CONFIG_E', set: false }]);
  });

  it('a test that is not one symbol\'s state has no config', () => {
    const [a, b] = assigns('ifneq ($(CONFIG_X),y)\nA := 1\nendif\nifeq ($(ARCH),x86)\nB := 1\nendif\n');
    expect(a!.conditions[0]!.config).toBeUndefined(); // also true for =m
    expect(b!.conditions[0]!.config).toBeUndefined();
  });

  it('include lines', () => {
    expect(parseMakefile('include $(srctree)/a.mk\n-include b.mk\n', 'M').statements).toMatchObject([
      { kind: 'include', paths: '$(srctree)/a.mk', optional: false }, { kind: 'include', paths: 'b.mk', optional: true },
    ]);
  });
});

describe('expand', () => {
  const vars: Record<string, string> = { objs: 'a.o b.o', dir: '../lib', ftrace: '-pg -mfentry', e: '' };
  const lookup = (n: string) => vars[n];

  it('variables, substitution references, and text functions', () => {
    expect(expand('$(addprefix $(dir)/, $(objs))', lookup)).toBe('../lib/a.o ../lib/b.o');
    expect(expand('$(patsubst %.o,%.nvhe.o,$(objs))', lookup)).toBe('a.nvhe.o b.nvhe.o');
    expect(expand('${objs:.o=.c} $(objs:%.o=x/%.s)', lookup)).toBe('a.c b.c x/a.s x/b.s');
    expect(expand('$(filter-out -pg, $(ftrace))', lookup)).toBe('-mfentry');
    expect(expand('$(subst m,y,m) $(addsuffix .o,x y) $(sort b a b) $(notdir a/b.c) $(basename a/b.c)', lookup)).toBe('y x.o y.o a b b.c a/b');
    expect(expand('$(if $(e),yes,no) $(if $(objs),yes,no) $$x', lookup)).toBe('no yes $x');
  });

  it('what cannot be expanded stays as written', () => {
    expect(expand('$(call cc-option,-x) $(UNKNOWN) $(shell id)', lookup)).toBe('$(call cc-option,-x) $(UNKNOWN) $(shell id)');
    expect(expand('$(filter-out $(CC_FLAGS_FTRACE), $(CC_FLAGS_FTRACE) -O2)', lookup)).toBe('-O2');
  });

  it('names referred to, nested ones included', () => {
    expect(referencedNames('$(addprefix $(dir)/, $(objs)) ${x} $(y:.o=.c)').sort()).toEqual(['dir', 'objs', 'x', 'y']);
  });
});
