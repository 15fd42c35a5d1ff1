// One spelling of "which config symbol does this test ask about", for every way C
// spells it — `#ifdef X`, `#ifndef X`, `#if X`, `#if defined(X)`, `#if !defined X`,
// `#elif …`, `#elifdef`, `#elifndef`, and IS_ENABLED/IS_BUILTIN/IS_MODULE() in a
// directive or in a C condition — so that all of them are one fact per path (a
// fact on the subject `#X`) and a path takes the same choice at each test.
// IS_MODULE(X) is the kernel's defined(X_MODULE); IS_ENABLED(X) is read as
// defined(X), which it is for a bool symbol (for a tristate it is also true when X
// is a module: correlating the two may drop such a path — a miss, not a guess).
// Tests a build configuration decides never get here: parser/live-arms blanks
// the arms it rules out, and cfg/build decides `if (IS_ENABLED(X))` by it.

/** A test of one config symbol: the symbol whose definedness it asks, and whether it asks for it undefined. */
export interface ConfigTest {
  symbol: string;
  negated: boolean;
}

/** The macro that names a config symbol's state, and the symbol it asks about. */
const CONFIG_MACROS: Record<string, (symbol: string) => string> = {
  IS_ENABLED: (s) => s,
  IS_BUILTIN: (s) => s,
  IS_MODULE: (s) => `${s}_MODULE`,
  defined: (s) => s,
};

const NAME = /^[A-Za-z_]\w*$/;

/** The fact subject a test of `symbol` sets and reads. */
export function configSubject(symbol: string): string {
  return `#${symbol}`;
}

/** The symbol a config macro call asks about (`IS_MODULE`, `CONFIG_X` -> CONFIG_X_MODULE), or null. */
export function configMacroSymbol(macro: string, argument: string): string | null {
  const of = Object.hasOwn(CONFIG_MACROS, macro) ? CONFIG_MACROS[macro] : undefined;
  return of && NAME.test(argument) ? of(argument) : null;
}

/** An `#if`/`#elif` condition that tests one symbol: `X`, `defined(X)`, `defined X`,
 *  `IS_ENABLED(X)`, each possibly under `!` and parentheses; null for anything else. */
export function configCondition(text: string): ConfigTest | null {
  let t = text.trim();
  let negated = false;
  for (;;) {
    if (t.startsWith('!')) { negated = !negated; t = t.slice(1).trim(); continue; }
    const inner = /^\((.*)\)$/s.exec(t);
    if (inner && balanced(inner[1]!)) { t = inner[1]!.trim(); continue; }
    break;
  }
  if (NAME.test(t)) return t === 'defined' ? null : { symbol: t, negated };
  const m = /^([A-Za-z_]\w*)\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|\s+([A-Za-z_]\w*))$/.exec(t);
  if (!m || (m[3] !== undefined && m[1] !== 'defined')) return null;
  const symbol = configMacroSymbol(m[1]!, m[2] ?? m[3]!);
  return symbol ? { symbol, negated } : null;
}


function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
