/** Few-shot adapters: fitted weights with the labels and model they belong to. */
import { AtlasError } from '../errors.ts';
import type { AdapterKind } from '../model/adapters.ts';
import type { Database } from './database.ts';
import { Prisma } from './generated/client.ts';

export interface AdapterRecord {
  readonly id: number;
  readonly name: string;
  readonly modelId: string;
  readonly kind: AdapterKind;
  /** The labels it predicts, in its class order. */
  readonly labelIds: readonly number[];
  /** Float32 weights (see model/adapters.ts) and, for a cache, the Int32 class of each key. */
  readonly matrix: Float32Array;
  readonly cacheClasses: Int32Array | null;
  readonly params: { readonly beta: number; readonly cacheWeight: number; readonly blend: number; readonly temperature: number; readonly dim: number };
  readonly validation: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

function pack(matrix: Float32Array, classes: Int32Array | null): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(matrix.length, 0);
  header.writeUInt32LE(classes?.length ?? 0, 4);
  return Buffer.concat([header, Buffer.from(matrix.buffer, matrix.byteOffset, matrix.byteLength), ...(classes ? [Buffer.from(classes.buffer, classes.byteOffset, classes.byteLength)] : [])]);
}

function unpack(bytes: Uint8Array): { matrix: Float32Array; classes: Int32Array | null } {
  const buffer = Buffer.from(bytes);
  const values = buffer.readUInt32LE(0);
  const classCount = buffer.readUInt32LE(4);
  const copy = new Uint8Array(buffer.subarray(8)).buffer;
  return { matrix: new Float32Array(copy, 0, values), classes: classCount > 0 ? new Int32Array(copy, values * 4, classCount) : null };
}

type Row = Prisma.AdapterGetPayload<object>;

function toRecord(row: Row): AdapterRecord {
  const { matrix, classes } = unpack(row.weights);
  return {
    id: row.id,
    name: row.name,
    modelId: row.modelId,
    kind: row.kind as AdapterKind,
    labelIds: row.labelIds,
    matrix,
    cacheClasses: classes,
    params: row.params as unknown as AdapterRecord['params'],
    validation: row.validation as Record<string, unknown>,
    createdAt: row.createdAt,
  };
}

export async function saveAdapter(db: Database, adapter: Omit<AdapterRecord, 'id' | 'createdAt'>): Promise<AdapterRecord> {
  try {
    const row = await db.prisma.adapter.create({
      data: {
        name: adapter.name,
        modelId: adapter.modelId,
        kind: adapter.kind,
        labelIds: [...adapter.labelIds],
        weights: new Uint8Array(pack(adapter.matrix, adapter.cacheClasses)),
        params: adapter.params,
        validation: adapter.validation as Prisma.InputJsonObject,
      },
    });
    return toRecord(row);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new AtlasError('INVALID_INPUT', `An adapter named "${adapter.name}" exists already; choose another name or delete it first.`, { field: 'name' });
    }
    throw error;
  }
}

export async function listAdapters(db: Database): Promise<AdapterRecord[]> {
  return (await db.prisma.adapter.findMany({ orderBy: { id: 'asc' } })).map(toRecord);
}

export async function getAdapter(db: Database, where: { id: number } | { name: string }): Promise<AdapterRecord | null> {
  const row = await db.prisma.adapter.findUnique({ where: 'id' in where ? { id: where.id } : { name: where.name } });
  return row ? toRecord(row) : null;
}

export async function deleteAdapter(db: Database, id: number): Promise<AdapterRecord | null> {
  try {
    return toRecord(await db.prisma.adapter.delete({ where: { id } }));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
    throw error;
  }
}
