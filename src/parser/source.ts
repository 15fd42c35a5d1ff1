// Reading a source file: bytes -> text, telling binary files apart and keeping
// locations exact for files that are not valid UTF-8 (kernel trees have Latin-1
// comments): those are decoded byte-for-byte so that line numbers stay right.
import { InputError } from '../errors.js';
import { readRegularFile } from '../io/read-file.js';

export { InputError };

export type Encoding = 'utf-8' | 'latin1';

export interface SourceText {
  path: string;
  text: string;
  encoding: Encoding;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function looksBinary(bytes: Uint8Array): boolean {
  const window = Math.min(bytes.length, 8192);
  for (let i = 0; i < window; i++) if (bytes[i] === 0) return true;
  return false;
}

export function decodeSource(path: string, bytes: Uint8Array): SourceText {
  if (looksBinary(bytes)) throw new InputError(path, 'binary file (contains NUL bytes), not C source');
  try {
    return { path, text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { path, text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' };
  }
}

/** A file's bytes (a regular file within the size cap: see io/read-file). @throws InputError naming the problem */
export function readBytes(path: string, maxBytes?: number): Buffer {
  return readRegularFile(path, maxBytes);
}

export function readSource(path: string): SourceText {
  return decodeSource(path, readBytes(path));
}
