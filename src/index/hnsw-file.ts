/**
 * A reader that checks an hnswlib index file (the format of hnswlib 0.8, vendored by hnswlib-node
 * 3.0) completely — checksum and structure — before the file is handed to hnswlib. hnswlib trusts
 * its file: a header with a huge capacity aborts the process inside malloc, and one neighbour id
 * out of range loads fine and then segfaults the first search that walks to it. Neither can be
 * caught from JavaScript, so nothing reaches `readIndex` unless this reader accepted it.
 *
 * Layout (little-endian, x86-64 sizes): a 96-byte header; `elementCount` level-0 records of
 * `sizeDataPerElement` bytes (u16 neighbour count, deletion flag byte, spare byte, maxM0 u32
 * neighbour ids, dim f32 values, u64 label); then per element a u32 byte length and that many
 * bytes of upper-layer lists (per layer: u16 count, spare u16, maxM u32 neighbour ids).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const HEADER_BYTES = 96;
const LABEL_BYTES = 8;
const DELETE_MARK = 0x01;
const MAX_LABEL = 0xffff_ffff;
/** hnswlib's level generator would need ~M^64 elements to reach this. */
const MAX_LEVEL = 64;
const READ_CHUNK_BYTES = 1 << 20;

export interface HnswFileHeader {
  readonly maxElements: number;
  /** Elements in the file, deleted ones included. */
  readonly elementCount: number;
  readonly dim: number;
  readonly M: number;
  readonly efConstruction: number;
  readonly maxLevel: number;
  readonly entryPoint: number;
}

export interface HnswFileSummary {
  readonly header: HnswFileHeader;
  readonly bytes: number;
  readonly sha256: string;
  /** Labels of the elements not marked deleted, in file order. */
  readonly liveIds: Uint32Array;
  readonly deletedIds: Uint32Array;
}

export interface HnswFileProblem {
  readonly problem: string;
  readonly bytes: number;
  readonly sha256: string;
}

type Phase = 'header' | 'level0' | 'linkSize' | 'linkBody' | 'end';

class GrowableUint32 {
  private data = new Uint32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

class StructureError extends Error {}

/** Incremental parser: feed it the file's bytes in order, then call `finish`. */
export class HnswFileParser {
  private phase: Phase = 'header';
  private carry: Buffer = Buffer.alloc(0);
  private header?: HnswFileHeader;
  private sizeDataPerElement = 0;
  private offsetData = 0;
  private maxM0 = 0;
  private sizeLinksPerElement = 0;
  private element = 0;
  private linkBytes = 0;
  private levels = new Uint8Array(0);
  private labels = new Uint32Array(0);
  private deleted = new Uint8Array(0);
  /** (neighbour, layer) pairs of the upper layers, checked once every element's level is known. */
  private readonly upperRefs = new GrowableUint32();

  constructor(private readonly expectedDim?: number) {}

  push(chunk: Buffer): void {
    const buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const need = this.needed();
      if (need === 0) {
        if (at < buffer.length) throw new StructureError(`${buffer.length - at} bytes follow the last element's links`);
        break;
      }
      if (buffer.length - at < need) break;
      this.consume(new DataView(buffer.buffer, buffer.byteOffset + at, need));
      at += need;
    }
    this.carry = at === buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(at));
  }

  finish(): { header: HnswFileHeader; liveIds: Uint32Array; deletedIds: Uint32Array } {
    if (this.phase !== 'end' || this.carry.length > 0) {
      const where = !this.header ? 'in the header' : this.phase === 'level0' ? `in the vectors (element ${this.element} of ${this.header.elementCount})` : `in the links (element ${this.element} of ${this.header.elementCount})`;
      throw new StructureError(`the file ends early, ${where}: truncated`);
    }
    const header = this.header!;
    for (let i = 0; i < this.upperRefs.length; i += 2) {
      const neighbour = this.upperRefs.get(i);
      const layer = this.upperRefs.get(i + 1);
      if (this.levels[neighbour]! < layer) throw new StructureError(`layer ${layer} links to element ${neighbour}, which has no layer ${layer}`);
    }
    if (header.elementCount > 0 && this.levels[header.entryPoint] !== header.maxLevel) {
      throw new StructureError(`the entry point ${header.entryPoint} is not on the top layer ${header.maxLevel}`);
    }
    const sorted = this.labels.slice().sort();
    for (let i = 1; i < sorted.length; i += 1) {
      if (sorted[i] === sorted[i - 1]) throw new StructureError(`label ${sorted[i]} occurs twice`);
    }
    const live = new GrowableUint32();
    const gone = new GrowableUint32();
    this.labels.forEach((label, i) => (this.deleted[i] ? gone : live).push(label));
    return { header, liveIds: live.toArray(), deletedIds: gone.toArray() };
  }

  private needed(): number {
    switch (this.phase) {
      case 'header':
        return HEADER_BYTES;
      case 'level0':
        return this.sizeDataPerElement;
      case 'linkSize':
        return 4;
      case 'linkBody':
        return this.linkBytes;
      case 'end':
        return 0;
    }
  }

  private consume(view: DataView): void {
    switch (this.phase) {
      case 'header':
        this.readHeader(view);
        return;
      case 'level0':
        this.readLevel0(view);
        return;
      case 'linkSize':
        this.readLinkSize(view);
        return;
      case 'linkBody':
        this.readLinkBody(view);
        return;
      case 'end':
        return;
    }
  }

  private readHeader(view: DataView): void {
    const u64 = (offset: number, what: string, max = MAX_LABEL): number => {
      const value = view.getBigUint64(offset, true);
      if (value > BigInt(max)) throw new StructureError(`header field ${what} is ${value}, above ${max}`);
      return Number(value);
    };
    const offsetLevel0 = u64(0, 'offsetLevel0');
    const maxElements = u64(8, 'maxElements');
    const elementCount = u64(16, 'elementCount');
    const sizeDataPerElement = u64(24, 'sizeDataPerElement', 1 << 24);
    const labelOffset = u64(32, 'labelOffset', 1 << 24);
    const offsetData = u64(40, 'offsetData', 1 << 24);
    const maxLevel = view.getInt32(48, true);
    const entryPoint = view.getUint32(52, true);
    const maxM = u64(56, 'maxM', 0xffff);
    const maxM0 = u64(64, 'maxM0', 0xffff);
    const M = u64(72, 'M', 0xffff);
    const mult = view.getFloat64(80, true);
    const efConstruction = u64(88, 'efConstruction');

    const fail = (what: string): never => {
      throw new StructureError(`not an hnswlib index this reader knows: ${what}`);
    };
    if (offsetLevel0 !== 0) fail(`offsetLevel0 ${offsetLevel0}`);
    if (M < 2 || maxM !== M || maxM0 !== 2 * M) fail(`M ${M}, maxM ${maxM}, maxM0 ${maxM0}`);
    if (!(Math.abs(mult - 1 / Math.log(M)) < 1e-9)) fail(`level multiplier ${mult} for M ${M}`);
    if (offsetData !== maxM0 * 4 + 4) fail(`offsetData ${offsetData} for maxM0 ${maxM0}`);
    const dataBytes = labelOffset - offsetData;
    if (dataBytes <= 0 || dataBytes % 4 !== 0) fail(`vector bytes ${dataBytes}`);
    if (sizeDataPerElement !== labelOffset + LABEL_BYTES) fail(`sizeDataPerElement ${sizeDataPerElement}`);
    if (elementCount > maxElements) fail(`${elementCount} elements in a capacity of ${maxElements}`);
    if (efConstruction < 1) fail(`efConstruction ${efConstruction}`);
    if (elementCount === 0) {
      if (maxLevel !== -1) fail(`max level ${maxLevel} in an empty index`);
    } else {
      if (maxLevel < 0 || maxLevel > MAX_LEVEL) fail(`max level ${maxLevel}`);
      if (entryPoint >= elementCount) fail(`entry point ${entryPoint} of ${elementCount} elements`);
    }
    const dim = dataBytes / 4;
    if (this.expectedDim !== undefined && dim !== this.expectedDim) {
      throw new StructureError(`the index holds ${dim}-dimensional vectors, ${this.expectedDim} were expected`);
    }

    this.header = { maxElements, elementCount, dim, M, efConstruction, maxLevel, entryPoint };
    this.sizeDataPerElement = sizeDataPerElement;
    this.offsetData = offsetData;
    this.maxM0 = maxM0;
    this.sizeLinksPerElement = maxM * 4 + 4;
    this.levels = new Uint8Array(elementCount);
    this.labels = new Uint32Array(elementCount);
    this.deleted = new Uint8Array(elementCount);
    this.element = 0;
    this.phase = elementCount === 0 ? 'end' : 'level0';
  }

  private readLevel0(view: DataView): void {
    const header = this.header!;
    const i = this.element;
    const count = view.getUint16(0, true);
    if (count > this.maxM0) throw new StructureError(`element ${i} has ${count} layer-0 links, above ${this.maxM0}`);
    for (let j = 0; j < count; j += 1) {
      const neighbour = view.getUint32(4 + 4 * j, true);
      if (neighbour >= header.elementCount) throw new StructureError(`element ${i} links to element ${neighbour} of ${header.elementCount}`);
    }
    for (let d = 0; d < header.dim; d += 1) {
      if (!Number.isFinite(view.getFloat32(this.offsetData + 4 * d, true))) throw new StructureError(`element ${i} has a non-finite value`);
    }
    const label = view.getBigUint64(this.offsetData + 4 * header.dim, true);
    if (label < 1n || label > BigInt(MAX_LABEL)) throw new StructureError(`element ${i} has label ${label}, outside 1…${MAX_LABEL}`);
    this.labels[i] = Number(label);
    this.deleted[i] = view.getUint8(2) & DELETE_MARK;
    this.element += 1;
    if (this.element === header.elementCount) {
      this.element = 0;
      this.phase = 'linkSize';
    }
  }

  private readLinkSize(view: DataView): void {
    const bytes = view.getUint32(0, true);
    const level = bytes / this.sizeLinksPerElement;
    if (!Number.isInteger(level) || level > this.header!.maxLevel) {
      throw new StructureError(`element ${this.element} has ${bytes} bytes of upper-layer links`);
    }
    this.levels[this.element] = level;
    if (bytes === 0) this.nextElement();
    else {
      this.linkBytes = bytes;
      this.phase = 'linkBody';
    }
  }

  private readLinkBody(view: DataView): void {
    const header = this.header!;
    const level = this.levels[this.element]!;
    for (let layer = 1; layer <= level; layer += 1) {
      const base = (layer - 1) * this.sizeLinksPerElement;
      const count = view.getUint16(base, true);
      if (count > header.M) throw new StructureError(`element ${this.element} has ${count} layer-${layer} links, above ${header.M}`);
      for (let j = 0; j < count; j += 1) {
        const neighbour = view.getUint32(base + 4 + 4 * j, true);
        if (neighbour >= header.elementCount) throw new StructureError(`element ${this.element} links to element ${neighbour} of ${header.elementCount}`);
        this.upperRefs.push(neighbour);
        this.upperRefs.push(layer);
      }
    }
    this.nextElement();
  }

  private nextElement(): void {
    this.element += 1;
    this.phase = this.element === this.header!.elementCount ? 'end' : 'linkSize';
  }
}

/**
 * Reads an index file once, to its end: sha256 of its bytes and a full structural check. Never
 * throws for a damaged file; an unreadable one (permissions, I/O) rejects.
 */
export async function inspectHnswFile(path: string, expectedDim?: number): Promise<HnswFileSummary | HnswFileProblem> {
  const hash = createHash('sha256');
  const parser = new HnswFileParser(expectedDim);
  let bytes = 0;
  let problem: string | undefined;
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      hash.update(buffer);
      if (problem === undefined) {
        try {
          parser.push(buffer);
        } catch (error) {
          if (!(error instanceof StructureError)) throw error;
          problem = error.message;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  const sha256 = hash.digest('hex');
  if (problem !== undefined) return { problem, bytes, sha256 };
  try {
    const { header, liveIds, deletedIds } = parser.finish();
    return { header, bytes, sha256, liveIds, deletedIds };
  } catch (error) {
    if (!(error instanceof StructureError)) throw error;
    return { problem: error.message, bytes, sha256 };
  }
}
