// Type-level facts that tell an indirect call where it goes, read from every
// source and header text the run sees (plain text patterns of kernel idioms):
//   DECLARE_STATIC_CALL(kvm_x86_##func, *(((struct kvm_x86_ops *)0)->func))
//       static-call keys kvm_x86_<member> name members of struct kvm_x86_ops;
//   #define kvm_x86_call(func) static_call(kvm_x86_##func)
//       kvm_x86_call(run)(…) is static_call(kvm_x86_run)(…);
//   const struct x86_emulate_ops *ops;
//       a field named ops points to a struct x86_emulate_ops.

import { intern } from './intern.js';

/** Facts are kept per arch (null: generic code and include/): x86's declarations
 *  must not type a call in arm64 code, whatever else the scan holds. */
export interface DispatchFacts {
  /** Static-call key prefix -> the struct type whose members the keys name. */
  staticCallPrefixes: Map<string | null, Map<string, string>>;
  /** Wrapper macro -> the static-call key prefix it pastes its argument onto. */
  callMacros: Map<string | null, Map<string, string>>;
  /** Field name -> struct types it points to. */
  fieldTypes: Map<string | null, Map<string, Set<string>>>;
}

function forArch<V>(byArch: Map<string | null, Map<string, V>>, arch: string | null): Map<string, V> {
  let m = byArch.get(arch);
  if (!m) { m = new Map(); byArch.set(arch, m); }
  return m;
}

/** What the facts say for code of `arch`: its own and the generic ones. */
export function factsFor<V>(byArch: Map<string | null, Map<string, V>>, arch: string | null, key: string): V[] {
  const out: V[] = [];
  for (const a of arch === null ? [null] : [arch, null]) {
    const v = byArch.get(a)?.get(key);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** Every entry visible to code of `arch`. */
export function allFactsFor<V>(byArch: Map<string | null, Map<string, V>>, arch: string | null): [string, V][] {
  return (arch === null ? [null] : [arch, null]).flatMap((a) => [...(byArch.get(a) ?? [])]);
}

export function emptyDispatchFacts(): DispatchFacts {
  return { staticCallPrefixes: new Map(), callMacros: new Map(), fieldTypes: new Map() };
}

const WS = String.raw`(?:\s|\\\n)*`;
const STATIC_CALL_KEY = new RegExp(
  String.raw`(?:DECLARE|DEFINE)_STATIC_CALL(?:_NULL)?${WS}\(${WS}(\w+)${WS}##${WS}(\w+)${WS},${WS}\*${WS}\(${WS}\(${WS}\(${WS}struct${WS}(\w+)${WS}\*${WS}\)${WS}0${WS}\)${WS}->${WS}\2${WS}\)`, 'g');
const CALL_MACRO = /#\s*define\s+(\w+)\s*\(\s*(\w+)\s*\)\s*static_call(?:_cond)?\s*\(\s*(\w+)\s*##\s*\2\s*\)/g;
const POINTER_FIELD = /(?:^|[;{])\s*(?:const\s+)?struct\s+(\w+)\s*(?:const\s+)?\*\s*(?:const\s+)?(\w+)\s*;/gm;

export function readDispatchFacts(text: string, arch: string | null, into: DispatchFacts): void {
  if (text.includes('STATIC_CALL')) {
    for (const m of text.matchAll(STATIC_CALL_KEY)) forArch(into.staticCallPrefixes, arch).set(intern(m[1]!), intern(m[3]!));
  }
  if (text.includes('static_call')) {
    for (const m of text.matchAll(CALL_MACRO)) forArch(into.callMacros, arch).set(intern(m[1]!), intern(m[3]!));
  }
  const fields = forArch(into.fieldTypes, arch);
  for (const m of text.matchAll(POINTER_FIELD)) {
    const field = intern(m[2]!);
    let types = fields.get(field);
    if (!types) { types = new Set(); fields.set(field, types); }
    types.add(intern(m[1]!));
  }
}

/** Adds `from` to `into` as if its texts had been read into `into` after the
 *  texts already there (a later key declaration wins; field types add up). */
export function mergeDispatchFacts(into: DispatchFacts, from: DispatchFacts): void {
  for (const [arch, byKey] of from.staticCallPrefixes) for (const [k, v] of byKey) forArch(into.staticCallPrefixes, arch).set(k, v);
  for (const [arch, byKey] of from.callMacros) for (const [k, v] of byKey) forArch(into.callMacros, arch).set(k, v);
  for (const [arch, byField] of from.fieldTypes) {
    const fields = forArch(into.fieldTypes, arch);
    for (const [field, types] of byField) {
      let set = fields.get(field);
      if (!set) { set = new Set(); fields.set(field, set); }
      for (const t of types) set.add(t);
    }
  }
}
