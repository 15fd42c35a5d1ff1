// A source text as a configuration compiles it: the arms of `#if`/`#ifdef`/
// `#elif…`/`#else` that the configuration rules out are blanked, and so are the
// directives it decides, so that every reader after it (the name index, the
// parser, the CFG builder) sees one definition where the configuration has one
// and no path through code it does not build. What the configuration does not
// decide stays a conditional: its arms are both paths, as without one. Blanking
// keeps every offset, line and column (and byte: each byte of the file, read as
// Latin-1, is one character). A comment on a kept arm's directive line stays: it
// may go on over the next lines, which are code again only after its end.
import type { Configuration } from '../kernel/configuration.js';
import { blankComments } from './blank.js';
import { conditionalRole, directiveOf } from './directives.js';
import { evaluateIf, UNKNOWN, type IfValue } from './if-expression.js';

interface Group {
  /** An enclosing arm is ruled out: so is all of this group. */
  outerDead: boolean;
  /** An earlier arm is surely taken: the later ones are not. */
  taken: boolean;
  /** A directive of the group is kept (an earlier arm was undecided): later arms keep theirs. */
  open: boolean;
  /** The arm we are in is kept. */
  live: boolean;
}

/** The text with what `config` rules out blanked; the text itself when it decides nothing. */
export function liveArms(text: string, config: Configuration): string {
  if (config.empty || !/^[ \t]*#[ \t]*(?:if|el)/m.test(text)) return text;
  const scan = blankComments(text);
  const out: string[] = [];
  const stack: Group[] = [];
  const dead = (): boolean => stack.length > 0 && (!stack[stack.length - 1]!.live || stack[stack.length - 1]!.outerDead);
  let at = 0;
  while (at < text.length) {
    const end = logicalLineEnd(scan, at);
    const line = scan.slice(at, end);
    const directive = directiveOf(line);
    const role = conditionalRole(directive);
    if (role === null) {
      out.push(dead() ? blank(text.slice(at, end)) : text.slice(at, end));
    } else {
      const rewritten = directiveLine(line, directive!, role, stack, config, dead());
      // A comment it leaves open goes on over the lines after it, kept or blanked as they are.
      out.push(dead() ? rewritten : withComments(rewritten, line, text.slice(at, end)));
    }
    at = end;
  }
  return out.join('');
}

/** What a conditional directive becomes, and the group stack after it. */
function directiveLine(line: string, directive: string, role: 'open' | 'arm' | 'close', stack: Group[], config: Configuration, deadHere: boolean): string {
  if (role === 'open') {
    if (deadHere) { stack.push({ outerDead: true, taken: true, open: false, live: false }); return blank(line); }
    const v = conditionValue(line, directive, config);
    const group: Group = { outerDead: false, taken: v !== UNKNOWN && v !== 0, open: v === UNKNOWN, live: v !== 0 };
    stack.push(group);
    return group.open ? line : blank(line);
  }
  const group = stack[stack.length - 1];
  if (!group) return line; // an #else/#endif with no #if: as the compiler would, leave it to the parser
  if (role === 'close') {
    stack.pop();
    return group.open ? line : blank(line);
  }
  if (group.outerDead || group.taken) { group.live = false; return blank(line); }
  const v = directive === 'else' ? 1 : conditionValue(line, directive, config);
  group.live = v !== 0;
  if (v === 0) return blank(line);
  if (v !== UNKNOWN) {
    group.taken = true;
    return group.open ? asElse(line) : blank(line);
  }
  if (group.open) return line;
  group.open = true;
  return asOpening(line);
}

function conditionValue(line: string, directive: string, config: Configuration): IfValue {
  const rest = line.replace(/^[ \t]*#[ \t]*[a-z]+/, '').replace(/\\\r?\n/g, ' ');
  switch (directive) {
    case 'ifdef': case 'elifdef': return definedValue(rest, config, false);
    case 'ifndef': case 'elifndef': return definedValue(rest, config, true);
    default: return evaluateIf(rest, config);
  }
}

function definedValue(rest: string, config: Configuration, negated: boolean): IfValue {
  const name = /^\s*([A-Za-z_]\w*)/.exec(rest)?.[1];
  const d = name === undefined ? undefined : config.isDefined(name);
  return d === undefined ? UNKNOWN : Number(d !== negated);
}

/** `#elif X` as the first kept arm of its group: `#if   X` (`#elifdef` -> `#ifdef  `), same length. */
function asOpening(line: string): string {
  return line.replace(/^([ \t]*#[ \t]*)el(if(?:n?def)?)/, (_, lead: string, word: string) => `${lead}${word}  `);
}

/** A surely taken arm after undecided ones: `#else`, the rest of the directive blanked. */
function asElse(line: string): string {
  const head = `${/^[ \t]*#[ \t]*/.exec(line)![0]}else`;
  // The directive's word is at least `elif`: `else` fits over it.
  return head + blank(line.slice(head.length));
}

/** The end of the logical line starting at `at` (past its line break; continued by a trailing backslash). */
function logicalLineEnd(text: string, at: number): number {
  let i = at;
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    const before = text[nl - 1] === '\r' ? nl - 2 : nl - 1;
    if (text[before] !== '\\') return nl + 1;
    i = nl + 1;
  }
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/** A directive line as rewritten on its comment-blanked text `scan`, with the
 *  comments of the file's `raw` line put back: one left open there goes on over
 *  the next lines, kept as the file has them (without its start, `#endif /* X`
 *  would leave the comment's last line to be read as code). */
function withComments(rewritten: string, scan: string, raw: string): string {
  if (scan === raw) return rewritten;
  let out = '';
  for (let i = 0; i < raw.length; i++) out += scan[i] === raw[i] ? rewritten[i] : raw[i];
  return out;
}

/** liveArms over a file's bytes (read as Latin-1, byte for byte, so byte offsets stay). */
export function liveArmsOfBytes(bytes: Uint8Array, config: Configuration): Uint8Array {
  if (config.empty) return bytes;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const live = liveArms(text, config);
  return live === text ? bytes : Buffer.from(live, 'latin1');
}
