// Values computed from several source fields before any rule runs (e.g. a response time from
// two exact timestamps). Each derivation says how sensitive its result is.
import type { Sensitivity } from '../pipelines/contract.ts';

export interface Derivation {
  name: string;
  summary: string;
  arity: number;
  sensitivity: Sensitivity;
  /** The result carries its first argument's value, so it keeps that field's sensitivity. */
  passesThrough?: boolean;
  sql(args: string[]): string;
}

const DERIVATIONS: Derivation[] = [
  {
    name: 'minutes_between',
    summary: 'minutes from the first time to the second, computed from the exact times',
    arity: 2,
    sensitivity: 'none',
    sql: ([a, b]) => `CASE WHEN ${b} >= ${a} THEN date_diff('second', ${a}, ${b}) / 60.0 ELSE NULL END`,
  },
  {
    name: 'whole_years_between',
    summary: 'whole years from the first date to the second (an age, or years of service)',
    arity: 2,
    sensitivity: 'quasi',
    sql: ([a, b]) => `CASE WHEN ${b} >= ${a} THEN CAST(date_part('year', age(CAST(${b} AS TIMESTAMP), CAST(${a} AS TIMESTAMP))) AS INTEGER) ELSE NULL END`,
  },
  {
    name: 'years_of_service_band',
    summary: 'years from hire to the incident, in bands 0-4, 5-9, 10-14, 15-19, 20+',
    arity: 2,
    sensitivity: 'quasi',
    sql: ([hired, at]) => {
      const years = `date_part('year', age(CAST(${at} AS TIMESTAMP), CAST(${hired} AS TIMESTAMP)))`;
      return `CASE WHEN ${hired} IS NULL OR ${at} < ${hired} THEN NULL WHEN ${years} < 5 THEN '0-4' WHEN ${years} < 10 THEN '5-9'
        WHEN ${years} < 15 THEN '10-14' WHEN ${years} < 20 THEN '15-19' ELSE '20+' END`;
    },
  },
  {
    name: 'split_first',
    summary: 'the first item of a ;-separated list',
    arity: 1,
    sensitivity: 'none',
    passesThrough: true,
    sql: ([a]) => `nullif(trim(split_part(${a}, ';', 1)), '')`,
  },
];

export function derivation(name: string): Derivation {
  const d = DERIVATIONS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown derivation "${name}"; known: ${DERIVATIONS.map((x) => x.name).join(', ')}`);
  return d;
}
