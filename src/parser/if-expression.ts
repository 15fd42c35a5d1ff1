// The value of a preprocessor `#if` expression under a configuration, as cpp
// computes it, in three values: a number when the configuration decides it,
// UNKNOWN when it does not (a macro it does not know, `__has_attribute()`, a
// function-like macro other than the kernel's config tests). `&&`, `||` and `?:`
// decide as soon as one side does (`UNKNOWN && 0` is 0), as cpp's short circuit.
// The arithmetic is C's for #if: 64-bit, signed or unsigned (BigInt, not a double's
// 53 bits and 32-bit bitwise operators).
import type { Configuration } from '../kernel/configuration.js';

export const UNKNOWN = null;
export type IfValue = number | typeof UNKNOWN;

const TOKEN = /\s*(?:((?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*)|([A-Za-z_]\w*)|(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>!~&|^?:(),]))/y;

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
    return parser.done() && value !== UNKNOWN ? Number(value.v) : UNKNOWN;
  } catch (err) {
    if (err instanceof Unreadable) return UNKNOWN;
    throw err;
  }
}

class Unreadable extends Error {}

/** An integer as `#if` computes it (C11 6.10.1p4): every signed type is
 *  intmax_t and every unsigned one uintmax_t, 64 bits. */
interface Int { v: bigint; unsigned: boolean }
type Value = Int | typeof UNKNOWN;

function int(v: bigint, unsigned: boolean): Int {
  return { v: unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v), unsigned };
}

const TRUE = int(1n, false);
const FALSE = int(0n, false);

function truthOf(b: boolean): Int {
  return b ? TRUE : FALSE;
}

/** A pp-number as C reads an integer constant (octal after a 0; a U suffix, or a
 *  value past intmax_t's, is unsigned), or undefined when it is none. */
function integerConstant(text: string): Int | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([uUlL]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[1]!;
  const v = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
  return int(v, /u/i.test(m[2]!) || v > 2n ** 63n - 1n);
}

/** Binary operators by precedence, loosest first (below `&&`). */
const BINARY: string[][] = [['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

function apply(op: string, a: Int, b: Int): Value {
  if (op === '<<' || op === '>>') {
    // The left operand's type; a count past the width (or negative) is undefined in C.
    if (b.v < 0n || b.v >= 64n) return UNKNOWN;
    return op === '<<' ? int(a.v << b.v, a.unsigned) : int(a.v >> b.v, a.unsigned);
  }
  // The usual arithmetic conversions: unsigned if either is.
  const unsigned = a.unsigned || b.unsigned;
  const x = unsigned ? BigInt.asUintN(64, a.v) : a.v;
  const y = unsigned ? BigInt.asUintN(64, b.v) : b.v;
  switch (op) {
    case '|': return int(x | y, unsigned);
    case '^': return int(x ^ y, unsigned);
    case '&': return int(x & y, unsigned);
    case '==': return truthOf(x === y);
    case '!=': return truthOf(x !== y);
    case '<': return truthOf(x < y);
    case '>': return truthOf(x > y);
    case '<=': return truthOf(x <= y);
    case '>=': return truthOf(x >= y);
    case '+': return int(x + y, unsigned);
    case '-': return int(x - y, unsigned);
    case '*': return int(x * y, unsigned);
    // BigInt's / and % truncate toward zero, as C's.
    case '/': return y === 0n ? UNKNOWN : int(x / y, unsigned);
    case '%': return y === 0n ? UNKNOWN : int(x % y, unsigned);
    default: return UNKNOWN;
  }
}

function isTrue(v: Int): boolean {
  return v.v !== 0n;
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

  conditional(): Value {
    const test = this.logicalOr();
    if (this.peek() !== '?') return test;
    this.take('?');
    const yes = this.conditional();
    this.take(':');
    const no = this.conditional();
    if (yes === UNKNOWN || no === UNKNOWN) return test !== UNKNOWN ? (isTrue(test) ? yes : no) : UNKNOWN;
    // The result has the arms' common type.
    const unsigned = yes.unsigned || no.unsigned;
    if (test === UNKNOWN) return int(yes.v, unsigned).v === int(no.v, unsigned).v ? int(yes.v, unsigned) : UNKNOWN;
    return int((isTrue(test) ? yes : no).v, unsigned);
  }

  private logicalOr(): Value {
    let left = this.logicalAnd();
    while (this.peek() === '||') {
      this.take();
      const right = this.logicalAnd();
      left = (left !== UNKNOWN && isTrue(left)) || (right !== UNKNOWN && isTrue(right)) ? TRUE
        : left !== UNKNOWN && right !== UNKNOWN ? FALSE : UNKNOWN;
    }
    return left;
  }

  private logicalAnd(): Value {
    let left = this.binary(0);
    while (this.peek() === '&&') {
      this.take();
      const right = this.binary(0);
      left = (left !== UNKNOWN && !isTrue(left)) || (right !== UNKNOWN && !isTrue(right)) ? FALSE
        : left !== UNKNOWN && right !== UNKNOWN ? TRUE : UNKNOWN;
    }
    return left;
  }

  private binary(level: number): Value {
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

  private unary(): Value {
    const t = this.peek();
    if (t === '!' || t === '-' || t === '~' || t === '+') {
      this.take();
      const v = this.unary();
      if (v === UNKNOWN) return UNKNOWN;
      return t === '!' ? truthOf(!isTrue(v)) : t === '-' ? int(-v.v, v.unsigned) : t === '~' ? int(~v.v, v.unsigned) : v;
    }
    return this.primary();
  }

  private primary(): Value {
    const t = this.take();
    if (t === '(') {
      const v = this.conditional();
      this.take(')');
      return v;
    }
    if (/^\d/.test(t)) {
      const v = integerConstant(t);
      if (!v) throw new Unreadable();
      return v;
    }
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
    if (value === null) return FALSE;
    if (value === undefined) return UNKNOWN;
    return integerConstant(value.trim()) ?? UNKNOWN;
  }

  /** IS_ENABLED(CONFIG_X) and its kin; any other function-like macro is not known. */
  private macroCall(macro: string): Value {
    this.take('(');
    let depth = 1;
    const args: string[] = [];
    while (depth > 0) {
      const t = this.take();
      if (t === '(') depth++;
      else if (t === ')') depth--;
      if (depth > 0) args.push(t);
    }
    return args.length === 1 ? truth(this.config.test(macro, args[0]!)) : UNKNOWN;
  }
}

function truth(b: boolean | undefined): Value {
  return b === undefined ? UNKNOWN : truthOf(b);
}
