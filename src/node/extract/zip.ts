/**
 * Just enough ZIP reading to classify an upload (is it a .docx?) and to read one
 * small member (docProps/core.xml) without pulling a zip library into src/.
 * Never throws: malformed archives yield null / empty results.
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;

export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06))
  );
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const utf8 = new TextDecoder('utf-8');

/** Entries from the central directory, or null when there is no readable one (truncated / not a zip / zip64). */
export function listZipEntries(bytes: Uint8Array): ZipEntry[] | null {
  if (bytes.length < 22) return null;
  const dv = view(bytes);
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (dv.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  if (p === 0xffffffff || count === 0xffff) return null; // zip64: not needed for documents we accept
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== SIG_CENTRAL) return entries.length ? entries : null;
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    if (p + 46 + nameLen > bytes.length) break;
    entries.push({
      name: utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen)),
      method: dv.getUint16(p + 10, true),
      compressedSize: dv.getUint32(p + 20, true),
      uncompressedSize: dv.getUint32(p + 24, true),
      localHeaderOffset: dv.getUint32(p + 42, true),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Member names, from the central directory or (for a truncated archive) by walking local headers. */
export function zipMemberNames(bytes: Uint8Array): string[] {
  const entries = listZipEntries(bytes);
  if (entries) return entries.map((e) => e.name);
  const names: string[] = [];
  const dv = view(bytes);
  let p = 0;
  while (p + 30 <= bytes.length && dv.getUint32(p, true) === SIG_LOCAL && names.length < 10_000) {
    const flags = dv.getUint16(p + 6, true);
    const compressedSize = dv.getUint32(p + 18, true);
    const nameLen = dv.getUint16(p + 26, true);
    const extraLen = dv.getUint16(p + 28, true);
    if (p + 30 + nameLen > bytes.length) break;
    names.push(utf8.decode(bytes.subarray(p + 30, p + 30 + nameLen)));
    if (flags & 0x08) break; // sizes follow the data: cannot skip reliably
    p += 30 + nameLen + extraLen + compressedSize;
  }
  return names;
}

/** Inflate one member; null when missing, unsupported or larger than maxSize. */
export function readZipMember(bytes: Uint8Array, name: string, maxSize: number): Uint8Array | null {
  const entry = listZipEntries(bytes)?.find((e) => e.name === name);
  if (!entry || entry.uncompressedSize > maxSize) return null;
  try {
    const dv = view(bytes);
    const p = entry.localHeaderOffset;
    if (p + 30 > bytes.length || dv.getUint32(p, true) !== SIG_LOCAL) return null;
    const start = p + 30 + dv.getUint16(p + 26, true) + dv.getUint16(p + 28, true);
    const data = bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) return data;
    if (entry.method === 8) return new Uint8Array(inflateRawSync(data, { maxOutputLength: maxSize }));
    return null;
  } catch {
    return null;
  }
}
