// A generic Thrift compact-protocol codec: decodes any struct into a tree of numbered, typed
// fields and encodes such a tree again, so that a Parquet footer (FileMetaData) can be read, have
// a few offsets changed and be written back without a schema of every field it may hold: fields
// this code knows nothing of are kept as they were. The format:
// https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
export const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export type TValue = boolean | number | bigint | Buffer | TStruct | TList | TMap;
/** A field: its id, its compact type (T.TRUE or T.FALSE for a boolean) and its value. */
export interface TField { id: number; type: number; value: TValue }
export interface TStruct { kind: 'struct'; fields: TField[] }
/** A list or set; boolean elements are kept as the byte that encoded them. */
export interface TList { kind: 'list'; elemType: number; items: TValue[]; set: boolean }
export interface TMap { kind: 'map'; keyType: number; valueType: number; entries: [TValue, TValue][] }

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('thrift: unexpected end of data');
    return this.buf[this.pos++];
  }

  private varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
    throw new Error('thrift: varint too long');
  }

  private zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  value(type: number): TValue {
    switch (type) {
      case T.TRUE: return true;
      case T.FALSE: return false;
      case T.BYTE: return (this.byte() << 24) >> 24;
      case T.I16:
      case T.I32: return Number(this.zigzag());
      case T.I64: return this.zigzag();
      case T.DOUBLE: {
        if (this.pos + 8 > this.buf.length) throw new Error('thrift: unexpected end of data');
        const v = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return v;
      }
      case T.BINARY: {
        const n = Number(this.varint());
        if (this.pos + n > this.buf.length) throw new Error('thrift: unexpected end of data');
        const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
        this.pos += n;
        return b;
      }
      case T.LIST:
      case T.SET: {
        const head = this.byte();
        const elemType = head & 0x0f;
        const size = head >> 4 === 15 ? Number(this.varint()) : head >> 4;
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push(elemType === T.TRUE || elemType === T.FALSE ? this.byte() : this.value(elemType));
        return { kind: 'list', elemType, items, set: type === T.SET };
      }
      case T.MAP: {
        const size = Number(this.varint());
        if (size === 0) return { kind: 'map', keyType: 0, valueType: 0, entries: [] };
        const types = this.byte();
        const [keyType, valueType] = [types >> 4, types & 0x0f];
        const one = (t: number) => (t === T.TRUE || t === T.FALSE ? this.byte() : this.value(t));
        const entries: [TValue, TValue][] = [];
        for (let i = 0; i < size; i++) entries.push([one(keyType), one(valueType)]);
        return { kind: 'map', keyType, valueType, entries };
      }
      case T.STRUCT: return this.struct();
      default: throw new Error(`thrift: unknown compact type ${type}`);
    }
  }

  struct(): TStruct {
    const fields: TField[] = [];
    let last = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return { kind: 'struct', fields };
      const type = head & 0x0f;
      const id = head >> 4 ? last + (head >> 4) : Number(this.zigzag());
      last = id;
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

class Writer {
  private readonly out: number[] = [];

  bytes(): Buffer {
    return Buffer.from(this.out);
  }

  private varint(v: bigint): void {
    if (v < 0n) throw new Error('thrift: negative varint');
    do {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      this.out.push(v ? b | 0x80 : b);
    } while (v);
  }

  private zigzag(v: bigint): void {
    this.varint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }

  value(type: number, v: TValue): void {
    switch (type) {
      case T.TRUE:
      case T.FALSE: return;
      case T.BYTE: this.out.push((v as number) & 0xff); return;
      case T.I16:
      case T.I32: this.zigzag(BigInt(v as number)); return;
      case T.I64: this.zigzag(v as bigint); return;
      case T.DOUBLE: {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(v as number);
        this.out.push(...b);
        return;
      }
      case T.BINARY: {
        const b = v as Buffer;
        this.varint(BigInt(b.length));
        for (const x of b) this.out.push(x);
        return;
      }
      case T.LIST:
      case T.SET: {
        const l = v as TList;
        if (l.items.length < 15) this.out.push((l.items.length << 4) | l.elemType);
        else {
          this.out.push(0xf0 | l.elemType);
          this.varint(BigInt(l.items.length));
        }
        for (const item of l.items) {
          if (l.elemType === T.TRUE || l.elemType === T.FALSE) this.out.push(item as number);
          else this.value(l.elemType, item);
        }
        return;
      }
      case T.MAP: {
        const m = v as TMap;
        this.varint(BigInt(m.entries.length));
        if (!m.entries.length) return;
        this.out.push((m.keyType << 4) | m.valueType);
        const one = (t: number, x: TValue) => (t === T.TRUE || t === T.FALSE ? this.out.push(x as number) : this.value(t, x));
        for (const [k, x] of m.entries) {
          one(m.keyType, k);
          one(m.valueType, x);
        }
        return;
      }
      case T.STRUCT: this.struct(v as TStruct); return;
      default: throw new Error(`thrift: unknown compact type ${type}`);
    }
  }

  struct(s: TStruct): void {
    let last = 0;
    for (const f of s.fields) {
      const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.out.push((delta << 4) | type);
      else {
        this.out.push(type);
        this.zigzag(BigInt(f.id));
      }
      last = f.id;
      this.value(type, f.value);
    }
    this.out.push(0);
  }
}

/** Decodes one struct from the start of `buf`; `end` is where it stopped. */
export function decodeStruct(buf: Buffer): { struct: TStruct; end: number } {
  const r = new Reader(buf);
  const struct = r.struct();
  return { struct, end: r.pos };
}

export function encodeStruct(s: TStruct): Buffer {
  const w = new Writer();
  w.struct(s);
  return w.bytes();
}

/** The field `id` of a struct, if present. */
export function field(s: TStruct, id: number): TField | undefined {
  return s.fields.find((f) => f.id === id);
}
