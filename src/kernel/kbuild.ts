// Which instrumentation kbuild builds a source file's object with, read from the
// tree's kbuild files, and where that is decided (file and line), so a finding
// can cite it. The kbuild semantics followed (scripts/Makefile.lib and
// scripts/Makefile.build of 6.1 and 6.12, Documentation/dev-tools/{kasan,kcsan,
// kmsan,ubsan,gcov}.rst, Documentation/kbuild/makefiles.rst):
// - A sanitizer switch is `$(X_obj.o)$(X)DEFAULT` concatenated, and the object is
//   built with the kind unless that starts with n: the per-object setting beats the
//   directory's, which beats kbuild's default. The per-object key is the file name in
//   6.1 ($(basetarget)) and the path from the kbuild file's directory in 6.12
//   ($(target-stem)); 6.12 defaults to "only objects linked into vmlinux or a module"
//   ($(is-kernel-object)). Both are read from the tree's Makefile.lib.
// - Switches are plain variables of one kbuild file: they apply to the objects that file
//   builds, never to subdirectories (each directory is a separate make).
// - Flags: KBUILD_CFLAGS is exported, so what a kbuild file does to it (and its
//   subdir-ccflags-y, appended by Makefile.lib) reaches every subdirectory; ccflags-y,
//   ccflags-remove-y and CFLAGS[_REMOVE]_obj.o are the directory's and the object's only:
//   _c_flags = filter-out(CFLAGS_REMOVE_obj.o, filter-out(ccflags-remove-y, KBUILD_CFLAGS
//   ccflags-y) CFLAGS_obj.o). There is no subdir-ccflags-remove-y in kbuild.
// - A setting under a condition is taken as always applying only when the condition is the
//   Kconfig symbol that turns the kind on (`ifdef CONFIG_FUNCTION_TRACER` around a
//   CFLAGS_REMOVE of ftrace); any other condition makes the verdict "depends".
// Precision: "without" is said only when every configuration and every object the source is
// compiled into is built without the kind; a missing or unreadable kbuild file, an object no
// kbuild file names, or a removal we cannot read means "with" (kbuild's default).
import path from 'node:path';
import { INSTRUMENTATION_KINDS, type InstrumentationKind } from '../model/instrumentation.js';
import {
  FTRACE_REF, ObjectLists, SettingValues, UNKNOWN_WORD, flattenIncludes,
  type FileStatement, type KbuildSetting, type Possibility, type Significance,
} from './kbuild-eval.js';
import { TreeFiles, archSelects, kconfigDependency, pgRemovesFtrace, switchRule, type SwitchRule } from './kbuild-tree.js';
import { words } from './make-expand.js';
import type { MakeCondition } from './makefile.js';
import type { Configuration } from './configuration.js';

export type { KbuildCondition, KbuildSetting } from './kbuild-eval.js';

/** Built with the kind (in configurations that enable it), without it in every configuration,
 *  or with it in some configurations or some of the source's objects only (the settings say
 *  under which conditions; SourceInstrumentation.objects which object is which). */
export interface KindVerdict {
  built: 'with' | 'without' | 'depends';
  /** The settings that decided, in file and line order; empty for kbuild's default. */
  decidedBy: KbuildSetting[];
}

export type KindVerdicts = Record<InstrumentationKind, KindVerdict>;

export interface KbuildObject {
  /** The kbuild file that builds the object, relative to the tree root. */
  kbuildFile: string;
  /** The object as that file names it, relative to its directory: `vmx/vmx.o`, `switch.nvhe.o`. */
  object: string;
  /** Where a list names it; undefined when only an unexpandable list may. */
  namedAt?: { file: string; line: number; text: string };
  /** The .c that #includes the source, when the source is compiled as part of another file. */
  includedFrom?: string;
  /** Linked into vmlinux or a module by name (obj-y, obj-m, lib-y or a composite of them). */
  kernelObject: boolean;
  kinds: KindVerdicts;
}

export interface SourceInstrumentation {
  /** The source file, relative to the tree root. */
  source: string;
  /** The objects kbuild compiles the source into, as far as its kbuild files tell: kbuild files
   *  of the source's directory, its parents and its subdirectories are read. */
  objects: KbuildObject[];
  /** Over all objects: "without" only when every object is built without the kind. */
  kinds: KindVerdicts;
}

/** The settings that keep a kind out of the source in every configuration, or undefined. */
export function builtWithout(facts: SourceInstrumentation, kind: InstrumentationKind): KbuildSetting[] | undefined {
  const verdict = facts.kinds[kind];
  return verdict.built === 'without' ? verdict.decidedBy : undefined;
}

type SwitchKind = Exclude<InstrumentationKind, 'ftrace' | 'branch-profiling'>;
type FlagKind = Extract<InstrumentationKind, 'ftrace' | 'branch-profiling'>;

const KERNEL_OBJECT_RULE = (config?: string): SwitchRule => ({ objectKey: 'target-stem', default: { on: 'kernel-object', config } });

/** The y/n switches, each read under the Kconfig symbol that turns the kind on (the
 *  `ifeq ($(CONFIG_KASAN),y)` around its block in Makefile.lib); the fallback, for a tree
 *  without scripts/Makefile.lib, is 6.12's rule. */
const SWITCHES: Record<SwitchKind, { variable: string; enabledBy: string[]; fallback: SwitchRule }> = {
  kasan: { variable: 'KASAN_SANITIZE', enabledBy: ['CONFIG_KASAN'], fallback: KERNEL_OBJECT_RULE() },
  kcsan: { variable: 'KCSAN_SANITIZE', enabledBy: ['CONFIG_KCSAN'], fallback: KERNEL_OBJECT_RULE() },
  kmsan: { variable: 'KMSAN_SANITIZE', enabledBy: ['CONFIG_KMSAN'], fallback: KERNEL_OBJECT_RULE() },
  ubsan: { variable: 'UBSAN_SANITIZE', enabledBy: ['CONFIG_UBSAN'], fallback: KERNEL_OBJECT_RULE() },
  kcov: { variable: 'KCOV_INSTRUMENT', enabledBy: ['CONFIG_KCOV'], fallback: KERNEL_OBJECT_RULE('CONFIG_KCOV_INSTRUMENT_ALL') },
  gcov: { variable: 'GCOV_PROFILE', enabledBy: ['CONFIG_GCOV_KERNEL'], fallback: KERNEL_OBJECT_RULE('CONFIG_GCOV_PROFILE_ALL') },
};

const DISABLE_BRANCH_PROFILING = '-DDISABLE_BRANCH_PROFILING';

/** Kinds a compiler flag decides. ftrace: the top Makefile puts $(CC_FLAGS_FTRACE) (-pg, or the
 *  arch's own) in KBUILD_CFLAGS under CONFIG_FUNCTION_TRACER, which sits inside `if FTRACE`
 *  (kernel/trace/Kconfig). Branch profiling: compiler.h hooks likely()/unlikely() under
 *  CONFIG_TRACE_BRANCH_PROFILING unless DISABLE_BRANCH_PROFILING is defined. */
const FLAGS: Record<FlagKind, { enabledBy: string[]; spellings: string[]; root: string; flagMeans: 'with' | 'without' }> = {
  ftrace: { enabledBy: ['CONFIG_FUNCTION_TRACER', 'CONFIG_FTRACE'], spellings: [FTRACE_REF, '-pg'], root: FTRACE_REF, flagMeans: 'with' },
  'branch-profiling': { enabledBy: ['CONFIG_TRACE_BRANCH_PROFILING'], spellings: [DISABLE_BRANCH_PROFILING], root: '', flagMeans: 'without' },
};

/** What an arch must select for a kind to be enabled at all (the kind's `depends on`, checked in
 *  the tree: 6.1's UBSAN needs nothing, 6.12's needs ARCH_HAS_UBSAN). KMSAN is x86 only in both. */
const ARCH_NEEDS: Partial<Record<InstrumentationKind, { symbols: string[]; declaredIn: string }>> = {
  ftrace: { symbols: ['HAVE_FUNCTION_TRACER'], declaredIn: 'kernel/trace/Kconfig' },
  kcov: { symbols: ['ARCH_HAS_KCOV'], declaredIn: 'lib/Kconfig.debug' },
  kasan: { symbols: ['HAVE_ARCH_KASAN', 'HAVE_ARCH_KASAN_SW_TAGS'], declaredIn: 'lib/Kconfig.kasan' },
  kcsan: { symbols: ['HAVE_ARCH_KCSAN'], declaredIn: 'lib/Kconfig.kcsan' },
  kmsan: { symbols: ['HAVE_ARCH_KMSAN'], declaredIn: 'lib/Kconfig.kmsan' },
  ubsan: { symbols: ['ARCH_HAS_UBSAN'], declaredIn: 'lib/Kconfig.ubsan' },
};

const isSwitch = (kind: InstrumentationKind): kind is SwitchKind => kind in SWITCHES;
const enablers = (kind: InstrumentationKind): string[] => (isSwitch(kind) ? SWITCHES[kind].enabledBy : FLAGS[kind].enabledBy);

interface Outcome { instrumented: boolean; by: KbuildSetting[] }

/** One object a source is compiled into, before its verdicts. */
interface Build {
  dir: string;
  kbuildFile: string;
  stem: string;
  namedAt?: FileStatement;
  includedFrom?: string;
  kernelObject: boolean;
  /** The file the compiler reads (the includer, for an included source). */
  compiled: string;
}

const parentDir = (dir: string): string => (dir.includes('/') ? path.posix.dirname(dir) : '');
const archOfDir = (dir: string): string | undefined => /^arch\/([^/]+)\//.exec(`${dir}/`)?.[1];

function sortSettings(list: KbuildSetting[]): KbuildSetting[] {
  const unique = new Map(list.map((s) => [`${s.file}:${s.line}`, s]));
  return [...unique.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

function verdictOf(outcomes: Outcome[]): KindVerdict {
  const withIt = outcomes.filter((o) => o.instrumented);
  const without = outcomes.filter((o) => !o.instrumented);
  const built = without.length === 0 ? 'with' : withIt.length === 0 ? 'without' : 'depends';
  const deciding = built === 'with' ? withIt : built === 'without' ? without : outcomes;
  return { built, decidedBy: sortSettings(deciding.flatMap((o) => o.by)) };
}

function combine(verdicts: KindVerdict[]): KindVerdict {
  if (verdicts.length === 0) return { built: 'with', decidedBy: [] };
  const all = (b: KindVerdict['built']) => verdicts.every((v) => v.built === b);
  const built = all('with') ? 'with' : all('without') ? 'without' : 'depends';
  return { built, decidedBy: sortSettings(verdicts.flatMap((v) => v.decidedBy)) };
}

interface Removal { removes: boolean; by: KbuildSetting[] }

/** Whether the flag reaches the compiler, and the settings that decided it:
 *  filter-out(CFLAGS_REMOVE_obj.o, filter-out(ccflags-remove-y, KBUILD_CFLAGS ccflags-y) CFLAGS_obj.o).
 *  The most specific setting that decides is cited (the object's removal first); a directory
 *  removal of a flag nothing put there decides nothing and is not cited. */
function decideFlag(
  inherited: Possibility, ccflags: Possibility, objFlags: Possibility, ccRemove: Removal, objRemove: Removal,
  adds: (p: Possibility) => boolean,
): { present: boolean; by: KbuildSetting[] } {
  const directory = adds(inherited) || adds(ccflags);
  if (objRemove.removes) return { present: false, by: objRemove.by };
  if (adds(objFlags)) return { present: true, by: [...(directory && ccRemove.removes ? ccRemove.by : []), ...objFlags.by] };
  if (directory && ccRemove.removes) return { present: false, by: ccRemove.by };
  if (directory) return { present: true, by: [...inherited.by, ...(adds(ccflags) ? ccflags.by : [])] };
  return { present: false, by: inherited.by };
}

function cartesian<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((prefix) => list.map((x) => [...prefix, x])), [[]]);
}

/** Reads one kernel tree's kbuild files; caches every file and evaluation for its lifetime (a run). */
export class Kbuild {
  private readonly tree: TreeFiles;
  private readonly statementsByDir = new Map<string, FileStatement[]>();
  private readonly listsByDir = new Map<string, ObjectLists>();
  private readonly values = new Map<string, SettingValues>();
  private readonly passed = new Map<string, Possibility[]>();
  private readonly rules = new Map<SwitchKind, SwitchRule>();
  private readonly includersByDir = new Map<string, Map<string, string[]>>();
  private readonly archCannot = new Map<string, KbuildSetting | null>();
  private readonly results = new Map<string, SourceInstrumentation>();

  constructor(root: string) {
    this.tree = new TreeFiles(root);
  }

  /** An enabled trace_<event>_rcuidle() warns "Bad RCU usage for tracepoint" on the
   *  arch (6.12's tracepoint.h, on arches that select ARCH_WANTS_NO_INSTR). */
  rcuidleTracepointsWarn(arch: string): boolean {
    const header = this.tree.read('include/linux/tracepoint.h') ?? '';
    return header.includes('CONFIG_ARCH_WANTS_NO_INSTR') && header.includes('Bad RCU usage for tracepoint') &&
      archSelects(this.tree, arch, ['ARCH_WANTS_NO_INSTR']);
  }

  /** The kbuild files (and Makefile.lib, Kconfig) read so far, present or not. */
  filesRead(): string[] {
    return this.tree.filesRead();
  }

  /** What the objects of a source file (absolute, or relative to the tree root) are built with.
   *  `arch` is the arch the caller builds generic code for: a kind that arch cannot enable is
   *  "without" (code under arch/<a>/ is that arch's whatever the caller says). */
  instrumentation(source: string, arch?: string): SourceInstrumentation {
    const inTree = this.tree.relative(source);
    const rel = inTree ?? path.basename(source);
    const key = `${rel}\0${arch ?? ''}`;
    let result = this.results.get(key);
    if (!result) {
      const builds = inTree === undefined ? [] : this.buildsOf(rel, new Set());
      const objects = builds.map((b) => this.objectOf(b, archOfDir(b.dir) ?? arch));
      const kinds = Object.fromEntries(INSTRUMENTATION_KINDS.map((k) => [k, combine(objects.map((o) => o.kinds[k]))])) as KindVerdicts;
      result = { source: rel, objects, kinds };
      this.results.set(key, result);
    }
    return result;
  }

  private statements(dir: string): FileStatement[] {
    let list = this.statementsByDir.get(dir);
    if (!list) {
      const file = this.tree.kbuildFile(dir);
      list = file === undefined ? [] : flattenIncludes(file, dir, (rel) => this.tree.makefile(rel));
      this.statementsByDir.set(dir, list);
    }
    return list;
  }

  private lists(dir: string): ObjectLists {
    let lists = this.listsByDir.get(dir);
    if (!lists) { lists = new ObjectLists(this.statements(dir)); this.listsByDir.set(dir, lists); }
    return lists;
  }

  /** Where kbuild names the source, when a configuration builds none of its objects: every
   *  list that names one is `obj-$(CONFIG_X)` (or a composite's part of such an object) for an
   *  X the configuration leaves unset. Undefined when it builds one, or may: no kbuild file
   *  names the source, it is built as part of an includer, or a list cannot be expanded. */
  notBuiltBy(source: string, configuration: Configuration): KbuildObject['namedAt'] | undefined {
    const rel = this.tree.relative(source);
    if (rel === undefined || configuration.empty) return undefined;
    const builds = this.buildsOf(rel, new Set());
    if (!builds.length || builds.some((b) => b.includedFrom !== undefined)) return undefined;
    for (const b of builds) {
      const lists = this.configuredLists(b.dir, configuration);
      if (lists.mayBeUnresolved(`${b.stem}.o`) || lists.builtObjects().has(`${b.stem}.o`)) return undefined;
    }
    const named = builds.find((b) => b.namedAt)?.namedAt;
    return named && { file: named.file, line: named.statement.line, text: named.statement.text };
  }

  private readonly configuredListsByDir = new Map<string, ObjectLists>();

  private configuredLists(dir: string, configuration: Configuration): ObjectLists {
    const key = `${configuration.hash}\0${dir}`;
    let lists = this.configuredListsByDir.get(key);
    if (!lists) {
      lists = new ObjectLists(this.statements(dir), (symbol) => configuration.kbuildValue(symbol));
      this.configuredListsByDir.set(key, lists);
    }
    return lists;
  }

  /** The objects a source is compiled into: named by the kbuild file of its directory, of a
   *  parent (`vmx/vmx.o`), of a subdirectory (`../vgic-v3-sr.o`), or, when none names it,
   *  through a file of its directory that #includes it (kernel/sched/build_policy.c includes idle.c). */
  private buildsOf(source: string, visiting: Set<string>): Build[] {
    if (visiting.has(source)) return [];
    visiting.add(source);
    const dir = parentDir(source);
    const stemPath = source.replace(/\.c$/, '');
    const candidates: string[] = [];
    for (let d = dir; d !== ''; d = parentDir(d)) candidates.push(d);
    // A subdirectory can only name the source as `../name.o`.
    candidates.push(...this.tree.kbuildSubdirs(dir).filter((d) => this.tree.read(this.tree.kbuildFile(d) as string)?.includes('..')));
    const builds: Build[] = [];
    for (const candidate of candidates) {
      const kbuildFile = this.tree.kbuildFile(candidate);
      if (kbuildFile === undefined) continue;
      const lists = this.lists(candidate);
      const relative = path.posix.relative(candidate, stemPath);
      const built = lists.builtObjects();
      const kernel = lists.kernelObjects();
      const stems = ['', ...lists.patternSuffixes].map((suffix) => relative + suffix).filter((s) => built.has(`${s}.o`));
      // An object list we could not expand may still name the source's own object.
      if (stems.length === 0 && candidate === dir && lists.hasUnresolvedObjects()) stems.push(relative);
      for (const stem of stems) {
        const namedAt = lists.namedAt(`${stem}.o`);
        builds.push({
          dir: candidate, kbuildFile, stem, namedAt, compiled: source,
          kernelObject: kernel.has(`${stem}.o`) || lists.hasUnresolvedObjects(),
        });
      }
    }
    // Only a source no kbuild file names is looked for in #includes (reading a directory's sources costs).
    if (builds.length > 0) return builds;
    for (const includer of this.includers(dir).get(source) ?? []) {
      for (const b of this.buildsOf(includer, visiting)) builds.push({ ...b, includedFrom: b.includedFrom ?? includer });
    }
    return builds;
  }

  /** For each .c of a directory, the .c files there that #include it. */
  private includers(dir: string): Map<string, string[]> {
    let map = this.includersByDir.get(dir);
    if (!map) {
      map = new Map();
      for (const file of this.tree.filesNamed(dir, (n) => n.endsWith('.c'))) {
        const text = this.tree.readOnce(file) ?? '';
        if (!text.includes('.c"')) continue;
        for (const m of text.matchAll(/^[ \t]*#[ \t]*include[ \t]+"([^"]+\.c)"/gm)) {
          const included = path.posix.normalize(path.posix.join(dir, m[1] as string));
          map.set(included, [...(map.get(included) ?? []), file]);
        }
      }
      this.includersByDir.set(dir, map);
    }
    return map;
  }

  private objectOf(b: Build, arch: string | undefined): KbuildObject {
    const kinds = Object.fromEntries(INSTRUMENTATION_KINDS.map((k) => {
      const cannot = arch === undefined ? undefined : this.archCannotEnable(arch, k);
      return [k, cannot ? { built: 'without', decidedBy: [cannot] } : this.verdict(b, k)];
    })) as KindVerdicts;
    const namedAt = b.namedAt && { file: b.namedAt.file, line: b.namedAt.statement.line, text: b.namedAt.statement.text };
    return {
      kbuildFile: b.kbuildFile, object: `${b.stem}.o`, ...(namedAt && { namedAt }),
      ...(b.includedFrom && { includedFrom: b.includedFrom }), kernelObject: b.kernelObject, kinds,
    };
  }

  private verdict(b: Build, kind: InstrumentationKind): KindVerdict {
    return verdictOf(isSwitch(kind) ? this.switchOutcomes(b, kind) : this.flagOutcomes(b, kind));
  }

  /** Why the arch can never enable the kind (its `depends on` line), or undefined when it can. */
  private archCannotEnable(arch: string, kind: InstrumentationKind): KbuildSetting | undefined {
    const key = `${arch}\0${kind}`;
    if (!this.archCannot.has(key)) {
      const needs = ARCH_NEEDS[kind];
      const declared = needs && kconfigDependency(this.tree, needs.declaredIn, needs.symbols[0] as string);
      const cannot = needs && declared && !archSelects(this.tree, arch, needs.symbols)
        ? { ...declared, conditions: [], note: `arch/${arch} selects none of ${needs.symbols.join(', ')}` }
        : null;
      this.archCannot.set(key, cannot);
    }
    return this.archCannot.get(key) ?? undefined;
  }

  private settingValues(dir: string, kind: InstrumentationKind): SettingValues {
    const key = `${dir}\0${kind}`;
    let values = this.values.get(key);
    if (!values) {
      const on = enablers(kind);
      const given = (c: MakeCondition) => c.config?.set === true && on.includes(c.config.name);
      const significance: Significance = isSwitch(kind) ? { switch: true } : { flags: new Set(FLAGS[kind].spellings) };
      const initial = new Map<string, Possibility[]>(isSwitch(kind) ? [] : [['KBUILD_CFLAGS', this.passedCflags(parentDir(dir), kind)]]);
      values = new SettingValues(this.statements(dir), initial, given, significance);
      this.values.set(key, values);
    }
    return values;
  }

  /** KBUILD_CFLAGS (the flag kind's words of it) as a directory's objects and subdirectories get it. */
  private passedCflags(dir: string, kind: FlagKind): Possibility[] {
    if (dir === '') return [{ value: FLAGS[kind].root, by: [] }]; // from the top Makefile
    const key = `${dir}\0${kind}`;
    let list = this.passed.get(key);
    if (!list) {
      if (this.tree.kbuildFile(dir) === undefined) {
        list = this.passedCflags(parentDir(dir), kind);
      } else {
        const values = this.settingValues(dir, kind);
        list = cartesian([values.final('KBUILD_CFLAGS'), values.final('subdir-ccflags-y')]).map(([own, subdir]) => ({
          value: [...new Set(words(`${own?.value ?? ''} ${subdir?.value ?? ''}`))].join(' '),
          by: [...(own?.by ?? []), ...(subdir?.by ?? [])],
        }));
      }
      this.passed.set(key, list);
    }
    return list;
  }

  private rule(kind: SwitchKind): SwitchRule {
    let rule = this.rules.get(kind);
    if (!rule) { rule = switchRule(this.tree, SWITCHES[kind].variable, SWITCHES[kind].fallback); this.rules.set(kind, rule); }
    return rule;
  }

  private switchOutcomes(b: Build, kind: SwitchKind): Outcome[] {
    const rule = this.rule(kind);
    const variable = SWITCHES[kind].variable;
    const key = rule.objectKey === 'basetarget' ? path.posix.basename(b.stem) : b.stem;
    const values = this.settingValues(b.dir, kind);
    const d = rule.default;
    const defaultOn = d.on === 'always' || d.on === 'config' || (d.on === 'kernel-object' && b.kernelObject);
    const defaultSetting: KbuildSetting | undefined = rule.place && {
      ...rule.place, conditions: [],
      note: d.on === 'kernel-object' && !b.kernelObject
        ? `${b.stem}.o is in no obj-y, obj-m or lib-y list of ${b.kbuildFile}: kbuild instruments only objects linked into vmlinux or a module`
        : 'kbuild instruments no object by default',
    };
    const outcomes: Outcome[] = [];
    for (const [own, dirWide] of cartesian([values.final(`${variable}_${key}.o`), values.final(variable)])) {
      const by = [...(own?.by ?? []), ...(dirWide?.by ?? [])];
      const joined = `${own?.value ?? ''}${dirWide?.value ?? ''}${defaultOn ? 'y' : ''}`;
      if (joined.includes(UNKNOWN_WORD)) { outcomes.push({ instrumented: true, by }, { instrumented: false, by }); continue; }
      // $(patsubst n%,,WORDS): built with the kind unless every word starts with n.
      const instrumented = words(joined).some((w) => !w.startsWith('n'));
      outcomes.push({ instrumented, by: !instrumented && by.length === 0 && defaultSetting ? [defaultSetting] : by });
    }
    return outcomes;
  }

  private flagOutcomes(b: Build, kind: FlagKind): Outcome[] {
    const flag = FLAGS[kind];
    const values = this.settingValues(b.dir, kind);
    const pgRemoves = kind === 'ftrace' && pgRemovesFtrace(this.tree, b.dir);
    const adds = (p: Possibility) => words(p.value ?? '').length > 0;
    // A removal of -pg alone removes ftrace only where CC_FLAGS_FTRACE is -pg.
    const removals = (p: Possibility): Removal[] => {
      const w = words(p.value ?? '');
      if (w.length === 0) return [{ removes: false, by: [] }];
      if (kind !== 'ftrace' || w.includes(FTRACE_REF) || pgRemoves) return [{ removes: true, by: p.by }];
      const conditional = p.by.map((s) => ({
        ...s, conditions: [...s.conditions, { file: s.file, line: s.line, test: 'CC_FLAGS_FTRACE is -pg (an arch that does not set its own)' }],
      }));
      return [{ removes: true, by: conditional }, { removes: false, by: [] }];
    };
    const source = kind === 'branch-profiling' ? this.sourceDefinesNoBranchProfiling(b.compiled) : undefined;
    const outcomes: Outcome[] = [];
    const [inherited, ccflags, ccRemove, objFlags, objRemove] = [
      this.passedCflags(b.dir, kind), values.final('ccflags-y'), values.final('ccflags-remove-y'),
      values.final(`CFLAGS_${b.stem}.o`), values.final(`CFLAGS_REMOVE_${b.stem}.o`),
    ];
    for (const [inh, cc, obj] of cartesian([inherited, ccflags, objFlags])) {
      for (const [ccr, objr] of cartesian([ccRemove.flatMap(removals), objRemove.flatMap(removals)])) {
        const decided = decideFlag(inh as Possibility, cc as Possibility, obj as Possibility, ccr as Removal, objr as Removal, adds);
        if (flag.flagMeans === 'with') outcomes.push({ instrumented: decided.present, by: decided.by });
        else outcomes.push(source ? { instrumented: false, by: [source] } : { instrumented: !decided.present, by: decided.by });
      }
    }
    return outcomes;
  }

  /** `#define DISABLE_BRANCH_PROFILING` before the file's first #include (arch/x86/kernel/head64.c). */
  private sourceDefinesNoBranchProfiling(file: string): KbuildSetting | undefined {
    const lines = (this.tree.readOnce(file) ?? '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (/^\s*#\s*(?:include|if)/.test(line)) return undefined;
      if (/^\s*#\s*define\s+DISABLE_BRANCH_PROFILING\b/.test(line)) return { file, line: i + 1, text: line.trim(), conditions: [] };
    }
    return undefined;
  }
}
