// One spelling of "which definitions can this call reach", asked by the
// pre-filter (over the name index, before anything is parsed), the program
// (over the built CFGs), the group keys and the interpreter's dispatch. They
// resolve the same call shapes — a name, a member reached through a field, a
// call-macro key — from the same facts (the name index's definitions and
// bindings, the dispatch facts), so what the pre-filter keeps is what the
// program can reach, by construction rather than by mirrors kept in step.
//
// The rules: a call by name reaches a definition in its own file first, then
// one it can link to: not a static function of another .c file (a header's
// static inline functions are everyone's, after any definition of the name in
// a .c file: those are the config stubs), never another arch's (code under
// arch/X never calls into arch/Y), never another program's (tools/ is user
// space). Generic code calling a function several arches define (kvm_arch_*)
// reaches one per arch, and the path's arch picks (inArch). A call through a
// member reaches the functions bound to that member (`.run = vmx_run` in a
// table, `x->run = f` in a body) — of the struct type the field it is reached
// through points to, when the tree declares it — and a call-macro key
// (`static_call(kvm_x86_run)`) the member its prefix names; more than
// MAX_INDIRECT_TARGETS candidates in one arch's kernel is too vague to follow.
import { nameHash } from '../scan/name-hash.js';
import { FN_INLINE } from '../scan/name-index.js';
import { archOf, implDirOf, linkDomainOf } from './paths.js';
import { pushTo } from '../util/multimap.js';

/** A definition the linkage resolves to. */
export interface LinkedDef {
  readonly name: string;
  readonly hash: number;
  readonly file: string;
  /** 1-based line of its name. */
  readonly line: number;
  readonly arch: string | null;
  readonly domain: string;
  readonly isStatic: boolean;
  /** Defined in a header: static inline functions there are visible to their includers. */
  readonly header: boolean;
  /** A function-like macro, expanded only in its own file. */
  readonly macro: boolean;
  /** Declared inline, or a macro: part of the bodies it is called from. */
  readonly inline: boolean;
  /** What its declaration says of it (scan/name-index FN_* bits: inline, noinstr …). */
  readonly attributes: number;
}

/** Where a call is made from. */
export interface CallSite {
  readonly file: string;
  readonly arch: string | null;
  readonly domain: string;
}

export function siteOf(file: string): CallSite {
  return { file, arch: archOf(file), domain: linkDomainOf(file) };
}

export function linkedDef(name: string, file: string, line: number, isStatic: boolean, macro: boolean, attributes: number): LinkedDef {
  return {
    name, hash: nameHash(name), file, line, arch: archOf(file), domain: linkDomainOf(file), isStatic,
    header: file.endsWith('.h'), macro, inline: (attributes & FN_INLINE) !== 0 || macro, attributes,
  };
}

/** A pointer stored in a member: `.member = fn` in a table (with the table's
 *  struct type when known, as a hash; 0 unknown), or `x->member = fn` in a body. */
export interface MemberBinding {
  member: number;
  fn: number;
  type: number;
  site: CallSite;
}

/** Type-level facts that tell an indirect call where it goes, per arch (null:
 *  generic code and include/): x86's declarations never type a call in arm64 code. */
export interface DispatchFacts {
  /** Static-call key prefix -> the struct type whose members the keys name
   *  (`DECLARE_STATIC_CALL(kvm_x86_##func, *(((struct kvm_x86_ops *)0)->func))`). */
  staticCallPrefixes: Map<string | null, Map<string, string>>;
  /** Wrapper macro -> the static-call key prefix it pastes its argument onto
   *  (`#define kvm_x86_call(func) static_call(kvm_x86_##func)`). */
  callMacros: Map<string | null, Map<string, string>>;
  /** Field (hash) -> the struct types (hashes) it points to (`struct kvm_x86_ops *ops;`). */
  fieldTypes: Map<string | null, Map<number, Set<number>>>;
}

export function emptyDispatchFacts(): DispatchFacts {
  return { staticCallPrefixes: new Map(), callMacros: new Map(), fieldTypes: new Map() };
}

/** More candidates than this for one indirect call in one arch's kernel: too vague
 *  to follow (the call stays unresolved). */
export const MAX_INDIRECT_TARGETS = 8;

export class Linkage<D extends LinkedDef = LinkedDef> {
  private readonly byHash = new Map<number, D[]>();
  private readonly bindings = new Map<number, MemberBinding[]>();
  private readonly storing = new Map<number, MemberBinding[]>();
  /** storedIn's answers: they depend on the member, the types and the site's
   *  domain and arch only, and a common member (`.show`) has thousands of bindings. */
  private readonly storedMemo = new Map<string, D[] | null>();

  /** @param defs every definition, in a stable order (the first of several wins)
   *  @param isPrimitive a model primitive: its entry wins over any definition */
  constructor(defs: Iterable<D>, bindings: Iterable<MemberBinding>, private readonly facts: DispatchFacts,
    readonly isPrimitive: (name: string) => boolean) {
    for (const d of defs) pushTo(this.byHash, d.hash, d);
    for (const b of bindings) { pushTo(this.bindings, b.member, b); pushTo(this.storing, b.fn, b); }
  }

  /** A definition found later than the index (a parse of a file the index could
   *  not delimit): resolvable from then on. */
  add(d: D): void {
    pushTo(this.byHash, d.hash, d);
    this.storedMemo.clear();
  }

  /** Every definition of a name (visible or not), in order. */
  definitions(hash: number): readonly D[] {
    return this.byHash.get(hash) ?? NONE;
  }

  /** The definitions a call of `name` made at `site` may reach: one, or — from
   *  generic code, for a function several arches define — one per arch, plus a
   *  generic (weak) default if there is one. */
  byName(name: string, site: CallSite): D[] {
    if (this.isPrimitive(name)) return [];
    const candidates = this.byHash.get(nameHash(name));
    if (!candidates) return [];
    return resolve(candidates.filter((d) => d.name === name), site);
  }

  /** The same for a name known by its hash only (the name index): every name
   *  with that hash is resolved, so the result holds byName's for the right one. */
  byHashOf(hash: number, site: CallSite): D[] {
    const candidates = this.byHash.get(hash);
    if (!candidates) return [];
    const first = candidates[0]!.name;
    if (candidates.every((d) => d.name === first)) return this.isPrimitive(first) ? [] : resolve(candidates, site);
    const out: D[] = [];
    for (const name of new Set(candidates.map((d) => d.name))) {
      if (!this.isPrimitive(name)) out.push(...resolve(candidates.filter((d) => d.name === name), site));
    }
    return out;
  }

  /** The one definition a name stored from `site` names (a binding's function), if one. */
  private boundFunction(hash: number, site: CallSite): D | undefined {
    const all = this.byHashOf(hash, site);
    return all.length === 1 ? all[0] : undefined;
  }

  /** Functions a call through `member` (a hash) reached through the field
   *  `container` (a hash; 0: not through a field) may reach from `site`, or
   *  null when nothing is bound to the member. */
  byMember(member: number, container: number, site: CallSite): D[] | null {
    let types: Set<number> | null = null;
    if (container !== 0) {
      for (const arch of visibleArches(site.arch)) {
        const t = this.facts.fieldTypes.get(arch)?.get(container);
        if (t) { types ??= new Set(); for (const x of t) types.add(x); }
      }
    }
    return this.storedIn(member, types, site);
  }

  /** A call through a call-macro key (`static_call(kvm_x86_vcpu_run)`,
   *  `kvm_x86_call(vcpu_run)`): the key's prefix (declared with the struct it
   *  indexes) leaves the member; without a declared prefix, the longest
   *  `_`-suffix of the key that is a member of some table. */
  byKey(macro: string, key: string, site: CallSite): D[] | null {
    const prefix = macro.startsWith('static_call') ? '' : (factsFor(this.facts.callMacros, site.arch, macro) ?? '');
    const full = prefix + key;
    let best: [string, string] | null = null;
    for (const arch of visibleArches(site.arch)) {
      for (const [p, type] of this.facts.staticCallPrefixes.get(arch) ?? []) {
        if (full.startsWith(p) && full.length > p.length && (!best || p.length > best[0].length)) best = [p, type];
      }
    }
    if (best) return this.storedIn(nameHash(full.slice(best[0].length)), new Set([nameHash(best[1])]), site);
    for (const suffix of underscoreSuffixes(full)) {
      const fns = this.storedIn(nameHash(suffix), null, site);
      if (fns) return fns;
    }
    return null;
  }

  /** Every binding storing a function of this name (hash): the members a call
   *  may reach it through (for the pre-filter's callers' direction). */
  bindingsStoring(fn: number): readonly MemberBinding[] {
    return this.storing.get(fn) ?? NO_BINDINGS;
  }

  /** The function a binding stores, resolved where it is stored. */
  boundBy(b: MemberBinding): D | undefined {
    return this.boundFunction(b.fn, b.site);
  }

  /** Functions stored in `member` of a struct of one of `types` (any struct when
   *  the types are unknown, or the binding's is), that code of `site` may hold,
   *  within the cap; null when none is bound to the member at all. */
  private storedIn(member: number, types: ReadonlySet<number> | null, site: CallSite): D[] | null {
    const stored = this.bindings.get(member);
    if (!stored) return null;
    const key = `${member}|${site.domain}|${site.arch}|${types ? [...types].sort().join(',') : '*'}`;
    const known = this.storedMemo.get(key);
    if (known !== undefined) return known;
    const fns = new Set<D>();
    for (const b of stored) {
      if (types && b.type !== 0 && !types.has(b.type)) continue;
      if (b.site.domain !== site.domain) continue;
      const fn = this.boundFunction(b.fn, b.site);
      // Code under arch/X only holds pointers to arch/X or generic functions.
      if (fn && (fn.arch === null || site.arch === null || fn.arch === site.arch)) fns.add(fn);
    }
    const found = withinCap([...fns]) ? [...fns] : [];
    this.storedMemo.set(key, found);
    return found;
  }
}

/** The rules for one name's definitions (see the file's comment). */
function resolve<D extends LinkedDef>(candidates: readonly D[], site: CallSite): D[] {
  const sameFile = candidates.find((c) => c.file === site.file);
  if (sameFile) return [sameFile];
  const visible = candidates.filter((c) => !c.macro && (!c.isStatic || c.header) && c.domain === site.domain &&
    (c.arch === null || site.arch === null || c.arch === site.arch));
  // A header's static inline of a name a .c file defines is the stub an unset
  // config option leaves (`#else static inline void f(void) { }`): the tree's own
  // definition comes first.
  const linkable = visible.some((c) => c.isStatic && c.header) ? [...visible.filter((c) => !(c.isStatic && c.header)),
    ...visible.filter((c) => c.isStatic && c.header)] : visible;
  if (site.arch === null && linkable.length > 1 && linkable.some((c) => c.arch !== linkable[0]!.arch)) {
    const perArch = new Map<string | null, D>();
    for (const c of linkable) if (!perArch.has(c.arch)) perArch.set(c.arch, c);
    return [...perArch.values()];
  }
  // One arch defining the name in .c files of several directories: each is the
  // one linked in some configuration or image (arm64's VHE and nVHE world
  // switches are both __kvm_vcpu_run()); the path's implementation picks.
  const first = linkable[0];
  if (!first) return [];
  const alternatives = linkable.filter((c) => !c.header && !c.isStatic && c.arch === first.arch);
  if (!first.header && new Set(alternatives.map((c) => implDirOf(c.file))).size > 1) return alternatives;
  return [first];
}

/** The cap counts what one arch's kernel could reach (the path's arch picks among
 *  arches), so that the targets do not depend on how many arches are scanned. */
function withinCap(fns: readonly LinkedDef[]): boolean {
  const perArch = new Map<string | null, number>();
  for (const fn of fns) perArch.set(fn.arch, (perArch.get(fn.arch) ?? 0) + 1);
  const generic = perArch.get(null) ?? 0;
  let widest = generic;
  for (const [arch, n] of perArch) if (arch !== null) widest = Math.max(widest, n + generic);
  return widest <= MAX_INDIRECT_TARGETS;
}

/** The targets a path in arch `arch`'s kernel may take (null: any arch): never
 *  another arch's definition; among several targets the arch's own win, and
 *  generic ones serve when it has none. */
export function inArch<T>(targets: readonly T[], arch: string | null, archOfTarget: (t: T) => string | null): readonly T[] {
  if (arch === null) return targets;
  if (targets.length === 1) {
    const a = archOfTarget(targets[0]!);
    return a === null || a === arch ? targets : [];
  }
  const own = targets.filter((t) => archOfTarget(t) === arch);
  return own.length ? own : targets.filter((t) => archOfTarget(t) === null);
}

/** Among targets in sibling implementation directories (vmx/, svm/), the ones a
 *  path already committed to `impl` may take: those in a related directory. */
export function relatedImpl(dir: string, impl: string): boolean {
  return dir === impl || dir.startsWith(`${impl}/`) || impl.startsWith(`${dir}/`);
}

export { implDirOf };

function visibleArches(arch: string | null): (string | null)[] {
  return arch === null ? [null] : [arch, null];
}

function factsFor<V>(byArch: Map<string | null, Map<string, V>>, arch: string | null, key: string): V | undefined {
  for (const a of visibleArches(arch)) {
    const v = byArch.get(a)?.get(key);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** `kvm_x86_vcpu_run`, `x86_vcpu_run`, `vcpu_run`, `run`. */
export function underscoreSuffixes(key: string): string[] {
  const out = [key];
  for (let k = key.indexOf('_'); k >= 0; k = key.indexOf('_', k + 1)) if (k + 1 < key.length) out.push(key.slice(k + 1));
  return out;
}

const NONE: never[] = [];
const NO_BINDINGS: MemberBinding[] = [];
