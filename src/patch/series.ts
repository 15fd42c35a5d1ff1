// A patch series in one mbox (`git format-patch --stdout`, `b4 am`, a list
// archive's raw thread) cut into its patches, each named by its Subject line and
// its place in the series. The input is parsed (and checked) once as a whole, so
// every message keeps the input's line numbers; each patch gets the file patches
// that start inside its message. A cover letter ([PATCH 0/N]), a reply (Re: …, a
// thread's review, whatever it quotes or suggests) and text before the first
// message are not patches of the series; any other message without a diff is
// refused, since the series would be checked without it.
import { InputError } from '../errors.js';
import { decodePatchText, type ParsedPatch } from './patch-file.js';

export interface SeriesPatch {
  /** 1-based place in the series (the cover letter not counted). */
  index: number;
  /** The mail's Subject (`[PATCH 2/5] KVM: arm64: …`), or the input's name for a diff that is not a mail. */
  subject: string;
  /** This patch alone: its bytes, its files, the line of the input where it starts. */
  patch: ParsedPatch;
}

/** mbox's separator: `From <sender> <asctime date>` (git writes `From <commit> Mon Sep 17 00:00:00 2001`,
 *  b4 `From git@z Thu Jan  1 00:00:00 1970`). A commit message's "From the spec:" is not one. */
const FROM_LINE = /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} (?:[+-]\d{4} )?\d{4}\s*$/;
/** A mail header line (RFC 5322 field name, colon). */
const HEADER = /^[!-9;-~]+:/;
const COVER_LETTER = /^\[[^\]]*?\b0+\/\d+\]/;
const REPLY = /^re:/i;

/** The patches of `whole`, in order: one for a diff or a single mail. */
export function splitSeries(whole: ParsedPatch): SeriesPatch[] {
  const starts = lineStarts(whole.bytes);
  const lineText = (i: number) => whole.bytes.subarray(starts[i], (starts[i + 1] ?? whole.bytes.length + 1) - 1).toString('latin1').replace(/\r$/, '');
  const separators = starts.map((_, i) => i).filter((i) => FROM_LINE.test(lineText(i)));
  const bounds = separators[0] === 0 ? separators : [0, ...separators];
  const out: SeriesPatch[] = [];
  bounds.forEach((first, k) => {
    const end = bounds[k + 1] ?? starts.length;
    const bytes = whole.bytes.subarray(starts[first], end < starts.length ? starts[end] : whole.bytes.length);
    const isMail = separators.includes(first);
    const firstLine = first + 1;
    // File patches are named by the line they start at (1-based, in the whole input).
    const files = whole.files.filter((f) => f.line >= firstLine && f.line <= end);
    const subject = subjectOf(bytes, isMail);
    if (isMail && subject !== undefined && (COVER_LETTER.test(subject) || REPLY.test(subject))) return;
    if (!files.length) {
      if (!isMail) return;
      throw new InputError(whole.name, `the message at line ${firstLine}${subject ? ` (${subject})` : ''} holds no diff: it is not a patch of the series`);
    }
    out.push({ index: out.length + 1, subject: subject ?? whole.name, patch: { name: whole.name, bytes, files, firstLine } });
  });
  return out;
}

/** Where each line starts (byte offsets); a final newline starts no line. */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

/** The Subject of a message's header block (after the separator line, up to the first empty line), decoded. */
function subjectOf(message: Buffer, afterSeparator: boolean): string | undefined {
  const lines = decodePatchText(message).split('\n').map((l) => l.replace(/\r$/, ''));
  let subject: string | undefined;
  for (let i = afterSeparator ? 1 : 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!HEADER.test(line)) break;
    // RFC 5322 unfolding: a continuation line (leading space or tab) belongs to the field before.
    let value = line.slice(line.indexOf(':') + 1);
    while (/^[ \t]/.test(lines[i + 1] ?? '')) value += lines[++i]!;
    if (/^subject:/i.test(line)) subject = decodeHeader(value).replace(/\s+/g, ' ').trim();
  }
  return subject || undefined;
}

/** RFC 2047 encoded words (`=?UTF-8?q?KVM:=20arm64?=`, as git writes non-ASCII subjects) decoded;
 *  the space between two encoded words is not part of the text. */
export function decodeHeader(value: string): string {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=(?:[ \t]+(?==\?[^?]+\?[bBqQ]\?[^?]*\?=))?/g, (all, charset: string, encoding: string, text: string) => {
    const bytes = encoding.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    try {
      return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
    } catch {
      return all; // a charset the runtime does not know: shown as written
    }
  });
}
