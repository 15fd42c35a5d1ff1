// The value of a preprocessor `#if` expression under a configuration, as cpp
// computes it, in three values: a number when the configuration decides it,
// UNKNOWN when it does not (a macro it does not know, `__has_attribute()`, a
// function-like macro other than the kernel's config tests). `&&`, `||` and `?:`
// decide as soon as one side does (`UNKNOWN && 0` is 0), as cpp's short circuit.
import type { Configuration } from '../kernel/configuration.js';

export const UNKNOWN = null;
export type IfValue = number | typeof UNKNOWN;

/** include/linux/kconfig.h's tests of a config symbol, in three values. IS_ENABLED is
 *  "built in or a module", IS_BUILTIN only the first, IS_MODULE only the second
 *  (CONFIG_X_MODULE); IS_REACHABLE also counts a module when the code is one (MODULE). */
export function configMacroTruth(config: Configuration, macro: string, symbol: string): boolean | undefined {
  const builtin = definedAsOne(config, symbol);
  const module = definedAsOne(config, `${symbol}_MODULE`);
  switch (macro) {
    case 'IS_ENABLED': return or(builtin, module);
    case 'IS_BUILTIN': return builtin;
    case 'IS_MODULE': return module;
    case 'IS_REACHABLE': return or(builtin, and(module, definedAsOne(config, 'MODULE')));
    default: return undefined;
  }
}

/** kconfig.h's __is_defined(x): true only when x expands to `1` (it pastes
 *  __ARG_PLACEHOLDER_ to the expansion, and only __ARG_PLACEHOLDER_1 is a macro),
 *  so a symbol defined to 0, to 123 or to nothing is not enabled. A value that
 *  is a macro name expands further: not known. */
function definedAsOne(config: Configuration, name: string): boolean | undefined {
  const value = config.valueOf(name);
  if (value === undefined) return undefined;
  if (value === null) return false;
  const v = value.trim();
  return v === '1' ? true : v === '' || /^\d\w*$/.test(v) ? false : undefined;
}

function or(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  return a === true || b === true ? true : a === false && b === false ? false : undefined;
}

function and(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  return a === false || b === false ? false : a === true && b === true ? true : undefined;
}

const TOKEN = /\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>!~&|^?:(),]))/y;

/** The expression's value, UNKNOWN when the configuration does not decide it or it cannot be read. */
export function evaluateIf(expression: string, config: Configuration): IfValue {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  const text = expression.trim();
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      // A character constant, a string, `#` …: the rest is past reading.
      if (/^\s*$/.test(text.slice(at))) break;
      return UNKNOWN;
    }
    tokens.push(m[0].trim());
  }
  try {
    const parser = new IfParser(tokens, config);
    const value = parser.conditional();
    return parser.done() ? value : UNKNOWN;
  } catch (err) {
    if (err instanceof Unreadable) return UNKNOWN;
    throw err;
  }
}

class Unreadable extends Error {}

/** Binary operators by precedence, loosest first (below `&&`). */
const BINARY: string[][] = [['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

function apply(op: string, a: number, b: number): number | typeof UNKNOWN {
  switch (op) {
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return Number(a === b);
    case '!=': return Number(a !== b);
    case '<': return Number(a < b);
    case '>': return Number(a > b);
    case '<=': return Number(a <= b);
    case '>=': return Number(a >= b);
    case '<<': return a * 2 ** b;
    case '>>': return Math.floor(a / 2 ** b);
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? UNKNOWN : Math.trunc(a / b);
    case '%': return b === 0 ? UNKNOWN : a % b;
    default: return UNKNOWN;
  }
}

/** Recursive descent over C's precedence levels (C11 6.10.1: the `#if` grammar is C's constant expression). */
class IfParser {
  private at = 0;
  constructor(private readonly tokens: string[], private readonly config: Configuration) {}

  done(): boolean {
    return this.at === this.tokens.length;
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private take(expected?: string): string {
    const t = this.tokens[this.at];
    if (t === undefined || (expected !== undefined && t !== expected)) throw new Unreadable();
    this.at++;
    return t;
  }

  conditional(): IfValue {
    const test = this.logicalOr();
    if (this.peek() !== '?') return test;
    this.take('?');
    const yes = this.conditional();
    this.take(':');
    const no = this.conditional();
    if (test === UNKNOWN) return yes === no ? yes : UNKNOWN;
    return test !== 0 ? yes : no;
  }

  private logicalOr(): IfValue {
    let left = this.logicalAnd();
    while (this.peek() === '||') {
      this.take();
      const right = this.logicalAnd();
      left = (left !== UNKNOWN && left !== 0) || (right !== UNKNOWN && right !== 0) ? 1
        : left === 0 && right === 0 ? 0 : UNKNOWN;
    }
    return left;
  }

  private logicalAnd(): IfValue {
    let left = this.binary(0);
    while (this.peek() === '&&') {
      this.take();
      const right = this.binary(0);
      left = left === 0 || right === 0 ? 0 : left !== UNKNOWN && right !== UNKNOWN ? 1 : UNKNOWN;
    }
    return left;
  }

  private binary(level: number): IfValue {
    if (level === BINARY.length) return this.unary();
    const ops = BINARY[level]!;
    let left = this.binary(level + 1);
    for (let op = this.peek(); op !== undefined && ops.includes(op); op = this.peek()) {
      this.take();
      const right = this.binary(level + 1);
      left = left === UNKNOWN || right === UNKNOWN ? UNKNOWN : apply(op, left, right);
    }
    return left;
  }

  private unary(): IfValue {
    const t = this.peek();
    if (t === '!' || t === '-' || t === '~' || t === '+') {
      this.take();
      const v = this.unary();
      if (v === UNKNOWN) return UNKNOWN;
      return t === '!' ? Number(v === 0) : t === '-' ? -v : t === '~' ? ~v : v;
    }
    return this.primary();
  }

  private primary(): IfValue {
    const t = this.take();
    if (t === '(') {
      const v = this.conditional();
      this.take(')');
      return v;
    }
    if (/^\d/.test(t)) return Number(t.replace(/[uUlL]+$/, ''));
    if (!/^[A-Za-z_]/.test(t)) throw new Unreadable();
    if (t === 'defined') {
      const paren = this.peek() === '(';
      if (paren) this.take('(');
      const name = this.take();
      if (paren) this.take(')');
      return truth(this.config.isDefined(name));
    }
    if (this.peek() === '(') return this.macroCall(t);
    const value = this.config.valueOf(t);
    if (value === null) return 0;
    if (value === undefined) return UNKNOWN;
    return /^(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(value) ? Number(value.replace(/[uUlL]+$/, '')) : UNKNOWN;
  }

  /** IS_ENABLED(CONFIG_X) and its kin; any other function-like macro is not known. */
  private macroCall(macro: string): IfValue {
    this.take('(');
    let depth = 1;
    const args: string[] = [];
    while (depth > 0) {
      const t = this.take();
      if (t === '(') depth++;
      else if (t === ')') depth--;
      if (depth > 0) args.push(t);
    }
    return args.length === 1 ? truth(configMacroTruth(this.config, macro, args[0]!)) : UNKNOWN;
  }
}

function truth(b: boolean | undefined): IfValue {
  return b === undefined ? UNKNOWN : Number(b);
}
