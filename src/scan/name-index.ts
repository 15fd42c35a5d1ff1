// A file's names, read from its raw bytes in one pass without parsing: the
// functions (and function-like macros) it defines, with the names their bodies
// call and mention, the calls they make through struct members and call-macro
// keys; the names at file scope (ops tables, EXPORT_SYMBOL); `.member = fn` and
// `->member = fn` bindings with the struct type of the table when it is plain;
// its #include lines, integer #defines and `struct T *field;` declarations. The
// pre-filter decides from these which files and functions can matter before
// tree-sitter sees any of them, and the linkage (kernel/linkage) resolves calls
// from the same facts, so that both answer alike.
//
// Everything errs on the side of "mentioned": an identifier in a comment or a
// string is skipped, but a field name, a local or a type counts as a mention,
// which only makes the pre-filter keep more. What it must never do is miss a
// mention, so a file whose braces do not balance (a `#if` arm opening a block
// another arm closes) is marked unreliable and is always parsed when it matters.
//
// Names are hashed (scan/name-hash): a whole tree is ~1.2 GB of C, read at the
// speed of this loop. Offsets are of the input: bytes for a Uint8Array, UTF-16
// units for a string.

import { ATTRIBUTE_MACROS_WITH_ARGS } from '../parser/kernel-idioms.js';
import { intern } from './intern.js';
import { isAscii } from 'node:buffer';
import { FNV_OFFSET, FNV_PRIME, HashCollector, nameHash, type NameSet } from './name-hash.js';

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
  /** What its declaration says of it: FN_INLINE, FN_NOINSTR … (bits). */
  flags: number;
  /** Names followed by `(` (a macro: every name its body mentions). */
  calls: NameSet;
  /** Names the body mentions other than by calling them (`fn` in
   *  `p->handler = fn`, `f(cb)`): values, which take an address. Member names
   *  after `.`/`->` are not names (members are a namespace of their own). */
  values: NameSet;
  /** Of those, the ones converted to an integer (`(unsigned long)fn`): an address
   *  handed to code generated at run time (uasm's `UASM_i_LA(&p, T9, (unsigned
   *  long)kvm_mips_handle_exit)`), or to assembly, not to C. */
  integerValues: NameSet;
  /** Calls through a member, as pairs: the member's hash, and the hash of the
   *  field it is reached through (`vcpu->ops->run()`: ops), or 0. */
  memberCalls: Uint32Array;
  /** Calls through call-returning macros (`static_call(kvm_x86_run)(v)`,
   *  `kvm_x86_call(run)(v)`), as [macro, key]: keys naming an ops table's member. */
  keys: [macro: string, key: string][];
}

/** Declared `inline`, `__inline__` or `__always_inline`: part of its callers' bodies. */
export const FN_INLINE = 1;
/** `__always_inline`: inlined even without optimisation (never a call of its own). */
export const FN_ALWAYS_INLINE = 2;
/** `noinstr` (or `__noinstr`): in .noinstr.text, never instrumented. */
export const FN_NOINSTR = 4;
/** `__cpuidle`: in .cpuidle.text, which objtool treats as noinstr. */
export const FN_CPUIDLE = 8;
/** `notrace`: not traced by ftrace. */
export const FN_NOTRACE = 16;

/** `.member = fn` at file scope, `->member = fn` / `x.member = fn` in a body, as
 *  four numbers: the member's hash (without its dot), fn's hash, the hash of the
 *  struct type of the file-scope table the designator belongs to (when the table
 *  is declared `[static] [const] struct T name[ [] ] = {` and the designator is
 *  one of its own members; 0 otherwise), and 1 + the index in `functions` of the
 *  function whose body stores it (0 in a file-scope initializer). */
export const BINDING_FIELDS = 4;

export type IncludeDirective = [kind: string, name: string];

export interface NameIndex {
  path: string;
  functions: IndexedFunction[];
  /** Names followed by `(` outside function bodies: every function the file
   *  defines or declares is among them. */
  declared: NameSet;
  /** Of those, the ones called, not declared: in file-scope expressions, macro
   *  calls, and statements the index could not read as declarations. */
  fileCalls: NameSet;
  /** Names used as values outside function bodies — in initializers (`.run =
   *  vmx_run`, `= { f, g }`) and file-scope macro calls (`EXPORT_SYMBOL(f)`,
   *  `module_init(f)`) — not declarators: they take an address. */
  fileValues: NameSet;
  /** BINDING_FIELDS numbers per binding. */
  bindings: Uint32Array;
  /** `#include <x>` / `#include "x"`, in order. */
  includes: IncludeDirective[];
  /** `struct T *field;` and `struct T field;` declarations, as pairs of hashes: field, T. */
  pointerFields: Uint32Array;
  /** Braces balanced: definitions' extents are exact. */
  reliable: boolean;
  /** Every byte is ASCII: offsets are the same in bytes and in characters. */
  ascii: boolean;
}

// Character classes: 1 identifier start, 2 digit, 3 blank.
const CLASS = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) CLASS[c] = 1;
  else if (c >= 48 && c <= 57) CLASS[c] = 2;
}
for (const c of [32, 9, 13, 12, 11]) CLASS[c] = 3;
const IDENT_CHAR = CLASS.map((k) => (k === 1 || k === 2 ? 1 : 0));

const NL = 10, SPACE = 32, TAB = 9, CR = 13, HASH = 35, SLASH = 47, STAR = 42, QUOTE = 34, APOS = 39,
  BACKSLASH = 92, LPAREN = 40, RPAREN = 41, LBRACE = 123, RBRACE = 125, SEMI = 59, EQ = 61, DOT = 46,
  GT = 62, MINUS = 45, COLON = 58, LBRACKET = 91, RBRACKET = 93, AMP = 38, COMMA = 44;

/** Token kinds beside punctuation's own codes. */
const IDENT = 1, NUMBER = 2, ARROW = 3;

const KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', 'bool',
  '__inline', '__inline__', 'asm', '__asm__', 'typeof', '__typeof__', 'true', 'false', 'NULL',
]);
/** Words by hash in an open-addressed table, with their bytes and a value: most
 *  names are told from a word of the table by one number, the others by their
 *  bytes (no string is made). */
class WordTable {
  private static readonly SLOTS = 1024;
  private readonly hashes = new Uint32Array(WordTable.SLOTS);
  private readonly words: (Uint8Array | undefined)[] = new Array(WordTable.SLOTS);
  private readonly values = new Int32Array(WordTable.SLOTS);

  constructor(entries: Iterable<[string, number]>) {
    const mask = WordTable.SLOTS - 1;
    for (const [word, value] of entries) {
      const h = nameHash(word);
      let slot = h & mask;
      while (this.words[slot]) slot = (slot + 1) & mask;
      this.hashes[slot] = h;
      this.words[slot] = Buffer.from(word, 'latin1');
      this.values[slot] = value;
    }
  }

  /** The value of the word text[start, end) (hash: its hash), or 0. */
  get(text: Uint8Array, start: number, end: number, hash: number): number {
    const mask = WordTable.SLOTS - 1;
    for (let slot = hash & mask; this.words[slot]; slot = (slot + 1) & mask) {
      if (this.hashes[slot] !== hash) continue;
      const w = this.words[slot]!;
      if (w.length !== end - start) continue;
      let same = true;
      for (let i = 0; i < w.length && same; i++) same = text[start + i] === w[i];
      if (same) return this.values[slot]!;
    }
    return 0;
  }
}

const KEYWORD_TABLE = new WordTable([...KEYWORDS].map((k) => [k, 1]));

function isKeyword(text: Uint8Array, start: number, end: number, hash: number): boolean {
  return KEYWORD_TABLE.get(text, start, end, hash) === 1;
}

/** Words of a declaration that say what a function is (FN_* bits). */
const ATTRIBUTE_BITS = new Map<string, number>([
  ['inline', FN_INLINE], ['__inline', FN_INLINE], ['__inline__', FN_INLINE],
  ['__always_inline', FN_INLINE | FN_ALWAYS_INLINE],
  // include/linux/fortify-string.h: extern __always_inline __gnu_inline __overloadable
  ['__FORTIFY_INLINE', FN_INLINE | FN_ALWAYS_INLINE],
  ['noinstr', FN_NOINSTR], ['__noinstr', FN_NOINSTR], ['__cpuidle', FN_CPUIDLE], ['notrace', FN_NOTRACE],
]);
const ATTRIBUTES = new WordTable(ATTRIBUTE_BITS);

/** The last word of a cast to an integer type wide enough for an address. */
const INTEGER_TYPES = new WordTable(new Map(['long', 'uintptr_t', 'u64', '__u64', 'uint64_t', 'ulong', 'phys_addr_t'].map((w) => [w, 1])));

/** `__printf(1, 2)`, `__attribute__((x))`, `__acquires(l)`: around a definition's
 *  name, not its name. */
const ANNOTATIONS = new Set([...ATTRIBUTE_MACROS_WITH_ARGS, 'asm', '__asm__'].map(nameHash));
const ATTRIBUTE_PREFIX = Buffer.from('__attribute', 'latin1');

function isAnnotation(text: Uint8Array, start: number, end: number, hash: number): boolean {
  if (ANNOTATIONS.has(hash)) return ATTRIBUTE_MACROS_WITH_ARGS.has(latin1(text, start, end)) || isWord(text, start, end, 'asm') || isWord(text, start, end, '__asm__');
  if (end - start < ATTRIBUTE_PREFIX.length) return false;
  for (let i = 0; i < ATTRIBUTE_PREFIX.length; i++) if (text[start + i] !== ATTRIBUTE_PREFIX[i]) return false;
  return true;
}

function isAnnotationName(word: string): boolean {
  return ATTRIBUTE_MACROS_WITH_ARGS.has(word) || word.startsWith('__attribute') || word === 'asm' || word === '__asm__';
}

function toBytes(text: string | Uint8Array): Uint8Array {
  return typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
}

// One body is read at a time: its names go to these lists, taken when it ends.
const BODY_CALLS = new HashCollector();
const BODY_VALUES = new HashCollector();
const BODY_INTEGER_VALUES = new HashCollector();
const FILE_VALUES = new HashCollector();
const DECLARED = new HashCollector();
const FILE_CALLS = new HashCollector();
const MACRO_NAMES = new HashCollector();
const NO_KEYS: [string, string][] = [];
const EMPTY = new Uint32Array(0);

function finishBody(fn: IndexedFunction, memberCalls: number[], keys: Map<string, [string, string]>): void {
  fn.calls = BODY_CALLS.take();
  fn.values = BODY_VALUES.take();
  fn.integerValues = BODY_INTEGER_VALUES.take();
  fn.memberCalls = memberCalls.length ? Uint32Array.from(memberCalls) : EMPTY;
  fn.keys = keys.size ? [...keys.values()] : NO_KEYS;
}

// The loop keeps its state in locals and the last four significant tokens in
// plain variables (kind k, start s, end e, hash h; 0 the newest): a closure or a
// ring buffer over them costs several times the scan itself.
export function indexNames(path: string, input: string | Uint8Array): NameIndex {
  const text = toBytes(input);
  const n = text.length;
  const out: NameIndex = {
    path, functions: [], declared: EMPTY, fileCalls: EMPTY, fileValues: EMPTY, bindings: EMPTY, includes: [],
    pointerFields: EMPTY, reliable: true, ascii: true,
  };
  const bindings: number[] = [];
  const pointerFields: number[] = [];
  FILE_VALUES.clear();
  DECLARED.clear();
  FILE_CALLS.clear();

  let line = 1;
  let lineStart = true; // only blanks since the last newline
  let depth = 0;
  let parens = 0;
  // The definition being read, and what its body calls through members and keys.
  let fn: IndexedFunction | null = null;
  let memberCalls: number[] = [];
  let keys = new Map<string, [string, string]>();
  // Header of a possible definition at file scope: `[static] type name(params) [attrs] {`.
  let candidate = false;
  let candidateAnnotation = false; // its name is an annotation (`__acquires`)
  let candidateEnd = 0; // its name is [candidateStart, candidateEnd)
  let candidateLine = 0;
  let candidateStart = 0;
  let candidateParamsClosed = false;
  let candidateParens = 0;
  let candidateClose = 0; // just past the `)` closing the candidate's parameters
  let columnZeroAt = -1; // a name in column 0 inside a body, and its line
  let columnZeroLine = 0;
  let statementStatic = false;
  let statementFlags = 0; // FN_* bits of the words seen so far
  let statementMacroCall = false; // it starts with `NAME(`: a macro call, whose names are values
  let statementStart = -1; // first token of the current file-scope statement
  // A file-scope table: `[static] [const] struct T name[ [] ] = {`.
  let statementStruct = 0;
  let statementArray = false;
  let statementInitializer = false;
  // The last tokens.
  let k0 = 0, k1 = 0, k2 = 0, k3 = 0;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let e0 = 0, e1 = 0, e2 = 0, e3 = 0;
  let h0 = 0, h1 = 0, h2 = 0;
  // An identifier (the newest token) waits for the next significant character,
  // which tells a call (`(`) from a value, a label (`:`).
  let pending = false;
  let pendingLine = 0;
  // `( … ->m )` just closed in a body: a call through m if `(` follows.
  let parenMember = 0;
  let parenContainer = 0;
  // `M( IDENT )` just closed in a body: a key if `(` follows.
  let keyStart = -1;
  let keyEnd = 0;
  let keyMacroStart = 0;
  let keyMacroEnd = 0;

  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === NL) { line++; lineStart = true; i++; continue; }
    if (CLASS[c] === 3) { i++; continue; }
    if (c === SLASH) {
      if (text[i + 1] === SLASH) { const e = text.indexOf(NL, i); i = e < 0 ? n : e; continue; }
      if (text[i + 1] === STAR) {
        let j = i + 2;
        while (j < n && !(text[j] === STAR && text[j + 1] === SLASH)) { if (text[j] === NL) line++; j++; }
        i = Math.min(n, j + 2);
        continue;
      }
    }
    // The next token: its kind, extent and (for a name) hash.
    let kind: number;
    let end: number;
    let hash = 0;
    const directive = c === HASH && lineStart;
    if (directive) {
      kind = HASH;
      end = directiveEnd(text, i);
    } else if (CLASS[c] === 1) {
      let h = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
      let j = i + 1;
      while (j < n && IDENT_CHAR[text[j]!] === 1) h = Math.imul(h ^ text[j++]!, FNV_PRIME);
      hash = h >>> 0;
      kind = IDENT;
      end = j;
    } else if (CLASS[c] === 2) {
      // A number (with suffixes / hex digits): not an identifier.
      let j = i + 1;
      while (j < n && (IDENT_CHAR[text[j]!] === 1 || text[j] === DOT)) j++;
      kind = NUMBER;
      end = j;
    } else if (c === QUOTE || c === APOS) {
      kind = c;
      end = skipQuoted(text, i, c);
    } else if (c === MINUS && text[i + 1] === GT) {
      kind = ARROW;
      end = i + 2;
    } else {
      kind = c;
      end = i + 1;
    }

    if (pending) {
      // The identifier before this token (k0), now that what follows it is known.
      pending = false;
      const called = kind === LPAREN;
      if (fn && depth > 0 && s0 > 0 && text[s0 - 1] === NL && kind !== COLON) {
        // A name in column 0 inside a body (not a label): in kernel style, the
        // start of a top-level declaration the braces lost track of.
        columnZeroAt = s0;
        columnZeroLine = pendingLine;
      }
      if (fn) {
        if (k1 === DOT || k1 === ARROW) {
          // The field it is reached through: `a->ops->run(` (ops), else 0 (a local, a
          // call, a subscript, parentheses). The CFG builder reads its dispatch the
          // same way (cfg/build dispatchOf), so that both resolve a call alike.
          const container = k2 === IDENT && (k3 === DOT || k3 === ARROW) ? h2 : 0;
          if (called) memberCalls.push(h0, container);
          // `(x->m)(…)`, `(*ops->m)(…)`: a call if `(` follows the `)`.
          else if (kind === RPAREN) { parenMember = h0; parenContainer = container; }
          // A store through a field (`x->m = fn`, `x.m = fn`), not a designator
          // of an initializer (`{ .m = fn }`), which the program does not read.
          if (k1 === ARROW || isOperand(k2)) bindingAt(text, e0, h0, out.functions.length, 0, bindings);
        } else if (!isKeyword(text, s0, e0, h0)) {
          if (called) BODY_CALLS.add(h0);
          else {
            BODY_VALUES.add(h0);
            if (k1 === RPAREN && k2 === IDENT && INTEGER_TYPES.get(text, s2, e2, h2) === 1) BODY_INTEGER_VALUES.add(h0);
          }
        }
      } else if (isKeyword(text, s0, e0, h0)) {
        if (depth === 0 && isWord(text, s0, e0, 'static')) statementStatic = true;
        if (depth === 0) statementFlags |= ATTRIBUTES.get(text, s0, e0, h0);
      } else {
        if (depth === 0 && s0 === statementStart && called) statementMacroCall = true;
        if (statementInitializer || statementMacroCall) FILE_VALUES.add(h0);
        if (called) {
          DECLARED.add(h0);
          if (depth > 0 || parens > 0 || statementInitializer || s0 === statementStart) FILE_CALLS.add(h0);
        }
        if (depth === 0) statementFlags |= ATTRIBUTES.get(text, s0, e0, h0);
        if (depth === 0 && parens === 0 && !statementInitializer && statementStruct === 0 && k1 === IDENT &&
          isWord(text, s1, e1, 'struct')) {
          statementStruct = h0;
        }
        if (depth === 0 && parens === 0 && called) {
          const annotation = isAnnotation(text, s0, e0, h0);
          // After a header's parameters, `__acquires(x)` is an annotation; any
          // other call-like name starts over (`module_init(f)` without its `;`).
          if (!candidate || (candidateParamsClosed && (candidateAnnotation || !annotation))) {
            // What came before belongs to another statement: the declaration starts after it.
            if (candidate && !candidateAnnotation) statementStart = candidateClose;
            candidate = true;
            candidateAnnotation = annotation;
            candidateLine = pendingLine;
            candidateStart = s0;
            candidateEnd = e0;
            candidateParamsClosed = false;
            candidateParens = 0;
          }
        }
        if (depth > 0 && k1 === DOT) {
          const typed = statementStruct !== 0 && statementInitializer && depth === (statementArray ? 2 : 1);
          bindingAt(text, e0, h0, 0, typed ? statementStruct : 0, bindings);
        }
      }
    }
    if (parenMember !== 0 && kind !== RPAREN) {
      if (kind === LPAREN && fn) memberCalls.push(parenMember, parenContainer);
      parenMember = 0;
    }
    if (keyStart >= 0) {
      if (kind === LPAREN && fn) {
        const key = latin1(text, keyStart, keyEnd);
        const macro = latin1(text, keyMacroStart, keyMacroEnd);
        keys.set(`${macro}(${key})`, [macro, key]);
      }
      keyStart = -1;
    }

    if (directive) {
      readDirective(text, i, end, line, out, FILE_VALUES);
      for (let j = i; j < end; j++) if (text[j] === NL) line++;
      i = end;
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (depth === 0 && statementStart < 0 && !fn) statementStart = i;

    if (kind === IDENT) {
      pending = true;
      pendingLine = line;
    } else if (kind === RPAREN) {
      if (fn && k0 === IDENT && k1 === LPAREN && k2 === IDENT && !isKeyword(text, s0, e0, h0) && !isKeyword(text, s2, e2, h2)) {
        keyStart = s0; keyEnd = e0; keyMacroStart = s2; keyMacroEnd = e2;
      }
      if (parens > 0) parens--;
      if (candidate && !candidateParamsClosed && depth === 0 && --candidateParens === 0) {
        candidateParamsClosed = true;
        candidateClose = i + 1;
      }
    } else if (kind === SEMI) {
      // `struct T *field;` or `struct T field;` (a field or a variable): the
      // field's type (`vcpu->arch.vcpu_run()` reaches what a struct
      // kvm_vcpu_arch holds, not every table's `.vcpu_run`).
      if (k0 === IDENT && k1 === STAR && k2 === IDENT && k3 === IDENT && isWord(text, s3, e3, 'struct') &&
        !isWord(text, s2, e2, 'const')) {
        pointerFields.push(h0, h2);
      } else if (k0 === IDENT && k1 === IDENT && k2 === IDENT && isWord(text, s2, e2, 'struct') && !isKeyword(text, s1, e1, h1)) {
        pointerFields.push(h0, h1);
      }
      if (depth === 0) { statementStart = -1; candidate = false; candidateParamsClosed = false; statementStatic = false; statementFlags = 0; statementMacroCall = false;
        statementStruct = 0; statementArray = false; statementInitializer = false; parens = 0; }
    } else if (kind === LPAREN) {
      parens++;
      if (candidate && !candidateParamsClosed && depth === 0) candidateParens++;
    } else if (kind === LBRACKET) {
      if (depth === 0 && parens === 0 && !statementInitializer) statementArray = true;
    } else if (kind === EQ) {
      // `int x = f(y) {`? no: an initializer, not a definition.
      if (depth === 0 && parens === 0 && text[i + 1] !== EQ) { candidate = false; statementInitializer = true; }
    } else if (kind === LBRACE) {
      if (atLineStart && text[i - 1] === NL && depth > 0) {
        // `{` in column 0 opens a function body in kernel style: the braces
        // before it did not balance (a `#if` arm). Resynchronise, taking the
        // header from the last column-0 declaration start.
        out.reliable = false;
        const header = columnZeroAt >= 0 && columnZeroAt < i ? headerIn(text, columnZeroAt, i) : null;
        const headerLine = columnZeroAt >= 0 ? columnZeroLine : line;
        if (fn) { fn.end = header ? columnZeroAt : i; finishBody(fn, memberCalls, keys); fn = null; }
        depth = 0;
        statementStruct = 0; statementArray = false; statementInitializer = false;
        candidate = false; candidateParamsClosed = false; statementStatic = false; statementFlags = 0; statementMacroCall = false; statementStart = -1;
        if (header) {
          DECLARED.add(header.hash);
          candidate = true;
          candidateAnnotation = false;
          candidateEnd = header.start + header.name.length;
          candidateLine = headerLine + lineOffset(text, columnZeroAt, header.start);
          candidateStart = header.start;
          candidateParamsClosed = true;
          statementStart = columnZeroAt;
          const words = latin1(text, columnZeroAt, header.start);
          statementStatic = /\bstatic\b/.test(words);
          for (const w of words.matchAll(/[A-Za-z_]\w*/g)) statementFlags |= ATTRIBUTE_BITS.get(w[0]) ?? 0;
        }
        parens = 0;
        columnZeroAt = -1;
        k0 = k1 = k2 = k3 = 0;
      }
      if (depth === 0 && !fn && candidate && candidateParamsClosed && parens === 0) {
        fn = {
          name: latin1(text, candidateStart, candidateEnd), line: candidateLine, declStart: statementStart < 0 ? candidateStart : statementStart,
          start: candidateStart, bodyStart: i, end: n, isStatic: statementStatic, macro: false, flags: statementFlags,
          calls: EMPTY, values: EMPTY, integerValues: EMPTY, memberCalls: EMPTY, keys: NO_KEYS,
        };
        out.functions.push(fn);
        BODY_CALLS.clear();
        BODY_VALUES.clear();
        BODY_INTEGER_VALUES.clear();
        memberCalls = [];
        keys = new Map();
        candidate = false; candidateParamsClosed = false; statementStatic = false; statementFlags = 0; statementMacroCall = false; statementStart = -1;
        statementStruct = 0; statementArray = false; statementInitializer = false;
      }
      depth++;
    } else if (kind === RBRACE) {
      if (depth > 0) depth--;
      else out.reliable = false; // one `}` too many: a `#if` arm's
      if (depth === 0) {
        if (fn) { fn.end = i + 1; finishBody(fn, memberCalls, keys); fn = null; }
        candidate = false; candidateParamsClosed = false; statementStatic = false; statementFlags = 0; statementMacroCall = false; statementStart = -1;
        statementStruct = 0; statementArray = false; statementInitializer = false;
        parens = 0;
      }
    }
    k3 = k2; s3 = s2; e3 = e2;
    k2 = k1; s2 = s1; e2 = e1; h2 = h1;
    k1 = k0; s1 = s0; e1 = e0; h1 = h0;
    k0 = kind; s0 = i; e0 = end; h0 = hash;
    i = end;
  }
  if (pending && !fn) {
    // A name at the very end of the file, followed by nothing.
    if (!isKeyword(text, s0, e0, h0) && (statementInitializer || statementMacroCall)) FILE_VALUES.add(h0);
  } else if (pending && fn && k1 !== DOT && k1 !== ARROW && !isKeyword(text, s0, e0, h0)) {
    BODY_VALUES.add(h0);
  }
  if (fn) { fn.end = n; finishBody(fn, memberCalls, keys); }
  if (depth !== 0 || fn) out.reliable = false;
  out.bindings = bindings.length ? Uint32Array.from(bindings) : EMPTY;
  out.pointerFields = pointerFields.length ? Uint32Array.from(pointerFields) : EMPTY;
  out.declared = DECLARED.take();
  out.fileCalls = FILE_CALLS.take();
  out.fileValues = FILE_VALUES.take();
  out.ascii = isAscii(text);
  return out;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

function isWord(text: Uint8Array, start: number, end: number, w: string): boolean {
  if (end - start !== w.length) return false;
  for (let k = 0; k < w.length; k++) if (text[start + k] !== w.charCodeAt(k)) return false;
  return true;
}

/** What can end the operand a `.field` applies to: a name, a number, `)` or `]`. */
function isOperand(kind: number): boolean {
  return kind === IDENT || kind === NUMBER || kind === RPAREN || kind === RBRACKET;
}

/** The defined name in a declaration's text [from, to): the first call-like name
 *  that is not an annotation. */
function headerIn(text: Uint8Array, from: number, to: number): { name: string; start: number; hash: number } | null {
  const slice = latin1(text, from, to);
  for (const m of slice.matchAll(/([A-Za-z_]\w*)\s*\(/g)) {
    if (!KEYWORDS.has(m[1]!) && !isAnnotationName(m[1]!)) {
      const name = intern(m[1]!);
      let h = FNV_OFFSET;
      for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), FNV_PRIME);
      return { name, start: from + m.index!, hash: h >>> 0 };
    }
  }
  return null;
}

function lineOffset(text: Uint8Array, from: number, to: number): number {
  let lines = 0;
  for (let i = from; i < to; i++) if (text[i] === NL) lines++;
  return lines;
}

const isBlank = (c: number | undefined): boolean => c === SPACE || c === TAB || c === NL || c === CR || c === 12 || c === 11;

/** After the member (ending at `pos`): `= [ (cast) ] [&] fn` ending at `,` `;` or `}` — a binding of fn. */
function bindingAt(text: Uint8Array, pos: number, member: number, owner: number, type: number, out: number[]): void {
  let j = pos;
  const skip = (): void => { while (isBlank(text[j])) j++; };
  skip();
  if (text[j] !== EQ) return;
  j++;
  skip();
  if (text[j] === LPAREN) {
    let k = j + 1;
    while (k < text.length && text[k] !== LPAREN && text[k] !== RPAREN) k++;
    if (text[k] === RPAREN) { j = k + 1; skip(); }
  }
  if (text[j] === AMP) { j++; skip(); }
  if (CLASS[text[j]!] !== 1) return;
  let h = FNV_OFFSET;
  while (j < text.length && IDENT_CHAR[text[j]!] === 1) h = Math.imul(h ^ text[j++]!, FNV_PRIME);
  skip();
  const c = text[j];
  if (c !== COMMA && c !== SEMI && c !== RBRACE) return;
  out.push(member, h >>> 0, type, owner);
}

function skipQuoted(text: Uint8Array, start: number, quote: number): number {
  let j = start + 1;
  const n = text.length;
  while (j < n) {
    const c = text[j];
    if (c === BACKSLASH) { j += 2; continue; }
    if (c === quote || c === NL) return j + 1;
    j++;
  }
  return n;
}

/** End of a preprocessor directive: its line and the continuation lines. */
function directiveEnd(text: Uint8Array, start: number): number {
  let j = start;
  const n = text.length;
  while (j < n) {
    const c = text[j];
    if (c === NL) {
      let k = j - 1;
      if (text[k] === CR) k--;
      if (text[k] !== BACKSLASH) return j;
    } else if (c === SLASH && text[j + 1] === STAR) {
      let e = j + 2;
      while (e < n && !(text[e] === STAR && text[e + 1] === SLASH)) e++;
      j = Math.min(n, e + 2);
      continue;
    }
    j++;
  }
  return n;
}

/** The directive's word after `#`, from `at` (just past the `#`): [start, end). */
function directiveWord(text: Uint8Array, at: number, end: number): [number, number] {
  let j = at;
  while (j < end && (text[j] === SPACE || text[j] === TAB)) j++;
  const start = j;
  while (j < end && IDENT_CHAR[text[j]!] === 1) j++;
  return [start, j];
}

/** The names a directive's text [from, end) mentions (comments skipped), pushed
 *  as hashes; with `calls`, also its member calls and keys. */
function directiveNames(text: Uint8Array, from: number, end: number, names: HashCollector,
  calls?: { memberCalls: number[]; keys: Map<string, [string, string]> }): void {
  // Kinds of the last three significant tokens, for `.m(`, `->m(` and `( k ) (`.
  let k1 = 0, k2 = 0, k3 = 0;
  let lastStart = 0, lastEnd = 0, lastHash = 0, keyStart = -1, keyEnd = 0;
  let macroStart = 0, macroEnd = 0, keyMacroStart = 0, keyMacroEnd = 0;
  let j = from;
  while (j < end) {
    const c = text[j]!;
    if (CLASS[c] === 3 || c === NL || c === BACKSLASH) { j++; continue; }
    if (c === SLASH && text[j + 1] === STAR) {
      j += 2;
      while (j < end && !(text[j] === STAR && text[j + 1] === SLASH)) j++;
      j += 2;
      continue;
    }
    if (c === SLASH && text[j + 1] === SLASH) {
      while (j < end && text[j] !== NL) j++;
      continue;
    }
    let kind: number = c;
    let next = j + 1;
    if (c === QUOTE || c === APOS) next = skipQuoted(text, j, c);
    else if (CLASS[c] === 2) { while (next < end && (IDENT_CHAR[text[next]!] === 1 || text[next] === DOT)) next++; kind = NUMBER; }
    else if (c === MINUS && text[j + 1] === GT) { next = j + 2; kind = ARROW; }
    else if (CLASS[c] === 1) {
      let h = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
      while (next < end && IDENT_CHAR[text[next]!] === 1) h = Math.imul(h ^ text[next++]!, FNV_PRIME);
      h >>>= 0;
      kind = IDENT;
      if (k1 !== DOT && k1 !== ARROW && !isKeyword(text, j, next, h)) names.add(h);
      macroStart = lastStart; macroEnd = lastEnd;
      lastStart = j; lastEnd = next; lastHash = h;
    }
    if (calls) {
      if (kind === LPAREN && k1 === IDENT && (k2 === DOT || k2 === ARROW)) calls.memberCalls.push(lastHash, 0);
      if (keyStart >= 0 && kind === LPAREN) {
        const macro = latin1(text, keyMacroStart, keyMacroEnd);
        const key = latin1(text, keyStart, keyEnd);
        calls.keys.set(`${macro}(${key})`, [macro, key]);
      }
      keyStart = kind === RPAREN && k1 === IDENT && k2 === LPAREN && k3 === IDENT ? lastStart : -1;
      keyEnd = lastEnd;
      keyMacroStart = macroStart;
      keyMacroEnd = macroEnd;
    }
    k3 = k2; k2 = k1; k1 = kind;
    j = next;
  }
}

/** A directive: `#define name(args) body` is a definition whose body calls what
 *  it names; an object-like macro's names are file scope (`#define kvm_op
 *  do_kvm_op` forwards to a function); `#include` is kept. Other directives
 *  mention nothing. Read over bytes: a tree holds millions of `#define`s. */
function readDirective(text: Uint8Array, start: number, end: number, line: number, out: NameIndex, fileValues: HashCollector): void {
  const [ws, we] = directiveWord(text, start + 1, end);
  if (isWord(text, ws, we, 'include')) {
    let j = we;
    while (j < end && (text[j] === SPACE || text[j] === TAB)) j++;
    const open = text[j];
    if (open !== 60 && open !== QUOTE) return;
    const close = open === 60 ? 62 : QUOTE;
    let k = j + 1;
    while (k < end && text[k] !== close && text[k] !== NL) k++;
    if (text[k] === close && k > j + 1) out.includes.push([open === 60 ? '<' : '"', intern(latin1(text, j + 1, k))]);
    return;
  }
  if (!isWord(text, ws, we, 'define')) return;
  const [ns, ne] = directiveWord(text, we, end);
  if (ne === ns || CLASS[text[ns]!] !== 1) return;
  if (text[ne] !== LPAREN) {
    // An object-like macro naming a function (`#define kvm_op do_kvm_op`) forwards to it.
    directiveNames(text, ne, end, fileValues);
    return;
  }
  const calls = { memberCalls: [] as number[], keys: new Map<string, [string, string]>() };
  MACRO_NAMES.length = 0;
  directiveNames(text, ne + 1, end, MACRO_NAMES, calls);
  const names = MACRO_NAMES.take();
  out.functions.push({
    name: intern(latin1(text, ns, ne)), line, declStart: start, start, bodyStart: start, end, isStatic: true, macro: true, flags: FN_INLINE,
    calls: names, values: EMPTY, integerValues: EMPTY, memberCalls: calls.memberCalls.length ? Uint32Array.from(calls.memberCalls) : EMPTY,
    keys: calls.keys.size ? [...calls.keys.values()] : NO_KEYS,
  });
}
