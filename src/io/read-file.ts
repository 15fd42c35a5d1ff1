// The one way eqscheck reads a file it was given or found (sources, headers,
// model files, baselines, patches, cache packs): only regular files, never more
// than a size cap, and a reason in words when a file is refused. A FIFO named
// `y.c` would block the read forever and a header linked to /dev/zero would be
// read forever, so the file is stat'ed before it is opened, opened without
// blocking, and checked again on the open descriptor (it may have been replaced
// in between); the read stops one byte past the cap (a file that grew).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../errors.js';

/** Well above the kernel's largest source (a generated header of about 5 MB). */
export const DEFAULT_MAX_FILE_SIZE = 64 * 2 ** 20;

/** What a file is, when it is not a regular file we can read (null: it is one). */
function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  return 'is not a regular file';
}

function errnoReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' :
    code === 'EISDIR' ? 'is a directory, not a file' : code === 'ELOOP' ? 'a loop of symbolic links' :
    code === 'ENOTDIR' ? 'no such file (a part of its path is not a directory)' : `cannot read (${code ?? String(err)})`;
}

/** Size in words, for messages: "70.0 MB". */
export function formatSize(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`;
}

function tooLarge(size: number, maxBytes: number): string {
  return `larger than the size cap (${formatSize(size)} > ${formatSize(maxBytes)}; see --max-file-size)`;
}

/** Why `file` cannot be read as a regular file of at most `maxBytes`, from its
 *  metadata alone (null: it can be tried). Nothing is opened. */
function whyNotReadable(file: string, maxBytes = DEFAULT_MAX_FILE_SIZE): string | null {
  let st: Stats;
  try {
    const link = lstatSync(file);
    st = link.isSymbolicLink() ? statSync(file) : link;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && isLink(file)) return 'a symbolic link that does not resolve';
    return errnoReason(err);
  }
  return notRegular(st) ?? (st.size > maxBytes ? tooLarge(st.size, maxBytes) : null);
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A regular file's bytes. @throws InputError naming the file and why it was refused */
export function readRegularFile(file: string, maxBytes = DEFAULT_MAX_FILE_SIZE): Buffer {
  const why = whyNotReadable(file, maxBytes);
  if (why) throw new InputError(file, why);
  let fd: number;
  try {
    // Without blocking: the file may have become a FIFO since it was stat'ed.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new InputError(file, errnoReason(err));
  }
  try {
    const st = fstatSync(fd);
    const problem = notRegular(st) ?? (st.size > maxBytes ? tooLarge(st.size, maxBytes) : null);
    if (problem) throw new InputError(file, problem);
    return readCapped(fd, file, maxBytes, st.size);
  } finally {
    closeSync(fd);
  }
}

/** Reads `fd` to its end, refusing more than `maxBytes` (a file that grows while it is read). */
function readCapped(fd: number, name: string, maxBytes: number, expected: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(Math.max(expected, 0), maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > maxBytes) throw new InputError(name, tooLarge(length, maxBytes));
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (err) {
      throw new InputError(name, errnoReason(err));
    }
    if (n === 0) break;
    length += n;
  }
  if (length > maxBytes) throw new InputError(name, tooLarge(length, maxBytes));
  return buffer.subarray(0, length);
}
