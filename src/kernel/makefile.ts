// The syntax of a kbuild Makefile, as far as the build flags need it: logical
// lines (backslash-newline joined, comments stripped), conditional blocks,
// assignments (global and target-specific), includes and rule heads. Recipes,
// `define` bodies and bare function calls are skipped. The semantics (what a
// variable ends up holding) live in kbuild-eval.ts.

export type AssignOp = '=' | ':=' | '::=' | ':::=' | '+=' | '?=' | '!=';

/** A test an enclosing conditional directive makes; `negated` for its else branch. */
export interface MakeCondition {
  line: number;
  /** The directive as written: `ifdef CONFIG_FOO`, `ifeq ($(CONFIG_BAR),y)`. */
  test: string;
  negated: boolean;
  /** When the test reads one Kconfig symbol: whether this branch needs it set (y or m). */
  config?: { name: string; set: boolean };
}

interface Located { line: number; text: string; conditions: MakeCondition[] }

export type MakeStatement =
  | (Located & { kind: 'assign'; name: string; op: AssignOp; value: string; target?: string })
  | (Located & { kind: 'include'; paths: string; optional: boolean })
  | (Located & { kind: 'rule'; targets: string; prerequisites: string });

export interface ParsedMakefile { file: string; statements: MakeStatement[] }

interface LogicalLine { line: number; text: string }

/** Physical lines joined at backslash-newline (with the whitespace around it, as make does). */
function logicalLines(text: string): LogicalLine[] {
  const physical = text.split(/\r?\n/);
  const out: LogicalLine[] = [];
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let line = physical[i] as string;
    while (endsWithContinuation(line) && i + 1 < physical.length) {
      line = `${line.slice(0, -1).trimEnd()} ${(physical[++i] as string).trimStart()}`;
    }
    out.push({ line: start + 1, text: line });
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  const m = /\\+$/.exec(line);
  return m !== null && m[0].length % 2 === 1;
}

/** The index just past the reference opened at `i` (`$(` or `${`), or the end of the text. */
export function skipReference(text: string, i: number): number {
  const open = text[i + 1];
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === open) depth++;
    else if (text[j] === close && --depth === 0) return j + 1;
  }
  return text.length;
}

/** Text before the first `#` that is neither escaped nor inside a reference (make's comment rule). */
function stripComment(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) i = skipReference(text, i) - 1;
    else if (c === '#') return text.slice(0, i);
  }
  return text;
}

type Split =
  | { kind: 'assign'; name: string; op: AssignOp; value: string }
  | { kind: 'rule'; targets: string; rest: string };

/** Where a line is an assignment or a rule head: the first `=` or `:` outside references decides. */
function splitStatement(text: string): Split | null {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) { i = skipReference(text, i) - 1; continue; }
    if (c === '=') {
      const prev = text[i - 1];
      const op: AssignOp = prev === '+' || prev === '?' || prev === '!' ? (`${prev}=` as AssignOp) : '=';
      return { kind: 'assign', name: text.slice(0, op === '=' ? i : i - 1).trim(), op, value: text.slice(i + 1).trim() };
    }
    if (c === ':') {
      const colons = /^:+/.exec(text.slice(i))![0].length;
      if (text[i + colons] === '=' && colons <= 3) {
        return { kind: 'assign', name: text.slice(0, i).trim(), op: `${':'.repeat(colons)}=` as AssignOp, value: text.slice(i + colons + 1).trim() };
      }
      return { kind: 'rule', targets: text.slice(0, i).trim(), rest: text.slice(i + colons) };
    }
  }
  return null;
}

const MODIFIERS = /^(?:(?:override|export|private)\s+)+/;
const DEFINE = /^(?:(?:override|export)\s+)?define(?:\s|$)/;

function configTest(directive: string, args: string): MakeCondition['config'] {
  if (directive === 'ifdef' || directive === 'ifndef') {
    return /^CONFIG_\w+$/.test(args) ? { name: args, set: directive === 'ifdef' } : undefined;
  }
  const m = /^\(\s*(.*?)\s*,\s*(.*?)\s*\)$/.exec(args) ?? /^["'](.*?)["']\s+["'](.*?)["']$/.exec(args);
  if (!m) return undefined;
  const [a, b] = [m[1] as string, m[2] as string];
  const ref = /^\$[({](CONFIG_\w+)[)}]$/;
  const [config, other] = ref.test(a) ? [a, b] : ref.test(b) ? [b, a] : [undefined, undefined];
  if (config === undefined) return undefined;
  const name = ref.exec(config)![1] as string;
  // ($(CONFIG_X),y) tests "set to y"; ($(CONFIG_X),) tests "unset"; anything else is not one symbol's state.
  const equalMeansSet = other === 'y' ? true : other === '' ? false : undefined;
  if (equalMeansSet === undefined) return undefined;
  const set = directive === 'ifeq' ? equalMeansSet : !equalMeansSet;
  // ifneq ($(CONFIG_X),y) holds for m as well as unset: not a plain "unset".
  if (directive === 'ifneq' && other === 'y') return undefined;
  return { name, set };
}

interface Frame { tests: MakeCondition[]; active: MakeCondition[] }

function negate(c: MakeCondition): MakeCondition {
  return { ...c, negated: !c.negated, config: c.config && { name: c.config.name, set: !c.config.set } };
}

function parseDirective(text: string, line: number): MakeCondition | null {
  const m = /^(ifdef|ifndef|ifeq|ifneq)(?:\s+|(?=\())(.*)$/.exec(text);
  if (!m) return null;
  const [directive, args] = [m[1] as string, (m[2] as string).trim()];
  return { line, test: `${directive} ${args}`, negated: false, config: configTest(directive, args) };
}

export function parseMakefile(text: string, file: string): ParsedMakefile {
  const statements: MakeStatement[] = [];
  const frames: Frame[] = [];
  let inRule = false;
  let inDefine = 0;
  const conditions = (): MakeCondition[] => frames.flatMap((f) => f.active);
  for (const { line, text: raw } of logicalLines(text)) {
    if (inDefine > 0) {
      const word = raw.trim();
      if (/^endef(?:\s|$)/.test(word)) inDefine--;
      else if (DEFINE.test(word)) inDefine++;
      continue;
    }
    if (inRule && raw.startsWith('\t')) continue; // a recipe line
    const body = stripComment(raw).trim();
    if (body === '') continue;
    const directive = parseDirective(body, line);
    if (directive) { frames.push({ tests: [directive], active: [directive] }); continue; }
    if (/^else(?:\s|$)/.test(body)) {
      const frame = frames[frames.length - 1];
      if (!frame) continue;
      const chained = parseDirective(body.slice(4).trim(), line);
      frame.active = [...frame.tests.map(negate), ...(chained ? [chained] : [])];
      if (chained) frame.tests.push(chained);
      continue;
    }
    if (/^endif(?:\s|$)/.test(body)) { frames.pop(); continue; }
    if (DEFINE.test(body)) { inDefine = 1; continue; }
    const include = /^(-include|sinclude|include)\s+(.*)$/.exec(body);
    const located = { line, text: body.length > 200 ? `${body.slice(0, 199)}…` : body, conditions: conditions() };
    if (include) {
      statements.push({ ...located, kind: 'include', paths: include[2] as string, optional: include[1] !== 'include' });
      continue;
    }
    const split = splitStatement(body.replace(MODIFIERS, ''));
    if (!split) continue; // `export FOO`, `$(eval ...)`, `vpath ...`: nothing we read
    if (split.kind === 'assign') {
      inRule = false;
      statements.push({ ...located, kind: 'assign', name: split.name, op: split.op, value: split.value });
      continue;
    }
    inRule = true;
    const rest = split.rest.split(';')[0] as string;
    const targetSpecific = splitStatement(rest.replace(MODIFIERS, ''));
    if (targetSpecific?.kind === 'assign') {
      statements.push({ ...located, kind: 'assign', name: targetSpecific.name, op: targetSpecific.op, value: targetSpecific.value, target: split.targets });
    } else {
      statements.push({ ...located, kind: 'rule', targets: split.targets, prerequisites: rest.trim() });
    }
  }
  return { file, statements };
}
