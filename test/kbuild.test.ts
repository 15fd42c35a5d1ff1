// The kbuild reader on trees we wrote (fixtures/kbuild/new: 6.12-style switch defaults,
// fixtures/kbuild/old: 6.1-style), each case a quiet/instrumented pair where it can be.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kbuild, builtWithout, type SourceInstrumentation } from '../src/kernel/kbuild.js';
import type { InstrumentationKind } from '../src/model/instrumentation.js';

const fixtures = path.join(__dirname, '..', 'fixtures', 'kbuild');
const NEW = new Kbuild(path.join(fixtures, 'new'));
const OLD = new Kbuild(path.join(fixtures, 'old'));

/** `built` and the first deciding place, `file:line`, of one kind. */
function said(facts: SourceInstrumentation, kind: InstrumentationKind): string {
  const v = facts.kinds[kind];
  const first = v.decidedBy[0];
  return first ? `${v.built} ${first.file}:${first.line}` : v.built;
}

const of = (kbuild: Kbuild, file: string, kind: InstrumentationKind) => said(kbuild.instrumentation(file), kind);

const temps: string[] = [];
afterAll(() => { for (const t of temps) rmSync(t, { recursive: true, force: true }); });

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-kbuild-'));
  temps.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('sanitizer switches', () => {
  it('a directory switch covers the directory\'s objects (kernel/entry)', () => {
    expect(of(NEW, 'kernel/entry/common.c', 'kasan')).toBe('without kernel/entry/Makefile:2');
    expect(of(NEW, 'kernel/entry/common.c', 'ubsan')).toBe('without kernel/entry/Makefile:3');
    expect(of(NEW, 'kernel/entry/common.c', 'kcov')).toBe('without kernel/entry/Makefile:4');
    expect(of(NEW, 'kernel/entry/common.c', 'kcsan')).toBe('with');
  });

  it('a per-object switch beats the directory\'s, both ways', () => {
    // KASAN_SANITIZE := n for the directory, KASAN_SANITIZE_syscall.o := y for one object.
    const syscall = NEW.instrumentation('kernel/entry/syscall.c');
    expect(syscall.kinds.kasan.built).toBe('with');
    expect(syscall.kinds.kasan.decidedBy.map((s) => s.line)).toEqual([2, 5]);
    expect(of(NEW, 'arch/demo/kernel/probe.c', 'kcsan')).toMatch(/^with /);
    expect(of(NEW, 'arch/demo/kernel/plain.c', 'kcsan')).toBe('without arch/demo/kernel/Makefile:9');
    expect(of(NEW, 'arch/demo/kernel/entry.c', 'kcov')).toBe('without arch/demo/kernel/Makefile:8');
    expect(of(NEW, 'arch/demo/kernel/plain.c', 'kcov')).toBe('with');
  });

  it('switches do not reach subdirectories; KBUILD_CFLAGS does', () => {
    // hyp/low filters ftrace out of KBUILD_CFLAGS and is built off the kernel-object lists;
    // its subdirectory deep/ keeps the filter but not the switch defaults of low's objects.
    expect(of(NEW, 'arch/demo/kvm/hyp/low/deep/inner.c', 'ftrace')).toBe('without arch/demo/kvm/hyp/low/Makefile:17');
    expect(of(NEW, 'arch/demo/kvm/hyp/low/deep/inner.c', 'kasan')).toBe('with');
    expect(of(NEW, 'kernel/sched/core.c', 'kcov')).toBe('without kernel/sched/Makefile:1');
    expect(of(NEW, 'kernel/ctx.c', 'kcov')).toBe('with');
  });

  it('6.12: an object outside obj-y/obj-m/lib-y gets no sanitizer by default, cited to Makefile.lib', () => {
    const world = NEW.instrumentation('arch/demo/kvm/hyp/low/world.c');
    expect(world.objects.map((o) => [o.object, o.kernelObject])).toEqual([['world.low.o', false]]);
    for (const kind of ['kasan', 'kcsan', 'ubsan', 'kcov', 'gcov'] as const) {
      expect(world.kinds[kind].built).toBe('without');
      expect(world.kinds[kind].decidedBy[0]!.file).toBe('scripts/Makefile.lib');
      expect(world.kinds[kind].decidedBy[0]!.note).toMatch(/world\.low\.o is in no obj-y/);
    }
    // A composite's part is linked in: kvm-vendor.o is made of vendor/exit.o.
    expect(NEW.instrumentation('arch/demo/kvm/vendor/exit.c').objects[0]!.kernelObject).toBe(true);
    expect(of(NEW, 'arch/demo/kvm/vendor/exit.c', 'kasan')).toBe('with');
  });

  it('6.1: defaults are y or the *_ALL symbol, so an object outside the lists is instrumented', () => {
    expect(OLD.instrumentation('arch/demo/kvm/helper.c').objects[0]!.kernelObject).toBe(false);
    expect(of(OLD, 'arch/demo/kvm/helper.c', 'kasan')).toBe('with');
    expect(of(OLD, 'arch/demo/kvm/helper.c', 'gcov')).toBe('with');
  });

  it('the per-object key is the file name in 6.1 and the path from the directory in 6.12', () => {
    expect(of(NEW, 'arch/demo/kvm/vendor/vcpu.c', 'kasan')).toBe('without arch/demo/kvm/Makefile:12');
    expect(of(NEW, 'arch/demo/kvm/vendor/exit.c', 'kcov')).toBe('with'); // KCOV_INSTRUMENT_exit.o: the 6.1 spelling
    expect(of(OLD, 'arch/demo/kvm/vendor/vcpu.c', 'kasan')).toBe('without arch/demo/kvm/Makefile:6');
    expect(of(OLD, 'arch/demo/kvm/vendor/vcpu.c', 'kcsan')).toBe('with'); // KCSAN_SANITIZE_vendor/vcpu.o: the 6.12 spelling
  });

  it('conditions: the kind\'s own symbol is given, any other makes it depend', () => {
    expect(of(NEW, 'lib/string.c', 'kcsan')).toBe('without lib/Makefile:7'); // ifeq ($(CONFIG_KCSAN),y)
    const string = NEW.instrumentation('lib/string.c');
    expect(string.kinds.kasan.built).toBe('depends');
    expect(string.kinds.kasan.decidedBy[0]!.conditions.map((c) => c.test)).toEqual(['ifneq ($(CONFIG_LIB_FAST),)']);
    expect(string.kinds.kcov.decidedBy[0]!.conditions.map((c) => c.test)).toEqual(['not: ifneq ($(CONFIG_LIB_FAST),)']);
    expect(of(NEW, 'arch/demo/kvm/run.c', 'ubsan')).toBe('depends arch/demo/kvm/Makefile:17'); // ifdef CONFIG_DEMO_64
    expect(builtWithout(string, 'kasan')).toBeUndefined();
    expect(builtWithout(string, 'kcsan')!.map((s) => s.line)).toEqual([7]);
  });

  it('?= assigns only what is unset; a value we cannot expand makes it depend', () => {
    expect(of(NEW, 'lib/string.c', 'gcov')).toBe('without lib/Makefile:16');
    expect(of(NEW, 'lib/string.c', 'ubsan')).toBe('with lib/Makefile:17');
    expect(of(NEW, 'lib/string.c', 'kmsan')).toBe('depends lib/Makefile:19');
  });

  it('a variable in the object\'s name (`stack_$(BITS).o`) matches under a condition', () => {
    const stack = NEW.instrumentation('arch/demo/kernel/stack_64.c');
    expect(stack.kinds.kasan.built).toBe('depends');
    expect(stack.kinds.kasan.decidedBy[0]!.conditions[0]!.test).toMatch(/\$\(BITS\)/);
  });
});

describe('ftrace', () => {
  it('CFLAGS_REMOVE_obj.o of $(CC_FLAGS_FTRACE), and of -pg on an arch that keeps -pg', () => {
    expect(of(NEW, 'arch/demo/kernel/trap.c', 'ftrace')).toBe('without arch/demo/kernel/Makefile:5');
    // Under ifdef CONFIG_FUNCTION_TRACER: given.
    expect(of(NEW, 'arch/demo/kernel/tick.c', 'ftrace')).toBe('without arch/demo/kernel/Makefile:3');
    expect(of(NEW, 'arch/demo/kernel/plain.c', 'ftrace')).toBe('with');
    expect(of(NEW, 'kernel/irqwork.c', 'ftrace')).toBe('without kernel/Makefile:7');
  });

  it('removing -pg where the arch sets its own CC_FLAGS_FTRACE only may remove it', () => {
    const clock = NEW.instrumentation('arch/patch/kernel/clock.c');
    expect(clock.kinds.ftrace.built).toBe('depends');
    expect(clock.kinds.ftrace.decidedBy[0]!.conditions[0]!.test).toMatch(/CC_FLAGS_FTRACE is -pg/);
  });

  it('ccflags-remove-$(CONFIG_FUNCTION_TRACER) is given; another symbol in the name is a condition', () => {
    expect(of(NEW, 'kernel/trace/hooks.c', 'ftrace')).toBe('without kernel/trace/Makefile:1');
    expect(of(NEW, 'lib/string.c', 'ftrace')).toBe('depends lib/Makefile:1');
  });

  it('a flag list through a local variable; the object removal is cited before the directory\'s', () => {
    expect(NEW.instrumentation('lib/glue.c').kinds.ftrace).toMatchObject({
      built: 'without', decidedBy: [{ line: 3 }, { line: 4, text: 'CFLAGS_REMOVE_glue.o = $(LOCAL_REMOVE)' }],
    });
  });

  it('CFLAGS_obj.o puts back what ccflags-remove-y took out', () => {
    expect(of(NEW, 'drivers/idle/gov.c', 'ftrace')).toBe('without drivers/idle/Makefile:1');
    expect(NEW.instrumentation('drivers/idle/poll.c').kinds.ftrace).toMatchObject({ built: 'with', decidedBy: [{ line: 1 }, { line: 3 }] });
  });

  it('KBUILD_CFLAGS := $(filter-out $(CC_FLAGS_FTRACE) ...) covers the directory', () => {
    expect(of(NEW, 'arch/demo/kvm/hyp/low/world.c', 'ftrace')).toBe('without arch/demo/kvm/hyp/low/Makefile:17');
    expect(of(NEW, 'arch/demo/kvm/hyp/high/sw.c', 'ftrace')).toBe('with');
  });
});

describe('branch profiling', () => {
  it('subdir-ccflags-y reaches every subdirectory; the arch Makefile is not a kbuild file', () => {
    expect(of(NEW, 'arch/demo/kvm/hyp/high/sw.c', 'branch-profiling')).toBe('without arch/demo/Kbuild:2');
    expect(of(NEW, 'kernel/ctx.c', 'branch-profiling')).toBe('with');
    // arch/demo/Makefile says KASAN_SANITIZE := n: the top Makefile's include, not arch/demo's kbuild file.
    expect(of(NEW, 'arch/demo/kernel/plain.c', 'kasan')).toBe('with');
  });

  it('#define DISABLE_BRANCH_PROFILING before the includes', () => {
    expect(of(NEW, 'drivers/idle/gov.c', 'branch-profiling')).toBe('without drivers/idle/gov.c:1');
    expect(of(NEW, 'drivers/idle/poll.c', 'branch-profiling')).toBe('with');
  });

  it('removing the disabling flag where nothing added it decides nothing', () => {
    expect(NEW.instrumentation('kernel/trace/hooks.c').kinds['branch-profiling']).toEqual({ built: 'with', decidedBy: [] });
  });
});

describe('which objects a source is compiled into', () => {
  it('named with a path by a parent\'s kbuild file, and through an included fragment', () => {
    const vcpu = NEW.instrumentation('arch/demo/kvm/vendor/vcpu.c');
    expect(vcpu.objects.map((o) => `${o.kbuildFile} ${o.object} ${o.namedAt?.line}`)).toEqual(['arch/demo/kvm/Makefile vendor/vcpu.o 6']);
    // virt/demo has no kbuild file of its own: the arch Makefiles that include its fragment are not searched.
    expect(NEW.instrumentation('virt/demo/core.c').objects).toEqual([]);
  });

  it('named by two subdirectories (`../shared.o`): "without" only if every object is', () => {
    const shared = NEW.instrumentation('arch/demo/kvm/hyp/shared.c');
    expect(shared.objects.map((o) => `${o.kbuildFile} ${o.object}`)).toEqual([
      'arch/demo/kvm/hyp/high/Makefile ../shared.o', 'arch/demo/kvm/hyp/low/Makefile ../shared.low.o',
    ]);
    expect(shared.objects.map((o) => o.kinds.ftrace.built)).toEqual(['with', 'without']);
    expect(shared.kinds.ftrace.built).toBe('depends');
    expect(shared.kinds['branch-profiling'].built).toBe('without');
  });

  it('a .c #included by another is built as the includer\'s object', () => {
    const idle = NEW.instrumentation('kernel/sched/idle.c');
    expect(idle.objects.map((o) => [o.object, o.includedFrom])).toEqual([['policy.o', 'kernel/sched/policy.c']]);
    expect(said(idle, 'kcov')).toBe('without kernel/sched/Makefile:1');
  });

  it('Kbuild is read before Makefile', () => {
    expect(of(NEW, 'drivers/both/pick.c', 'kcov')).toBe('without drivers/both/Kbuild:1');
  });

  it('a target-specific setting holds for some objects only: it may decide', () => {
    const pick = NEW.instrumentation('drivers/both/pick.c').kinds.kasan;
    expect(pick.built).toBe('depends');
    expect(pick.decidedBy[0]!.conditions.map((c) => c.test)).toEqual(['the object is one of $(obj)/pick.o']);
  });

  it('no kbuild file, or one that does not name the object: kbuild\'s defaults', () => {
    const none = NEW.instrumentation('drivers/none/x.c');
    expect(none.objects).toEqual([]);
    expect(Object.values(none.kinds).every((v) => v.built === 'with' && v.decidedBy.length === 0)).toBe(true);
    expect(NEW.instrumentation('kernel/entry/unlisted.c').objects).toEqual([]);
  });

  it('absolute paths work; paths outside the tree read nothing', () => {
    const abs = NEW.instrumentation(path.join(fixtures, 'new', 'kernel/entry/common.c'));
    expect(abs.source).toBe('kernel/entry/common.c');
    expect(abs.kinds.kasan.built).toBe('without');
    expect(NEW.instrumentation('../old/arch/demo/kvm/vendor/vcpu.c').objects).toEqual([]);
    expect(NEW.instrumentation('/etc/hostname').objects).toEqual([]);
  });

  it('a kbuild file that is a symlink out of the tree is not read', () => {
    const outside = tree({ 'Makefile': 'KASAN_SANITIZE := n\nobj-y += leak.o\n' });
    const root = tree({ 'drivers/x/.keep': '' });
    symlinkSync(path.join(outside, 'Makefile'), path.join(root, 'drivers/x/Makefile'));
    expect(new Kbuild(root).instrumentation('drivers/x/leak.c').objects).toEqual([]);
  });
});

describe('arch capability', () => {
  it('a kind the arch cannot enable is "without", cited to the kind\'s dependency', () => {
    expect(of(NEW, 'arch/demo/kernel/plain.c', 'kmsan')).toBe('without lib/Kconfig.kmsan:3');
    expect(NEW.instrumentation('arch/demo/kernel/plain.c').kinds.kmsan.decidedBy[0]!.note).toBe('arch/demo selects none of HAVE_ARCH_KMSAN');
    expect(of(NEW, 'arch/patch/kernel/clock.c', 'kcsan')).toBe('without lib/Kconfig.kcsan:3');
    expect(of(NEW, 'arch/demo/kernel/probe.c', 'kcsan')).toMatch(/^with/); // arch/demo selects HAVE_ARCH_KCSAN
  });

  it('generic code is judged for the arch the caller names', () => {
    expect(of(NEW, 'kernel/ctx.c', 'kmsan')).toBe('with');
    expect(said(NEW.instrumentation('kernel/ctx.c', 'demo'), 'kmsan')).toBe('without lib/Kconfig.kmsan:3');
    // A kind whose dependency the tree does not declare (no lib/Kconfig.kasan here) is left to kbuild.
    expect(said(NEW.instrumentation('kernel/ctx.c', 'demo'), 'kasan')).toBe('with');
  });
});

describe('generated Makefiles', () => {
  it('many conditional flag assignments stay a few values, and the one that matters is found', () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) lines.push(`ifdef CONFIG_OPT_${i}`, `ccflags-y += -DOPT_${i} -I$(src)/opt${i}`, 'endif');
    lines.push('CFLAGS_REMOVE_big.o += $(CC_FLAGS_FTRACE)');
    for (let i = 0; i < 300; i++) lines.push(`obj-$(CONFIG_OPT_${i}) += part${i}.o`);
    lines.push('obj-y += big.o');
    const root = tree({ 'drivers/gen/Makefile': `${lines.join('\n')}\n` });
    const kbuild = new Kbuild(root);
    expect(said(kbuild.instrumentation('drivers/gen/big.c'), 'ftrace')).toBe(`without drivers/gen/Makefile:${300 * 3 + 1}`);
    expect(said(kbuild.instrumentation('drivers/gen/part299.c'), 'ftrace')).toBe('with');
    expect(kbuild.instrumentation('drivers/gen/part150.c').objects[0]!.namedAt!.line).toBe(300 * 3 + 2 + 150);
  });

  it('many conditional switch assignments: too many values to tell is "depends", never "without"', () => {
    // "n" + "x3 x7" + default is "nx3 x7...": patsubst keeps x7, so any OPT_i makes odd.o instrumented.
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) lines.push(`ifdef CONFIG_OPT_${i}`, `KCOV_INSTRUMENT += x${i}`, 'endif');
    lines.push('KCOV_INSTRUMENT_odd.o := n', 'obj-y += odd.o even.o');
    const kbuild = new Kbuild(tree({ 'drivers/gen/Makefile': `${lines.join('\n')}\n` }));
    expect(kbuild.instrumentation('drivers/gen/odd.c').kinds.kcov.built).toBe('depends');
    expect(kbuild.instrumentation('drivers/gen/even.c').kinds.kcov.built).not.toBe('without');
  });
});
