// The static-call facts of a source or header text (plain text patterns of
// kernel idioms), which tell a call-macro key which ops-table member it names:
//   DECLARE_STATIC_CALL(kvm_x86_##func, *(((struct kvm_x86_ops *)0)->func))
//       static-call keys kvm_x86_<member> name members of struct kvm_x86_ops;
//   #define kvm_x86_call(func) static_call(kvm_x86_##func)
//       kvm_x86_call(run)(…) is static_call(kvm_x86_run)(…).
// (Field types, `struct kvm_x86_ops *ops;`, come from the name index.)
import type { DispatchFacts } from '../kernel/linkage.js';

/** The static-call facts of one file, per arch as DispatchFacts holds them. */
export interface StaticCallFacts {
  prefixes: [prefix: string, type: string][];
  callMacros: [macro: string, prefix: string][];
}

const WS = String.raw`(?:\s|\\\n)*`;
const STATIC_CALL_KEY = new RegExp(
  String.raw`(?:DECLARE|DEFINE)_STATIC_CALL(?:_NULL)?${WS}\(${WS}(\w+)${WS}##${WS}(\w+)${WS},${WS}\*${WS}\(${WS}\(${WS}\(${WS}struct${WS}(\w+)${WS}\*${WS}\)${WS}0${WS}\)${WS}->${WS}\2${WS}\)`, 'g');
const CALL_MACRO = /#\s*define\s+(\w+)\s*\(\s*(\w+)\s*\)\s*static_call(?:_cond)?\s*\(\s*(\w+)\s*##\s*\2\s*\)/g;

const NONE: StaticCallFacts = { prefixes: [], callMacros: [] };

/** Read from the raw bytes; only the few files that name static calls are decoded. */
export function readStaticCallFacts(bytes: Uint8Array): StaticCallFacts {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keys = buffer.indexOf('STATIC_CALL') >= 0;
  const macros = buffer.indexOf('static_call') >= 0;
  if (!keys && !macros) return NONE;
  const text = buffer.toString('latin1');
  return {
    prefixes: keys ? [...text.matchAll(STATIC_CALL_KEY)].map((m) => [m[1]!, m[3]!]) : [],
    callMacros: macros ? [...text.matchAll(CALL_MACRO)].map((m) => [m[1]!, m[3]!]) : [],
  };
}

/** Adds one file's facts (of code of `arch`) as read after those already there
 *  (a later key declaration wins). */
export function mergeStaticCallFacts(into: DispatchFacts, arch: string | null, facts: StaticCallFacts): void {
  if (facts.prefixes.length) {
    const byKey = forArch(into.staticCallPrefixes, arch);
    for (const [prefix, type] of facts.prefixes) byKey.set(prefix, type);
  }
  if (facts.callMacros.length) {
    const byMacro = forArch(into.callMacros, arch);
    for (const [macro, prefix] of facts.callMacros) byMacro.set(macro, prefix);
  }
}

function forArch<V>(byArch: Map<string | null, Map<string, V>>, arch: string | null): Map<string, V> {
  let m = byArch.get(arch);
  if (!m) { m = new Map(); byArch.set(arch, m); }
  return m;
}
