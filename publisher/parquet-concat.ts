// Joins Parquet files with one schema into one file without decoding a value: the row groups
// (and bloom filters) of each file are copied byte for byte, one after the other, and a new footer
// lists them all, every absolute offset moved by where its bytes now start. It serves a patched
// dataset (pipelines/merge.ts): each key range of the new file is written by its own small sorted
// COPY, and the pieces become one file in key order without sorting every row.
// Refuses what it cannot move safely: encrypted files, page indexes (their page offsets live
// outside the footer), a ColumnChunk stored in another file, or schemas that differ.
import { createWriteStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { decodeStruct, encodeStruct, field, T, type TList, type TStruct } from './thrift-compact.ts';

const MAGIC = Buffer.from('PAR1');

// parquet.thrift field ids
const FILE = { schema: 2, numRows: 3, rowGroups: 4, encryption: 8, signingKey: 9 } as const;
const ROW_GROUP = { columns: 1, numRows: 3, fileOffset: 5, ordinal: 7 } as const;
const CHUNK = { filePath: 1, fileOffset: 2, metaData: 3, offsetIndex: 4, columnIndex: 6, crypto: 8, encrypted: 9 } as const;
/** ColumnMetaData offsets: data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset. */
const META_OFFSETS = [9, 10, 11, 14];

interface Piece {
  file: string;
  meta: TStruct;
  /** Bytes between the leading magic and the footer: row groups and bloom filters. */
  body: { start: number; end: number };
}

/** The footer (FileMetaData) and body range of a Parquet file, checked to be one this code can move. */
async function readPiece(file: string): Promise<Piece> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(8);
    if (size < 12) throw new Error(`${file}: not a Parquet file (${size} bytes)`);
    await handle.read(tail, 0, 8, size - 8);
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (!tail.subarray(4).equals(MAGIC) || !head.equals(MAGIC)) throw new Error(`${file}: not a Parquet file (no PAR1 magic)`);
    const length = tail.readUInt32LE(0);
    if (length + 12 > size) throw new Error(`${file}: footer length ${length} past the file's size`);
    const footer = Buffer.alloc(length);
    await handle.read(footer, 0, length, size - 8 - length);
    const meta = decodeStruct(footer).struct;
    if (field(meta, FILE.encryption) || field(meta, FILE.signingKey)) throw new Error(`${file}: encrypted Parquet files are not joined`);
    for (const rg of rowGroups(meta)) {
      for (const chunk of (field(rg, ROW_GROUP.columns)!.value as TList).items as TStruct[]) {
        for (const id of [CHUNK.filePath, CHUNK.offsetIndex, CHUNK.columnIndex, CHUNK.crypto, CHUNK.encrypted]) {
          if (field(chunk, id)) throw new Error(`${file}: column chunk field ${id} (an external file, a page index or encryption) cannot be moved`);
        }
      }
    }
    return { file, meta, body: { start: 4, end: size - 8 - length } };
  } finally {
    await handle.close();
  }
}

function rowGroups(meta: TStruct): TStruct[] {
  return ((field(meta, FILE.rowGroups)?.value as TList | undefined)?.items ?? []) as TStruct[];
}

/** Adds `by` to an i64 field when present (a ColumnChunk's deprecated file_offset stays 0 when 0). */
function shift(s: TStruct, id: number, by: bigint, keepZero = false): void {
  const f = field(s, id);
  if (!f) return;
  if (f.type !== T.I64) throw new Error(`Parquet footer: field ${id} is not an i64`);
  if (keepZero && f.value === 0n) return;
  f.value = (f.value as bigint) + by;
}

/** The row groups of `piece`, their offsets moved by `by` bytes. */
function movedRowGroups(piece: Piece, by: bigint): TStruct[] {
  const out = rowGroups(piece.meta);
  for (const rg of out) {
    shift(rg, ROW_GROUP.fileOffset, by);
    for (const chunk of (field(rg, ROW_GROUP.columns)!.value as TList).items as TStruct[]) {
      shift(chunk, CHUNK.fileOffset, by, true);
      const meta = field(chunk, CHUNK.metaData)?.value as TStruct | undefined;
      if (!meta) throw new Error(`${piece.file}: a column chunk without its metadata`);
      for (const id of META_OFFSETS) shift(meta, id, by);
    }
  }
  return out;
}

/**
 * Writes `out`: the rows of `files`, in that order, as one Parquet file. Every file must have the
 * schema of the first (byte for byte in its footer); the first's other footer fields (created_by,
 * column orders, key-value metadata) are kept. Returns the number of rows.
 */
export async function concatParquet(files: readonly string[], out: string): Promise<number> {
  if (!files.length) throw new Error('concatParquet: no files');
  const pieces: Piece[] = [];
  for (const f of files) pieces.push(await readPiece(f));
  const schemaOf = (p: Piece) => encodeStruct({ kind: 'struct', fields: [field(p.meta, FILE.schema)!] });
  const schema = schemaOf(pieces[0]);
  for (const p of pieces) if (!schemaOf(p).equals(schema)) throw new Error(`${p.file}: its schema differs from ${pieces[0].file}'s`);

  const groups: TStruct[] = [];
  let rows = 0n;
  let at = 4n;
  for (const p of pieces) {
    const by = at - BigInt(p.body.start);
    for (const rg of movedRowGroups(p, by)) {
      groups.push(rg);
      rows += field(rg, ROW_GROUP.numRows)!.value as bigint;
    }
    at += BigInt(p.body.end - p.body.start);
  }
  groups.forEach((rg, i) => {
    const ordinal = field(rg, ROW_GROUP.ordinal);
    if (ordinal) ordinal.value = i;
  });
  const first = pieces[0].meta;
  const meta: TStruct = {
    kind: 'struct',
    fields: first.fields.map((f) => {
      if (f.id === FILE.numRows) return { ...f, value: rows };
      if (f.id === FILE.rowGroups) return { ...f, value: { kind: 'list', elemType: T.STRUCT, items: groups, set: false } };
      return f;
    }),
  };
  if (!field(meta, FILE.rowGroups)) throw new Error(`${pieces[0].file}: a footer without row groups`);
  const footer = encodeStruct(meta);

  const stream = createWriteStream(out);
  const write = (b: Buffer) => (stream.write(b) ? Promise.resolve() : new Promise<void>((resolve) => stream.once('drain', resolve)));
  try {
    await write(MAGIC);
    for (const p of pieces) {
      if (p.body.end > p.body.start) await write((await readFile(p.file)).subarray(p.body.start, p.body.end));
    }
    const length = Buffer.alloc(4);
    length.writeUInt32LE(footer.length);
    await write(Buffer.concat([footer, length, MAGIC]));
  } finally {
    stream.end();
    await finished(stream);
  }
  return Number(rows);
}
