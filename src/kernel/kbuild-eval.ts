// What a kbuild file's variables end up holding, read two ways:
// - object lists as a union (every object any configuration lists), to find the
//   objects a source file is compiled into and whether they are linked in;
// - setting variables (KASAN_SANITIZE, CFLAGS_REMOVE_foo.o, KBUILD_CFLAGS...)
//   as the set of values they can end with, each with the assignments that made
//   it: an assignment under a condition the caller does not take as given makes
//   both "assigned" and "not assigned" possible.
import path from 'node:path';
import { expand, referencedNames, unresolved, words, type Lookup } from './make-expand.js';
import type { MakeCondition, MakeStatement, ParsedMakefile } from './makefile.js';

/** A place in a kbuild file of the tree: the path is relative to the tree root. */
export interface KbuildCondition { file: string; line: number; test: string }

/** An assignment (or a kbuild default) that decides a setting, with the conditions it needs. */
export interface KbuildSetting {
  file: string;
  line: number;
  text: string;
  /** Conditions (not taken as given) the assignment sits under: empty when it always applies. */
  conditions: KbuildCondition[];
  /** Why, when the text alone does not say (a kbuild default). */
  note?: string;
}

/** A statement with the file it comes from (kbuild files include others). */
export interface FileStatement { file: string; statement: MakeStatement }

type FileCondition = MakeCondition & { file: string };

/** Markers for $(srctree) and $(obj)/$(src): resolved words, replaced once a path is built. */
const SRCTREE = '<srctree>';
const OBJ = '<obj>';

/** The statements of a kbuild file with the files it includes spliced in, in make's order. */
export function flattenIncludes(
  file: string, dir: string, read: (rel: string) => ParsedMakefile | undefined, depth = 0, seen = new Set<string>(),
): FileStatement[] {
  const parsed = read(file);
  if (!parsed || seen.has(file) || depth > 4) return [];
  seen.add(file);
  const out: FileStatement[] = [];
  const base = (v: string) => (v === 'srctree' ? SRCTREE : v === 'src' || v === 'obj' ? OBJ : undefined);
  for (const statement of parsed.statements) {
    if (statement.kind !== 'include') { out.push({ file, statement }); continue; }
    for (const word of words(expand(statement.paths, base))) {
      if (unresolved(word)) continue;
      const rel = word.startsWith(`${SRCTREE}/`) ? word.slice(SRCTREE.length + 1)
        : word.startsWith(`${OBJ}/`) ? path.posix.join(dir, word.slice(OBJ.length + 1)) : word;
      for (const inner of flattenIncludes(path.posix.normalize(rel), dir, read, depth + 1, seen)) {
        const s = inner.statement;
        out.push({ file: inner.file, statement: { ...s, conditions: [...statement.conditions, ...s.conditions] } });
      }
    }
  }
  return out;
}

const withFile = (file: string, c: MakeCondition): FileCondition => ({ ...c, file });

function conditionPlace(c: FileCondition): KbuildCondition {
  return { file: c.file, line: c.line, test: c.negated ? `not: ${c.test}` : c.test };
}

/** A Kconfig symbol's value in a list's name (`obj-$(CONFIG_X)`): y, m, '' (unset), or undefined (not known). */
export type KconfigValue = (symbol: string) => 'y' | 'm' | '' | undefined;

/** Object lists, read as the union over configurations (or, given `kconfig`, over
 *  the configurations that agree with it on the symbols in list names). */
export class ObjectLists {
  private readonly values = new Map<string, string>();
  /** Where each word of an object list first appeared. */
  private readonly firstSeen = new Map<string, FileStatement>();
  /** Suffixes of pattern rules `$(obj)/%SUFFIX.o: $(src)/%.c` (arm64 nVHE's `.nvhe`). */
  readonly patternSuffixes: string[] = [];

  constructor(statements: FileStatement[], kconfig: KconfigValue = () => undefined) {
    const lookup: Lookup = (name) => this.values.get(name) ?? baseVariable(name);
    // A Kconfig symbol in a list's name (`obj-$(CONFIG_KVM)`) may be y or m: either lists the
    // object; unset, it names no list (`obj-`), and the object is not built.
    const nameLookup: Lookup = (name) => (name.startsWith('CONFIG_') ? kconfig(name) ?? 'y' : lookup(name));
    for (const fs of statements) {
      const s = fs.statement;
      if (s.kind === 'rule') { this.notePatternRule(s.targets, s.prerequisites, lookup); continue; }
      if (s.kind !== 'assign' || s.target !== undefined) continue;
      const name = expand(s.name, nameLookup);
      const old = this.values.get(name);
      const value = s.op === '!=' ? '' : expand(s.value, lookup);
      let next: string | undefined;
      if (s.op === '+=') next = old === undefined ? value : `${old} ${value}`;
      else if (s.op === '?=') next = old ?? value;
      else next = s.conditions.length === 0 || old === undefined ? value : `${old} ${value}`;
      this.values.set(name, next);
      if (isListName(name)) {
        for (const w of words(value)) if ((w.endsWith('.o') || unresolved(w)) && !this.firstSeen.has(w)) this.firstSeen.set(w, fs);
      }
    }
  }

  private notePatternRule(targets: string, prerequisites: string, lookup: Lookup): void {
    const target = /^(?:<obj>\/)?%(\.[\w.-]+)?\.o$/.exec(expand(targets, lookup).trim());
    if (target?.[1] && /(?:^|\s)(?:<obj>\/)?%\.c(?:\s|$)/.test(expand(prerequisites, lookup))) {
      this.patternSuffixes.push(target[1]);
    }
  }

  /** Words of a list variable (relative to the kbuild file's directory; `<obj>/` dropped). */
  private list(name: string): string[] {
    return words(this.values.get(name) ?? '').map((w) => (w.startsWith(`${OBJ}/`) ? w.slice(OBJ.length + 1) : w));
  }

  private kernel?: ReadonlySet<string>;
  private built?: ReadonlySet<string>;

  /** Objects linked into vmlinux or a module: obj-y/obj-m/lib-y and the parts of composites
   *  (scripts/Makefile.lib real-search: foo.o is made of $(foo-y) $(foo-objs) $(foo-m)). */
  kernelObjects(): ReadonlySet<string> {
    if (this.kernel) return this.kernel;
    const out = new Set<string>();
    for (const w of [...this.list('obj-y'), ...this.list('obj-m'), ...this.list('lib-y'), ...this.list('lib-m')]) {
      if (w.endsWith('/')) continue;
      const stem = w.replace(/\.o$/, '');
      const parts = ['-y', '-objs', '-m'].flatMap((suffix) => this.list(stem + suffix));
      if (parts.length === 0) out.add(path.posix.normalize(w));
      for (const p of parts) out.add(path.posix.normalize(p));
    }
    this.kernel = out;
    return out;
  }

  /** Every object kbuild builds here: kernel objects and the other targets. */
  builtObjects(): ReadonlySet<string> {
    if (this.built) return this.built;
    const out = new Set(this.kernelObjects());
    for (const name of ['targets', 'extra-y', 'always-y', 'always-m']) {
      for (const w of this.list(name)) out.add(path.posix.normalize(w));
    }
    this.built = out;
    return out;
  }

  /** Whether any list holds a word expansion could not resolve (an object may hide in it). */
  hasUnresolvedObjects(): boolean {
    return [...this.firstSeen.keys()].some(unresolved);
  }

  /** Whether a word expansion could not resolve may be the object: `crash_core_$(BITS).o`
   *  may be crash_core_32.o, not doublefault_32.o; `$(objs)` may be anything. */
  mayBeUnresolved(object: string): boolean {
    return [...this.firstSeen.keys()].some((w) => unresolved(w) && unresolvedPattern(w.replace(`${OBJ}/`, '')).test(object));
  }

  /** Where a list first named the object. */
  namedAt(object: string): FileStatement | undefined {
    for (const [w, fs] of this.firstSeen) if (path.posix.normalize(w.replace(`${OBJ}/`, '')) === object) return fs;
    return undefined;
  }
}

/** A word with references left in it as a pattern: each reference stands for any text. */
function unresolvedPattern(word: string): RegExp {
  const HOLE = '\0';
  let w = word;
  // Innermost references first: `$(patsubst %,$(x),y)` nests.
  for (let before = ''; before !== w;) { before = w; w = w.replace(/\$[({][^(){}]*[)}]/g, HOLE); }
  return new RegExp(`^${w.split(HOLE).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Object lists and the parts of composites; not flag variables (ccflags-y, asflags-y...). */
function isListName(name: string): boolean {
  return name === 'targets' || (/-(?:y|m|objs)$/.test(name) && !/flags(?:-remove)?-[ym]$/.test(name));
}

function baseVariable(name: string): string | undefined {
  return name === 'srctree' ? SRCTREE : name === 'src' || name === 'obj' ? OBJ : undefined;
}

/** One value a setting variable can end with, and the assignments that gave it. */
export interface Possibility {
  /** Only the words that matter (see `significant`); undefined: never assigned. */
  value: string | undefined;
  by: KbuildSetting[];
}

/** A word that stands for "some text expansion could not resolve". */
export const UNKNOWN_WORD = '$?';
const MAX_POSSIBILITIES = 64;

/** What of a value decides a kind: for a y/n switch its plain words and one UNKNOWN_WORD for
 *  anything unresolved; for a flag its own spellings only (an unresolved reference is taken not
 *  to hold it: a removal we cannot see is no removal). The rest would only multiply the values. */
export type Significance = { switch: true } | { flags: ReadonlySet<string> };

export const FTRACE_REF = '$(CC_FLAGS_FTRACE)';

function significantWords(text: string, significance: Significance): string {
  const out: string[] = [];
  for (const raw of words(text)) {
    const w = raw === '${CC_FLAGS_FTRACE}' ? FTRACE_REF : raw;
    if ('flags' in significance) { if (significance.flags.has(w) && !out.includes(w)) out.push(w); continue; }
    if (/^[A-Za-z0-9_]+$/.test(w)) out.push(w);
    else if (unresolved(w) && !out.includes(UNKNOWN_WORD)) out.push(UNKNOWN_WORD);
  }
  return out.join(' ');
}

function settingKey(s: KbuildSetting): string { return `${s.file}:${s.line}`; }

function unionBy(...lists: KbuildSetting[][]): KbuildSetting[] {
  const seen = new Map<string, KbuildSetting>();
  for (const list of lists) for (const s of list) if (!seen.has(settingKey(s))) seen.set(settingKey(s), s);
  return [...seen.values()];
}

/** Same value: one possibility (the first one's assignments: the unconditional path comes first). */
function dedupe(list: Possibility[]): Possibility[] {
  const byValue = new Map<string, Possibility>();
  for (const p of list) {
    const key = p.value === undefined ? '\0undefined' : p.value;
    if (!byValue.has(key)) byValue.set(key, p);
  }
  const out = [...byValue.values()];
  if (out.length <= MAX_POSSIBILITIES) return out;
  return [{ value: UNKNOWN_WORD, by: unionBy(...out.map((p) => p.by)) }];
}

interface NameMatch { conditions: KbuildCondition[] }

type Assignment = Extract<MakeStatement, { kind: 'assign' }>;

/** An assignment's name as kbuild reads it: `ccflags-remove-$(CONFIG_X)` is ccflags-remove-y when
 *  X is set; another reference (`KASAN_SANITIZE_head$(BITS).o`) may expand to any text. */
interface AssignedName { exact?: string; pattern?: RegExp; configs: string[] }

const assignedNames = new WeakMap<MakeStatement, AssignedName>();

function assignedName(s: Assignment): AssignedName {
  let n = assignedNames.get(s);
  if (!n) {
    const configs: string[] = [];
    const name = expand(s.name, (v) => {
      if (v.startsWith('CONFIG_')) { configs.push(v); return 'y'; }
      return baseVariable(v);
    });
    if (!unresolved(name)) n = { exact: name, configs };
    else {
      const parts = name.split(/\$[({][^)}]*[)}]/);
      n = { pattern: new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\\s/]*')}$`), configs };
    }
    assignedNames.set(s, n);
  }
  return n;
}

/** Setting variables, read as the values they can end with. One evaluator per kbuild
 *  file and per "given" predicate (conditions that always hold for the kind asked about). */
export class SettingValues {
  private readonly memo = new Map<string, Possibility[]>();
  private readonly inProgress = new Set<string>();
  /** Indices of the global assignments to each exact name, and of those with a pattern name. */
  private readonly byName = new Map<string, number[]>();
  private readonly patterned: number[] = [];

  constructor(
    private readonly statements: FileStatement[],
    /** Values the variables hold when the kbuild file starts (KBUILD_CFLAGS from the parent directory). */
    private readonly initial: ReadonlyMap<string, Possibility[]>,
    /** Conditions taken as holding: a setting under them applies whenever the kind can be on. */
    private readonly given: (c: MakeCondition) => boolean,
    private readonly significance: Significance,
  ) {
    statements.forEach(({ statement: s }, i) => {
      if (s.kind !== 'assign') return;
      const { exact } = assignedName(s);
      if (exact === undefined) this.patterned.push(i);
      else this.byName.set(exact, [...(this.byName.get(exact) ?? []), i]);
    });
  }

  /** The values `name` can hold at the end of the kbuild file. */
  final(name: string): Possibility[] {
    return this.at(name, this.statements.length);
  }

  private at(name: string, index: number): Possibility[] {
    const key = `${name}\0${index}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return [{ value: UNKNOWN_WORD, by: [] }]; // make rejects recursive self-reference
    this.inProgress.add(key);
    let values: Possibility[] = this.initial.get(name) ?? [{ value: undefined, by: [] }];
    const indices = [...(this.byName.get(name) ?? []), ...this.patterned].sort((a, b) => a - b);
    for (const i of indices) {
      if (i >= index) break;
      const fs = this.statements[i] as FileStatement;
      const match = this.match(fs, name);
      if (match) values = this.apply(values, fs, fs.statement as Assignment, i, match);
    }
    this.inProgress.delete(key);
    this.memo.set(key, values);
    return values;
  }

  private apply(old: Possibility[], fs: FileStatement, s: Assignment, index: number, match: NameMatch): Possibility[] {
    const conditions = [
      ...s.conditions.filter((c) => !this.given(c)).map((c) => conditionPlace(withFile(fs.file, c))),
      ...match.conditions,
    ];
    const setting: KbuildSetting = { file: fs.file, line: s.line, text: s.text, conditions };
    // Simple assignments expand at once; recursive ones when the build reads them, after the file.
    const simple = s.op === ':=' || s.op === '::=' || s.op === ':::=';
    const values = s.op === '!=' ? [{ value: UNKNOWN_WORD, by: [] }] : this.expandAll(s.value, simple ? index : this.statements.length);
    // A flag variable's assignment that leaves the flag as it was decides nothing: not cited.
    const cite = (before: Possibility, value: string | undefined, by: KbuildSetting[]): Possibility => ({
      value,
      by: 'flags' in this.significance && (before.value ?? '') === (value ?? '') ? before.by : unionBy(by, [setting]),
    });
    let applied: Possibility[];
    if (s.op === '+=') {
      applied = old.flatMap((p) => values.map((e) => cite(p, this.significant(`${p.value ?? ''} ${e.value ?? ''}`), unionBy(p.by, e.by))));
    } else if (s.op === '?=') {
      applied = old.flatMap((p) => (p.value !== undefined ? [p] : values.map((e) => cite(p, e.value, e.by))));
    } else {
      applied = old.flatMap((p) => values.map((e) => cite(p, e.value, e.by)));
    }
    return dedupe(conditions.length === 0 ? applied : [...old, ...applied]);
  }

  /** The values `text` can expand to at a statement index: one per choice of the values of
   *  the variables it refers to (those assigned here or given initially). */
  private expandAll(text: string, index: number): Possibility[] {
    let choices: { bindings: Map<string, string>; by: KbuildSetting[] }[] = [{ bindings: new Map(), by: [] }];
    for (const name of referencedNames(text)) {
      if (!this.byName.has(name) && !this.initial.has(name)) continue;
      const values = this.at(name, index);
      choices = choices.flatMap((c) => values.map((v) => ({
        bindings: new Map(c.bindings).set(name, v.value ?? ''), by: unionBy(c.by, v.by),
      })));
      if (choices.length > MAX_POSSIBILITIES) return [{ value: UNKNOWN_WORD, by: unionBy(...choices.map((c) => c.by)) }];
    }
    return dedupe(choices.map((c) => ({ value: this.significant(expand(text, (n) => c.bindings.get(n) ?? baseVariable(n))), by: c.by })));
  }

  private significant(text: string): string {
    return significantWords(text, this.significance);
  }

  /** Whether an assignment can be to `wanted`, and under which conditions (a Kconfig symbol in
   *  its name that is not given, or an unknown reference that must expand to the wanted part). */
  private match(fs: FileStatement, wanted: string): NameMatch | null {
    const s = fs.statement as Assignment;
    const n = assignedName(s);
    if (n.exact !== undefined ? n.exact !== wanted : !n.pattern!.test(wanted)) return null;
    const conditions = n.configs
      .filter((c) => !this.given({ line: s.line, test: '', negated: false, config: { name: c, set: true } }))
      .map((c) => ({ file: fs.file, line: s.line, test: `${c}=y (in the name ${s.name})` }));
    if (n.pattern) conditions.push({ file: fs.file, line: s.line, test: `${s.name} names ${wanted}` });
    // A target-specific value (`$(vobjs): KBUILD_CFLAGS := ...`) holds for some objects only.
    if (s.target !== undefined) conditions.push({ file: fs.file, line: s.line, test: `the object is one of ${s.target}` });
    return { conditions };
  }
}
