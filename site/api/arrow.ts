// SQL results as an Apache Arrow IPC stream (apache-arrow's tableToIPC). Column types follow
// DuckDB's: booleans, 32/64-bit integers, doubles, strings, timestamps (milliseconds, no zone);
// anything else (decimals become doubles; lists, structs, huge integers) is sent as its JSON text.
import { DuckDBTypeId } from '@duckdb/node-api';
import { Bool, Float64, Int32, Int64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { jsonRows, type SqlResult } from './sql-sandbox.ts';

export function toArrowIpc(r: SqlResult): Uint8Array {
  const js = r.reader.getColumnsJS().map((col) => col.slice(0, r.rowCount));
  const json = jsonRows(r);
  const vectors: Record<string, Vector> = {};
  const used = new Set<string>();
  r.reader.columnTypes().forEach((t, i) => {
    let name = r.columns[i].name;
    for (let k = 1; used.has(name); k++) name = `${r.columns[i].name}_${k}`;
    used.add(name);
    const values = js[i];
    let type: DataType;
    let data: unknown[];
    switch (t.typeId) {
      case DuckDBTypeId.BOOLEAN:
        type = new Bool();
        data = values;
        break;
      case DuckDBTypeId.TINYINT:
      case DuckDBTypeId.SMALLINT:
      case DuckDBTypeId.INTEGER:
      case DuckDBTypeId.UTINYINT:
      case DuckDBTypeId.USMALLINT:
        type = new Int32();
        data = values;
        break;
      case DuckDBTypeId.BIGINT:
      case DuckDBTypeId.UINTEGER:
        type = new Int64();
        data = values.map((v) => (v === null ? null : BigInt(v as bigint | number)));
        break;
      case DuckDBTypeId.FLOAT:
      case DuckDBTypeId.DOUBLE:
      case DuckDBTypeId.DECIMAL:
        type = new Float64();
        data = values.map((v) => (v === null ? null : Number(v)));
        break;
      case DuckDBTypeId.VARCHAR:
        type = new Utf8();
        data = values;
        break;
      case DuckDBTypeId.DATE:
      case DuckDBTypeId.TIMESTAMP:
      case DuckDBTypeId.TIMESTAMP_S:
      case DuckDBTypeId.TIMESTAMP_MS:
      case DuckDBTypeId.TIMESTAMP_NS:
      case DuckDBTypeId.TIMESTAMP_TZ:
        type = new TimestampMillisecond();
        data = values.map((v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.getTime() : null));
        break;
      default:
        type = new Utf8();
        data = json.map((row) => (row[i] === null ? null : typeof row[i] === 'string' ? row[i] : JSON.stringify(row[i])));
    }
    vectors[name] = vectorFromArray(data, type);
  });
  return tableToIPC(new Table(vectors), 'stream');
}
