// Reading a patch and checking it before anything is applied: that it is a
// unified diff at all (git's or traditional `---`/`+++`), that it is text (no
// binary hunks), and that every path it names stays inside the tree. Paths are
// taken as `git apply` takes them: one leading directory stripped (-p1) from the
// `diff --git`, `---` and `+++` names, none from `rename`/`copy` lines.
import { InputError } from '../errors.js';
import { DEFAULT_MAX_FILE_SIZE, formatSize, readRegularFile } from '../io/read-file.js';

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The `@@ … @@` line as written. */
  header: string;
  /** 1-based line of the header in the patch. */
  line: number;
}

export interface FilePatch {
  /** Path before (relative to the tree), or null for a new file. */
  oldPath: string | null;
  /** Path after, or null for a deleted file. */
  newPath: string | null;
  hunks: Hunk[];
  /** 1-based line where the file's patch starts. */
  line: number;
}

export interface ParsedPatch {
  /** What the messages call the patch: its path, or `<stdin>`. */
  name: string;
  /** The bytes as read (what `git apply` is given). */
  bytes: Buffer;
  files: FilePatch[];
  /** The line of the input where `bytes` start (1, or later for one patch of a series). */
  firstLine: number;
}

/** The patch's bytes: a file, or standard input for `-`, read under a size cap.
 *  Standard input is read without blocking the event loop, so that SIGINT and
 *  SIGTERM end a run waiting for it. */
export async function readPatch(source: string, maxBytes = DEFAULT_MAX_FILE_SIZE): Promise<{ name: string; bytes: Buffer }> {
  if (source === '-') return { name: '<stdin>', bytes: await readStream(process.stdin, '<stdin>', maxBytes) };
  try {
    return { name: source, bytes: readRegularFile(source, maxBytes) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(source, err.problem === 'no such file' ? 'no such patch file' : `cannot read the patch (${err.problem})`);
  }
}

async function readStream(stream: NodeJS.ReadableStream, name: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      length += bytes.length;
      if (length > maxBytes) throw new InputError(name, `the patch is larger than the size cap (${formatSize(maxBytes)}; see --max-file-size)`);
      chunks.push(bytes);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(name, `cannot read the patch (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A patch's text: UTF-8, or Latin-1 byte for byte when it is not valid UTF-8. */
export function decodePatchText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** A C-quoted name as git writes it ("a/t\303\251st.c"): the bytes, decoded. */
function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c !== '\\') { bytes.push(...Buffer.from(c, 'utf8')); continue; }
    const n = s[++i]!;
    if (/[0-7]/.test(n)) {
      const oct = s.slice(i, i + 3);
      bytes.push(parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else {
      bytes.push(({ n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11 } as Record<string, number>)[n] ?? n.charCodeAt(0));
    }
  }
  return decodePatchText(Buffer.from(bytes));
}

/** A `---`/`+++` name: quoted or up to a tab (traditional diffs append a date). */
function headerName(raw: string): string {
  const s = raw.trimEnd();
  if (s.startsWith('"')) {
    const end = closingQuote(s, 0);
    return unquote(s.slice(0, end + 1));
  }
  const tab = s.indexOf('\t');
  return tab >= 0 ? s.slice(0, tab) : s;
}

function closingQuote(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return s.length - 1;
}

/** The two names of `diff --git a/X b/Y` (used when no `---`/`+++` or rename lines name them). */
function gitDiffNames(rest: string): [string, string] | null {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest, 0);
    const a = unquote(rest.slice(0, end + 1));
    const tail = rest.slice(end + 1).trimStart();
    return [a, tail.startsWith('"') ? unquote(tail) : tail];
  }
  // Unquoted: the names are equal unless renamed (and then rename lines name them).
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (rest[half] === ' ' && a.slice(a.indexOf('/') + 1) === b.slice(b.indexOf('/') + 1)) return [a, b];
  }
  const split = rest.lastIndexOf(' b/');
  if (split < 0) return null;
  return [rest.slice(0, split), rest.slice(split + 1)];
}

class PatchSyntax {
  constructor(readonly name: string) {}
  malformed(line: number, what: string): InputError {
    return new InputError(this.name, `malformed patch at line ${line}: ${what}`);
  }
}

/** A name as the patch writes it, to a tree-relative path (or null for /dev/null).
 *  `strip`: one leading directory (a/, b/) is removed, as `git apply -p1` does. */
function treePath(p: PatchSyntax, raw: string, strip: boolean, line: number): string | null {
  if (raw === '/dev/null') return null;
  if (raw.startsWith('/')) throw new InputError(p.name, `patch touches a path outside the tree: ${raw} (absolute path)`);
  let rel = raw;
  if (strip) {
    const slash = raw.indexOf('/');
    if (slash < 0) throw p.malformed(line, `cannot strip the leading a/ or b/ from '${raw}' (patches are applied with -p1, as git diff writes them)`);
    rel = raw.slice(slash + 1);
  }
  while (rel.startsWith('./')) rel = rel.slice(2);
  const parts = rel.split('/');
  if (!rel || rel.startsWith('/') || parts.includes('..')) {
    throw new InputError(p.name, `patch touches a path outside the tree: ${rel || raw}`);
  }
  if (parts[0] === '.git') throw new InputError(p.name, `patch touches the repository's own files: ${rel}`);
  return parts.filter((x) => x !== '.' && x !== '').join('/');
}

/** Parses and checks a patch; every problem is an InputError naming the patch. */
export function parsePatch(name: string, bytes: Buffer): ParsedPatch {
  const p = new PatchSyntax(name);
  const text = decodePatchText(bytes);
  if (!text.trim()) throw new InputError(name, 'empty patch');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const files: FilePatch[] = [];
  let current: (FilePatch & { git: boolean; gitNames: [string, string] | null; named: boolean; headerDone: boolean }) | null = null;

  const finish = () => {
    if (!current) return;
    if (!current.named && current.gitNames) {
      current.oldPath = treePath(p, current.gitNames[0], true, current.line);
      current.newPath = treePath(p, current.gitNames[1], true, current.line);
      current.named = true;
    }
    if (!current.named) throw p.malformed(current.line, 'a file\'s patch does not name the file');
    if (!current.git && !current.hunks.length) throw p.malformed(current.line, `no hunks for ${current.newPath ?? current.oldPath}`);
    files.push({ oldPath: current.oldPath, newPath: current.newPath, hunks: current.hunks, line: current.line });
    current = null;
  };
  const fileName = () => current?.newPath ?? current?.oldPath ?? '?';

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.startsWith('diff --git ')) {
      finish();
      current = { oldPath: null, newPath: null, hunks: [], line: lineNo, git: true, gitNames: gitDiffNames(line.slice('diff --git '.length)), named: false, headerDone: false };
      if (!current.gitNames) throw p.malformed(lineNo, 'cannot read the file names of the diff --git line');
      // git checks the other names against these: they must stay inside the tree too.
      for (const n of current.gitNames) treePath(p, n, true, lineNo);
      continue;
    }
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      if (!(current?.git && !current.headerDone)) {
        finish();
        current = { oldPath: null, newPath: null, hunks: [], line: lineNo, git: false, gitNames: null, named: false, headerDone: false };
      }
      const oldRaw = headerName(line.slice(4));
      const newRaw = headerName(lines[i + 1]!.slice(4));
      const oldPath = treePath(p, oldRaw, oldRaw !== '/dev/null', lineNo);
      const newPath = treePath(p, newRaw, newRaw !== '/dev/null', lineNo + 1);
      if (oldPath === null && newPath === null) throw p.malformed(lineNo, 'both names are /dev/null');
      current.oldPath = oldPath;
      current.newPath = newPath;
      current.named = true;
      current.headerDone = true;
      i++;
      continue;
    }
    if (current && !current.headerDone && current.git) {
      const m = /^(rename|copy) (from|to) (.*)$/.exec(line);
      if (m) {
        const raw = m[3]!.startsWith('"') ? unquote(m[3]!) : m[3]!;
        const rel = treePath(p, raw, false, lineNo);
        if (m[2] === 'from') current.oldPath = rel; else current.newPath = rel;
        if (current.oldPath !== null && current.newPath !== null) current.named = true;
        continue;
      }
      if (line.startsWith('GIT binary patch') || (line.startsWith('Binary files ') && line.endsWith(' differ'))) {
        const names = current.gitNames;
        const shown = names ? names[1].slice(names[1].indexOf('/') + 1) : fileName();
        throw new InputError(name, `binary patch for ${shown}: eqscheck checks text patches only`);
      }
      if (/^(old mode|new mode|deleted file mode|new file mode|similarity index|dissimilarity index|index) /.test(line)) {
        if (line.startsWith('deleted file mode') && current.gitNames) {
          current.oldPath = treePath(p, current.gitNames[0], true, lineNo); current.newPath = null; current.named = true;
        } else if (line.startsWith('new file mode') && current.gitNames) {
          current.oldPath = null; current.newPath = treePath(p, current.gitNames[1], true, lineNo); current.named = true;
        }
        continue;
      }
    }
    if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      throw new InputError(name, `binary patch (${line}): eqscheck checks text patches only`);
    }
    if (line.startsWith('@@')) {
      if (!current || (!current.named && !current.gitNames)) throw p.malformed(lineNo, 'a hunk before any file header (diff --git or ---/+++ lines)');
      const m = HUNK.exec(line);
      if (!m) throw p.malformed(lineNo, `bad hunk header '${line}'`);
      if (current.git && !current.named && current.gitNames) {
        current.oldPath = treePath(p, current.gitNames[0], true, current.line);
        current.newPath = treePath(p, current.gitNames[1], true, current.line);
        current.named = true;
      }
      current.headerDone = true;
      const hunk: Hunk = {
        oldStart: Number(m[1]), oldLines: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]), newLines: m[4] === undefined ? 1 : Number(m[4]),
        header: line.slice(0, line.indexOf('@@', 2) + 2), line: lineNo,
      };
      current.hunks.push(hunk);
      let oldLeft = hunk.oldLines;
      let newLeft = hunk.newLines;
      while (oldLeft > 0 || newLeft > 0) {
        i++;
        const body = lines[i];
        const where = `hunk ${current.hunks.length} of ${fileName()} (${hunk.header})`;
        if (body === undefined || (i === lines.length - 1 && body === '')) throw p.malformed(i + 1, `${where} ends early: the patch is truncated`);
        const c = body[0];
        if (c === ' ' || body === '') { oldLeft--; newLeft--; } else if (c === '-') oldLeft--; else if (c === '+') newLeft--;
        else if (c === '\\') continue;
        else throw p.malformed(i + 1, `${where} ends early: expected ${oldLeft} more old and ${newLeft} more new lines`);
        if (oldLeft < 0 || newLeft < 0) throw p.malformed(i + 1, `${where} has more lines than its header counts`);
      }
      if (lines[i + 1]?.startsWith('\\')) i++;
      continue;
    }
  }
  finish();
  if (!files.length) throw new InputError(name, 'not a patch: no diff --git, ---/+++ or @@ lines found');
  return { name, bytes, files, firstLine: 1 };
}

/** Every path the patch reads or writes, relative to the tree, sorted. */
export function touchedPaths(patch: ParsedPatch): string[] {
  const out = new Set<string>();
  for (const f of patch.files) {
    if (f.oldPath) out.add(f.oldPath);
    if (f.newPath) out.add(f.newPath);
  }
  return [...out].sort();
}
