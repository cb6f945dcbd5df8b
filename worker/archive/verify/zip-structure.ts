/**
 * The ZIP container as written on disk, checked byte by byte. fflate (which inflates the entries,
 * see zip-inflate.ts) checks neither CRC-32 nor local headers, so this walks the end record, the
 * central directory and every local header (and data descriptor, which the streaming writer
 * emits) itself: a flipped byte anywhere in the ZIP is reported even when no manifest is given.
 */
import { bytesEqual, lenientDecoder } from './bytes.ts';
import { describeValue } from './values.ts';

export interface ZipEntry {
  /** Position in the central directory. */
  index: number;
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** DOS date and time, as one 32-bit field. */
  modified: number;
  localOffset: number;
  /** False when the local header is missing or its data overruns; such an entry is not inflated. */
  localOk: boolean;
}

export interface ZipStructure {
  entries: ZipEntry[];
  /** False when the directory is too broken to hand to the inflater. */
  readable: boolean;
}

export const hex32 = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

/** Little-endian reads of the ZIP's bytes. */
interface Bytes {
  zip: Uint8Array;
  u16(offset: number): number;
  u32(offset: number): number;
}

function littleEndian(zip: Uint8Array): Bytes {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  return { zip, u16: (offset) => view.getUint16(offset, true), u32: (offset) => view.getUint32(offset, true) };
}

/** A step that found the ZIP too broken to go on: what to report. */
type Broken = { broken: string };

interface EndRecord {
  /** Byte offset of the end-of-central-directory record. */
  eocd: number;
  entryCount: number;
  cdOffset: number;
}

/**
 * Walks the end-of-central-directory record, the central directory, each local header and data
 * descriptor; reports every inconsistency and any byte not accounted for. No ZIP64 (a weekly
 * archive that fits in memory never needs it).
 */
export function readZipStructure(zip: Uint8Array, problems: string[]): ZipStructure {
  const broken = (message: string): ZipStructure => {
    problems.push(`ZIP: ${message}`);
    return { entries: [], readable: false };
  };
  const bytes = littleEndian(zip);
  const end = readEndRecord(bytes, problems);
  if ('broken' in end) return broken(end.broken);
  const directory = readCentralDirectory(bytes, end, problems);
  if ('broken' in directory) return broken(directory.broken);
  checkLocalEntries(bytes, directory, end.cdOffset, problems);
  return { entries: directory.entries, readable: true };
}

/** The end-of-central-directory record: found from the end, its comment, disks and counts checked. */
function readEndRecord({ zip, u16, u32 }: Bytes, problems: string[]): EndRecord | Broken {
  if (zip.length < 22) return { broken: `not a ZIP archive (${zip.length} bytes, too short for an end-of-central-directory record)` };
  let eocd = -1;
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset -= 1) {
    if (u32(offset) === 0x06054b50) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) return { broken: 'not a ZIP archive (no end-of-central-directory record)' };
  const commentLength = u16(eocd + 20);
  if (eocd + 22 + commentLength !== zip.length) {
    problems.push(
      `ZIP: end-of-central-directory record at byte ${eocd} declares a ${commentLength}-byte comment but ${zip.length - eocd - 22} bytes follow it`,
    );
  } else if (commentLength > 0) problems.push(`ZIP: unexpected ${commentLength}-byte archive comment`);
  const [disk, cdDisk, entriesOnDisk, entryCount] = [u16(eocd + 4), u16(eocd + 6), u16(eocd + 8), u16(eocd + 10)];
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) return { broken: 'ZIP64 archives are not supported' };
  if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== entryCount) {
    problems.push(
      `ZIP: inconsistent end record (disk ${disk}, central directory disk ${cdDisk}, ${entriesOnDisk} entries on this disk, ${entryCount} in total; expected 0, 0 and equal counts)`,
    );
  }
  if (cdOffset + cdSize !== eocd) {
    return {
      broken: `central directory (offset ${cdOffset} + size ${cdSize} = ${cdOffset + cdSize}) does not end where the end record starts (byte ${eocd})`,
    };
  }
  return { eocd, entryCount, cdOffset };
}

interface CentralDirectory {
  entries: ZipEntry[];
  /** Each entry's name as stored in its directory record, to compare with its local header's. */
  names: Map<ZipEntry, Uint8Array>;
}

/** The central directory's records, in order; every byte of the directory must belong to one. */
function readCentralDirectory(
  { zip, u16, u32 }: Bytes,
  { eocd, entryCount, cdOffset }: EndRecord,
  problems: string[],
): CentralDirectory | Broken {
  const entries: ZipEntry[] = [];
  const names = new Map<ZipEntry, Uint8Array>();
  let offset = cdOffset;
  for (let index = 0; index < entryCount; index += 1) {
    if (offset + 46 > eocd || u32(offset) !== 0x02014b50) {
      return { broken: `central directory record ${index + 1} of ${entryCount} (byte ${offset}) is missing or has a bad signature` };
    }
    const nameLength = u16(offset + 28);
    const recordEnd = offset + 46 + nameLength + u16(offset + 30) + u16(offset + 32);
    if (recordEnd > eocd) return { broken: `central directory record ${index + 1} (byte ${offset}) runs past the directory` };
    const nameBytes = zip.subarray(offset + 46, offset + 46 + nameLength);
    const entry: ZipEntry = {
      index,
      name: lenientDecoder.decode(nameBytes),
      flags: u16(offset + 8),
      method: u16(offset + 10),
      crc: u32(offset + 16),
      compressedSize: u32(offset + 20),
      size: u32(offset + 24),
      modified: u32(offset + 12),
      localOffset: u32(offset + 42),
      localOk: false,
    };
    entries.push(entry);
    names.set(entry, nameBytes);
    offset = recordEnd;
  }
  if (offset !== eocd) problems.push(`ZIP: ${eocd - offset} unexpected bytes at the end of the central directory`);
  return { entries, names };
}

/** Every entry's local header and data, in file order: no gap, no overlap, nothing after the last before the directory. */
function checkLocalEntries(bytes: Bytes, { entries, names }: CentralDirectory, cdOffset: number, problems: string[]): void {
  let cursor = 0;
  for (const entry of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    const label = `ZIP entry ${describeValue(entry.name)}`;
    if (entry.flags & 0x0001) problems.push(`${label}: is encrypted`);
    if (entry.method !== 0 && entry.method !== 8)
      problems.push(`${label}: unsupported compression method ${entry.method} (expected 8, deflate)`);
    if (entry.localOffset > cursor)
      problems.push(
        `${label}: ${entry.localOffset - cursor} unexpected bytes before its local header (bytes ${cursor}–${entry.localOffset - 1})`,
      );
    else if (entry.localOffset < cursor)
      problems.push(`${label}: local header at byte ${entry.localOffset} overlaps the previous entry (which ends at byte ${cursor})`);
    cursor =
      checkLocalEntry(bytes, entry, names.get(entry) ?? new Uint8Array(), cdOffset, (problem) => problems.push(`${label}: ${problem}`)) ??
      cursor;
  }
  if (entries.every((entry) => entry.localOk) && cursor < cdOffset)
    problems.push(
      `ZIP: ${cdOffset - cursor} unexpected bytes between the last entry and the central directory (bytes ${cursor}–${cdOffset - 1})`,
    );
}

/** A field that must equal the central directory's: reports it otherwise. */
type Compare = (field: string, value: number, centralValue: number, format?: (value: number) => string) => void;

const comparer =
  (report: (problem: string) => void, where: string): Compare =>
  (field, value, centralValue, format = String) => {
    if (value !== centralValue) report(`${where} ${field} ${format(value)} differs from the central directory's ${format(centralValue)}`);
  };

/**
 * One entry's local header against its directory record, then its data descriptor if it has one.
 * Returns the byte after the entry (null when its header or data cannot be found: the entry is
 * not inflated), and marks the entry localOk when its data lies where the header says.
 */
function checkLocalEntry(
  { zip, u16, u32 }: Bytes,
  entry: ZipEntry,
  centralName: Uint8Array,
  cdOffset: number,
  report: (problem: string) => void,
): number | null {
  const local = entry.localOffset;
  if (local + 30 > cdOffset || u32(local) !== 0x04034b50) {
    report(`no local file header at byte ${local} (bad signature)`);
    return null;
  }
  const localNameLength = u16(local + 26);
  const dataStart = local + 30 + localNameLength + u16(local + 28);
  const dataEnd = dataStart + entry.compressedSize;
  const localName = zip.subarray(local + 30, Math.min(local + 30 + localNameLength, zip.length));
  if (!bytesEqual(localName, centralName)) {
    report(`local header name ${describeValue(lenientDecoder.decode(localName))} differs from the central directory's`);
  }
  const compare = comparer(report, 'local header');
  compare('flags', u16(local + 6), entry.flags, hex32);
  compare('compression method', u16(local + 8), entry.method);
  compare('modification time', u32(local + 10), entry.modified, hex32);
  if (dataEnd > cdOffset) {
    report(`data (bytes ${dataStart}–${dataEnd - 1}) runs into the central directory at byte ${cdOffset}`);
    return null;
  }
  entry.localOk = true;
  const [localCrc, localCompressed, localSize] = [u32(local + 14), u32(local + 18), u32(local + 22)];
  // Streaming writers leave these zero in the local header and write a data descriptor after the data.
  const deferred = (entry.flags & 0x0008) !== 0;
  if (!deferred || localCrc !== 0 || localCompressed !== 0 || localSize !== 0) {
    compare('CRC-32', localCrc, entry.crc, hex32);
    compare('compressed size', localCompressed, entry.compressedSize);
    compare('size', localSize, entry.size);
  }
  if (!deferred) return dataEnd;
  const signed = dataEnd + 4 <= cdOffset && u32(dataEnd) === 0x08074b50;
  const descriptor = signed ? dataEnd + 4 : dataEnd;
  if (descriptor + 12 > cdOffset) {
    report('data descriptor after its data is missing');
    return dataEnd;
  }
  const describe = comparer(report, 'data descriptor');
  describe('CRC-32', u32(descriptor), entry.crc, hex32);
  describe('compressed size', u32(descriptor + 4), entry.compressedSize);
  describe('size', u32(descriptor + 8), entry.size);
  return descriptor + 12;
}

/** Entry names in central-directory order, or [] when the ZIP cannot be read. Never throws. */
export function zipEntryNames(zip: Uint8Array): string[] {
  return readZipStructure(zip, []).entries.map((entry) => entry.name);
}
