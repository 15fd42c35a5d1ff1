// A file's names, read from its raw text in one pass without parsing: the
// functions (and function-like macros) it defines with every identifier their
// bodies mention, the identifiers at file scope (ops tables, EXPORT_SYMBOL), and
// `.member = fn` / `->member = fn` bindings. The pre-filter decides from these
// which files and functions can matter before tree-sitter sees any of them.
//
// Everything here errs on the side of "mentioned": an identifier in a comment is
// skipped, but a field name, a local or a type counts as a mention; that only
// makes the pre-filter keep more. What it must never do is miss a definition's
// mention, so a file whose braces do not balance (a `#if` arm opening a block
// another arm closes) is marked unreliable and is always parsed when it matters.

import { ATTRIBUTE_MACROS_WITH_ARGS } from '../parser/kernel-idioms.js';
import { intern } from './intern.js';

/** `__printf(1, 2)`, `__attribute__((x))`, `__acquires(l)`: around a definition's
 *  name, not its name. */
function isAnnotation(word: string): boolean {
  return ATTRIBUTE_MACROS_WITH_ARGS.has(word) || word.startsWith('__attribute') || word === 'asm' || word === '__asm__';
}

export interface IndexedFunction {
  name: string;
  /** 1-based line of the name. */
  line: number;
  /** Offsets: where the definition's declaration starts (its return type, its
   *  `static`), its name, its body's `{`, and just past its closing `}`. */
  declStart: number;
  start: number;
  bodyStart: number;
  end: number;
  isStatic: boolean;
  /** A `#define name(args) body` rather than a C function. */
  macro: boolean;
  /** Identifiers the body mentions, and `.member` for calls through a member
   *  (`ops->run(v)`, `x.run(v)`): members are a namespace of their own. */
  mentions: Set<string>;
  /** What the body calls: names followed by `(`, `.member` calls, keys (a
   *  macro's: all it mentions). The other mentions are values (`fn` in
   *  `p->handler = fn`, `f(cb)`): they take an address, they call nothing. */
  calls: Set<string>;
  /** Arguments of call-returning macros (`static_call(kvm_x86_run)(v)`,
   *  `kvm_x86_call(run)(v)`): keys naming an ops table's member. */
  keys: Set<string>;
}

export interface NameIndex {
  path: string;
  functions: IndexedFunction[];
  /** Identifiers followed by `(` at file scope: every function the file defines or
   *  declares is among them (a superset of `functions`' names). */
  declared: Set<string>;
  /** Identifiers outside function bodies: initializers, tables, macro calls. */
  fileScope: Set<string>;
  /** `.member = fn` at file scope and `->member = fn` in bodies (member with its
   *  dot), with the function whose body binds it (null at file scope). */
  bindings: [member: string, fn: string, owner: string | null][];
  /** Braces did not balance: definitions' extents are guesses. */
  reliable: boolean;
}

const KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', 'bool',
  '__inline', '__inline__', 'asm', '__asm__', 'typeof', '__typeof__', 'true', 'false', 'NULL',
]);

// Character classes: 1 identifier start, 2 digit.
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) CLASS[c] = 1;
  else if (c >= 48 && c <= 57) CLASS[c] = 2;
}
const isIdentStart = (c: number): boolean => c < 128 && CLASS[c] === 1;
const isIdentChar = (c: number): boolean => c < 128 && CLASS[c] !== 0;

const NL = 10, SPACE = 32, TAB = 9, CR = 13, HASH = 35, SLASH = 47, STAR = 42, QUOTE = 34, APOS = 39,
  BACKSLASH = 92, LPAREN = 40, RPAREN = 41, LBRACE = 123, RBRACE = 125, SEMI = 59, EQ = 61, DOT = 46,
  GT = 62, MINUS = 45, COLON = 58;

/** After `member` at `pos`: `= [ (cast) ] [&] fn` ending at `,` `;` or `}` — fn. */
const BOUND_VALUE = /\s*=\s*(?:\([^()]*\)\s*)?&?\s*([A-Za-z_]\w*)\s*[,;}]/y;

export function indexNames(path: string, text: string): NameIndex {
  const out: NameIndex = { path, functions: [], declared: new Set(), fileScope: new Set(), bindings: [], reliable: true };
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = true; // only blanks since the last newline
  let depth = 0;
  let parens = 0;
  // The definition being read (its body is at depth >= 1).
  let current: IndexedFunction | null = null;
  // Header of a possible definition at file scope: `[static] type name(params) [attrs] {`.
  let candidate: { name: string; line: number; start: number } | null = null;
  let candidateParamsClosed = false;
  let candidateParens = 0;
  let candidateClose = 0; // just past the `)` closing the candidate's parameters
  let columnZero: { at: number; line: number } | null = null;
  let statementStatic = false;
  let statementStart = -1; // first token of the current file-scope statement
  let previousSignificant = 0; // last non-blank character code outside comments
  let previousAt = 0; // and where it is

  const resetStatement = (): void => { candidate = null; candidateParamsClosed = false; statementStatic = false; statementStart = -1; };
  const nextNonBlank = (from: number): number => {
    let j = from;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === SPACE || c === TAB || c === NL || c === CR) { j++; continue; }
      if (c === SLASH && text.charCodeAt(j + 1) === STAR) { const e = text.indexOf('*/', j + 2); j = e < 0 ? n : e + 2; continue; }
      break;
    }
    return j;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NL) { line++; lineStart = true; i++; continue; }
    if (c === SPACE || c === TAB || c === CR || c === 12) { i++; continue; }
    if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      for (let j = i; j < end; j++) if (text.charCodeAt(j) === NL) line++;
      i = end;
      continue;
    }
    if (c === HASH && lineStart) {
      const end = directiveEnd(text, i);
      readDirective(text, i, end, line, out);
      for (let j = i; j < end; j++) if (text.charCodeAt(j) === NL) line++;
      i = end;
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (depth === 0 && statementStart < 0 && !current) statementStart = i;
    if (c === QUOTE || c === APOS) {
      previousAt = i;
      i = skipQuoted(text, i, c);
      previousSignificant = c;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(text.charCodeAt(j))) j++;
      const word = intern(text.slice(i, j));
      const after = nextNonBlank(j);
      const called = text.charCodeAt(after) === LPAREN;
      if (current && depth > 0 && i > 0 && text.charCodeAt(i - 1) === NL && text.charCodeAt(after) !== COLON) {
        // A name in column 0 inside a body (not a label): in kernel style, the
        // start of a top-level declaration the braces lost track of.
        columnZero = { at: i, line };
      }
      if (current) {
        const member = previousSignificant === DOT || (previousSignificant === GT && text.charCodeAt(previousAt - 1) === MINUS);
        if (member) {
          if (called) { current.mentions.add(`.${word}`); current.calls.add(`.${word}`); }
          // A store through a field (`x->m = fn`, `x.m = fn`), not a designator
          // of an initializer (`{ .m = fn }`), which the program does not read.
          if (previousSignificant !== DOT || isOperand(text.charCodeAt(lastNonBlank(text, previousAt - 1)))) {
            bindingAt(text, j, `.${word}`, current.name, out);
          }
        } else if (!KEYWORDS.has(word)) {
          current.mentions.add(word);
          if (called) current.calls.add(word);
          if (previousSignificant === LPAREN && text.charCodeAt(after) === RPAREN && text.charCodeAt(nextNonBlank(after + 1)) === LPAREN) {
            current.keys.add(word);
          }
        }
      } else {
        if (word === 'static' && depth === 0) statementStatic = true;
        if (!KEYWORDS.has(word)) out.fileScope.add(word);
        if (depth === 0 && parens === 0 && called && !KEYWORDS.has(word)) {
          out.declared.add(word);
          // After a header's parameters, `__acquires(x)` is an annotation; any
          // other call-like name starts over (`module_init(f)` without its `;`).
          if (!candidate || (candidateParamsClosed && (isAnnotation(candidate.name) || !isAnnotation(word)))) {
            // What came before belongs to another statement: the declaration starts after it.
            if (candidate && !isAnnotation(candidate.name)) statementStart = candidateClose;
            candidate = { name: word, line, start: i };
            candidateParamsClosed = false;
            candidateParens = 0;
          }
        }
        if (depth > 0 && previousSignificant === DOT) bindingAt(text, j, `.${word}`, null, out);
      }
      previousAt = j - 1;
      i = j;
      previousSignificant = 1;
      continue;
    }
    if (c < 128 && CLASS[c] === 2) {
      // A number (with suffixes / hex digits): not an identifier.
      let j = i + 1;
      while (j < n && (isIdentChar(text.charCodeAt(j)) || text.charCodeAt(j) === DOT)) j++;
      previousAt = j - 1;
      i = j;
      previousSignificant = 2;
      continue;
    }
    switch (c) {
      case LPAREN:
        parens++;
        if (candidate && !candidateParamsClosed && depth === 0) candidateParens++;
        break;
      case RPAREN:
        if (parens > 0) parens--;
        if (candidate && !candidateParamsClosed && depth === 0 && --candidateParens === 0) { candidateParamsClosed = true; candidateClose = i + 1; }
        break;
      case LBRACE:
        if (atLineStart && text.charCodeAt(i - 1) === NL && depth > 0) {
          // `{` in column 0 opens a function body in kernel style: the braces
          // before it did not balance (a `#if` arm). Resynchronise, taking the
          // header from the last column-0 declaration start.
          out.reliable = false;
          const header = columnZero && columnZero.at < i ? headerIn(text, columnZero.at, i) : null;
          const headerLine = columnZero?.line ?? line;
          if (current) { current.end = header ? columnZero!.at : i; current = null; }
          depth = 0;
          resetStatement();
          if (header) {
            out.declared.add(header.name);
            candidate = { name: header.name, line: headerLine + lineOffset(text, columnZero!.at, header.start), start: header.start };
            candidateParamsClosed = true;
            statementStart = columnZero!.at;
            statementStatic = /\bstatic\b/.test(text.slice(columnZero!.at, header.start));
          }
          parens = 0;
          columnZero = null;
        }
        if (depth === 0 && !current && candidate && candidateParamsClosed && parens === 0) {
          current = {
            name: candidate.name, line: candidate.line, declStart: statementStart < 0 ? candidate.start : statementStart,
            start: candidate.start, bodyStart: i, end: n, isStatic: statementStatic, macro: false,
            mentions: new Set(), calls: new Set(), keys: new Set(),
          };
          out.functions.push(current);
          resetStatement();
        }
        depth++;
        break;
      case RBRACE:
        if (depth > 0) depth--;
        else out.reliable = false; // one `}` too many: a `#if` arm's
        if (depth === 0) {
          if (current) { current.end = i + 1; current = null; }
          resetStatement();
          parens = 0;
        }
        break;
      case SEMI:
        if (depth === 0) { resetStatement(); parens = 0; }
        break;
      case EQ:
        // `int x = f(y) {`? no: an initializer, not a definition.
        if (depth === 0 && parens === 0 && text.charCodeAt(i + 1) !== EQ) candidate = null;
        break;
      default:
        break;
    }
    previousSignificant = c;
    previousAt = i;
    i++;
  }
  if (depth !== 0 || current) out.reliable = false;
  return out;
}

/** The defined name in a declaration's text [from, to): the first call-like name
 *  that is not an annotation. */
function headerIn(text: string, from: number, to: number): { name: string; start: number } | null {
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(/([A-Za-z_]\w*)\s*\(/g)) {
    if (!KEYWORDS.has(m[1]!) && !isAnnotation(m[1]!)) return { name: intern(m[1]!), start: from + m.index! };
  }
  return null;
}

function lineOffset(text: string, from: number, to: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

function lastNonBlank(text: string, from: number): number {
  let k = from;
  while (k >= 0) {
    const c = text.charCodeAt(k);
    if (c !== SPACE && c !== TAB && c !== NL && c !== CR) break;
    k--;
  }
  return k;
}

/** What can end the operand a `.field` applies to: a name, `)` or `]`. */
function isOperand(c: number): boolean {
  return isIdentChar(c) || c === RPAREN || c === 93;
}

function bindingAt(text: string, pos: number, member: string, owner: string | null, out: NameIndex): void {
  BOUND_VALUE.lastIndex = pos;
  const m = BOUND_VALUE.exec(text);
  if (m) out.bindings.push([member, intern(m[1]!), owner]);
}

function skipQuoted(text: string, start: number, quote: number): number {
  let j = start + 1;
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) { j += 2; continue; }
    if (c === quote || c === NL) return j + 1;
    j++;
  }
  return n;
}

/** End of a preprocessor directive: its line and the continuation lines. */
function directiveEnd(text: string, start: number): number {
  let j = start;
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === NL) {
      let k = j - 1;
      if (text.charCodeAt(k) === CR) k--;
      if (text.charCodeAt(k) !== BACKSLASH) return j;
    } else if (c === SLASH && text.charCodeAt(j + 1) === STAR) {
      const e = text.indexOf('*/', j + 2);
      j = e < 0 ? n : e + 2;
      continue;
    }
    j++;
  }
  return n;
}

const DEFINE = /#\s*define\s+([A-Za-z_]\w*)(\()?/y;
const IDENT = /[A-Za-z_]\w*/g;
const MEMBER_CALL = /(?:\.|->)\s*([A-Za-z_]\w*)\s*\(/g;
/** `static_call(key)(…)` in a macro body. */
const MACRO_KEY = /\(\s*([A-Za-z_]\w*)\s*\)\s*\(/g;

/** `#define name(args) body`: a definition whose body mentions what it calls.
 *  Other directives mention nothing (an object-like macro's value is read by
 *  the analysis from the headers, not called). */
function readDirective(text: string, start: number, end: number, line: number, out: NameIndex): void {
  DEFINE.lastIndex = start;
  const m = DEFINE.exec(text);
  if (!m || DEFINE.lastIndex > end) return;
  const body = text.slice(DEFINE.lastIndex, end).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ' ');
  const mentions = new Set<string>();
  for (const id of body.matchAll(IDENT)) if (!KEYWORDS.has(id[0])) mentions.add(intern(id[0]));
  for (const call of body.matchAll(MEMBER_CALL)) mentions.add(`.${intern(call[1]!)}`);
  if (!m[2]) {
    // An object-like macro naming a function (`#define kvm_op do_kvm_op`) forwards to it.
    for (const id of mentions) out.fileScope.add(id);
    return;
  }
  const keys = new Set<string>();
  for (const k of body.matchAll(MACRO_KEY)) keys.add(intern(k[1]!));
  out.functions.push({ name: intern(m[1]!), line, declStart: start, start, bodyStart: start, end, isStatic: true, macro: true, mentions, calls: mentions, keys });
}
