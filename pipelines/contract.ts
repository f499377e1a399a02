// The records contract (../shared/records-contract.md, version 1) as data: the three source
// tables, their fields, value types, primary keys, controlled codes and privacy class.
// Every reader, the demo generator and the rule compiler work from this one description.

export type FieldType = 'text' | 'timestamp' | 'date' | 'boolean' | 'integer' | 'double';

/**
 * How dangerous a field is if published as is.
 * - direct: identifies a person (name, phone, email, DOB, serial, person id)
 * - free_text: narratives and remarks; never published (X2)
 * - exact_location: exact address or coordinates
 * - record_id: a source id; only published as a keyed pseudonym (X4)
 * - quasi: a quasi-identifier (demographics, ages, exact times)
 * - none: safe to publish as is
 */
export type Sensitivity = 'direct' | 'free_text' | 'exact_location' | 'record_id' | 'quasi' | 'none';

export interface FieldSpec {
  name: string;
  type: FieldType;
  nullable: boolean;
  sensitivity: Sensitivity;
  /** Controlled codes: a value outside this list quarantines the row. */
  codes?: readonly string[];
  /** Integer range check. */
  range?: readonly [number, number];
}

export interface TableSpec {
  name: 'cad_events' | 'rms_offenses' | 'use_of_force';
  primaryKey: string;
  fields: readonly FieldSpec[];
}

export type TableName = TableSpec['name'];

const RACES = ['WHITE', 'BLACK', 'ASIAN', 'HISPANIC', 'NATIVE', 'PACIFIC', 'UNKNOWN'] as const;
const SEXES = ['M', 'F', 'X', 'U'] as const;
const RECORD_STATUS = ['ACTIVE', 'SEALED'] as const;

function f(
  name: string,
  type: FieldType,
  sensitivity: Sensitivity,
  opts: { nullable?: boolean; codes?: readonly string[]; range?: readonly [number, number] } = {},
): FieldSpec {
  return { name, type, sensitivity, nullable: opts.nullable ?? false, codes: opts.codes, range: opts.range };
}
const n = { nullable: true };

export const CAD_EVENTS: TableSpec = {
  name: 'cad_events',
  primaryKey: 'event_id',
  fields: [
    f('event_id', 'text', 'record_id'),
    f('received_at', 'timestamp', 'quasi'),
    f('dispatched_at', 'timestamp', 'quasi', n),
    f('arrived_at', 'timestamp', 'quasi', n),
    f('cleared_at', 'timestamp', 'quasi', n),
    f('call_source', 'text', 'none', { codes: ['911', 'NON_EMERGENCY', 'ONLINE', 'ONVIEW', 'ALARM', 'TEXT'] }),
    f('initial_call_type', 'text', 'none'),
    f('final_call_type', 'text', 'none', n),
    f('priority', 'integer', 'none', { range: [1, 9] }),
    f('disposition', 'text', 'none', n),
    f('precinct', 'text', 'none'),
    f('sector', 'text', 'none'),
    f('beat', 'text', 'none'),
    f('address', 'text', 'exact_location'),
    f('latitude', 'double', 'exact_location', n),
    f('longitude', 'double', 'exact_location', n),
    f('caller_name', 'text', 'direct', n),
    f('caller_phone', 'text', 'direct', n),
    f('remarks', 'text', 'free_text', n),
    f('officer_serials', 'text', 'direct', n),
    f('report_number', 'text', 'record_id', n),
    f('updated_at', 'timestamp', 'none'),
    f('record_status', 'text', 'none', { codes: RECORD_STATUS }),
  ],
};

export const RMS_OFFENSES: TableSpec = {
  name: 'rms_offenses',
  primaryKey: 'offense_id',
  fields: [
    f('offense_id', 'text', 'record_id'),
    f('report_number', 'text', 'record_id'),
    f('reported_at', 'timestamp', 'quasi'),
    f('occurred_from', 'timestamp', 'quasi'),
    f('occurred_to', 'timestamp', 'quasi', n),
    f('nibrs_code', 'text', 'none'),
    f('offense_description', 'text', 'none'),
    f('nibrs_group', 'text', 'none', { codes: ['A', 'B'] }),
    f('crime_against', 'text', 'none', { codes: ['PERSON', 'PROPERTY', 'SOCIETY', 'ANY'] }),
    f('report_channel', 'text', 'none', { codes: ['OFFICER', 'ONLINE', 'PHONE'] }),
    f('precinct', 'text', 'none'),
    f('sector', 'text', 'none'),
    f('beat', 'text', 'none'),
    f('neighborhood', 'text', 'none', n),
    f('address', 'text', 'exact_location'),
    f('latitude', 'double', 'exact_location', n),
    f('longitude', 'double', 'exact_location', n),
    f('location_type', 'text', 'quasi', n),
    f('domestic_violence', 'boolean', 'none'),
    f('victim_name', 'text', 'direct', n),
    f('suspect_name', 'text', 'direct', n),
    f('victim_dob', 'date', 'direct', n),
    f('suspect_dob', 'date', 'direct', n),
    f('victim_age', 'integer', 'quasi', { nullable: true, range: [0, 130] }),
    f('suspect_age', 'integer', 'quasi', { nullable: true, range: [0, 130] }),
    f('victim_sex', 'text', 'quasi', { nullable: true, codes: SEXES }),
    f('suspect_sex', 'text', 'quasi', { nullable: true, codes: SEXES }),
    f('victim_race', 'text', 'quasi', { nullable: true, codes: RACES }),
    f('suspect_race', 'text', 'quasi', { nullable: true, codes: RACES }),
    f('victim_phone', 'text', 'direct', n),
    f('victim_email', 'text', 'direct', n),
    f('narrative', 'text', 'free_text', n),
    f('case_status', 'text', 'none', { codes: ['OPEN', 'CLOSED_ARREST', 'CLOSED_EXCEPTIONAL', 'INACTIVE', 'UNFOUNDED'] }),
    f('approval_status', 'text', 'none', { codes: ['PENDING', 'APPROVED'] }),
    f('assigned_unit', 'text', 'quasi', n),
    f('updated_at', 'timestamp', 'none'),
    f('record_status', 'text', 'none', { codes: RECORD_STATUS }),
  ],
};

export const USE_OF_FORCE: TableSpec = {
  name: 'use_of_force',
  primaryKey: 'uof_id',
  fields: [
    f('uof_id', 'text', 'record_id'),
    f('incident_number', 'text', 'record_id'),
    f('occurred_at', 'timestamp', 'quasi'),
    f('force_level', 'text', 'none', { codes: ['LEVEL_1', 'LEVEL_2', 'LEVEL_3', 'OIS'] }),
    f('force_types', 'text', 'none'),
    f('precinct', 'text', 'none'),
    f('sector', 'text', 'none'),
    f('beat', 'text', 'none'),
    f('address', 'text', 'exact_location'),
    f('latitude', 'double', 'exact_location', n),
    f('longitude', 'double', 'exact_location', n),
    f('officer_serial', 'text', 'direct'),
    f('officer_name', 'text', 'direct'),
    f('officer_race', 'text', 'quasi', { codes: RACES }),
    f('officer_sex', 'text', 'quasi', { codes: SEXES }),
    f('officer_birth_year', 'integer', 'quasi', { range: [1900, 2100] }),
    f('officer_hire_date', 'date', 'quasi'),
    f('subject_person_id', 'text', 'direct', n),
    f('subject_name', 'text', 'direct', n),
    f('subject_dob', 'date', 'direct', n),
    f('subject_race', 'text', 'quasi', { nullable: true, codes: RACES }),
    f('subject_sex', 'text', 'quasi', { nullable: true, codes: SEXES }),
    f('subject_injured', 'boolean', 'none'),
    f('officer_injured', 'boolean', 'none'),
    f('subject_injury_description', 'text', 'free_text', n),
    f('narrative', 'text', 'free_text', n),
    f('review_status', 'text', 'none', { codes: ['PENDING', 'IN_POLICY', 'OUT_OF_POLICY', 'UNDER_INVESTIGATION'] }),
    f('updated_at', 'timestamp', 'none'),
    f('record_status', 'text', 'none', { codes: RECORD_STATUS }),
  ],
};

export const TABLES: readonly TableSpec[] = [CAD_EVENTS, RMS_OFFENSES, USE_OF_FORCE];

export function tableSpec(name: string): TableSpec {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown source table "${name}"; the contract knows ${TABLES.map((x) => x.name).join(', ')}`);
  return t;
}

export function fieldSpec(table: string, field: string): FieldSpec {
  const spec = tableSpec(table).fields.find((x) => x.name === field);
  if (!spec) throw new Error(`table ${table} has no field "${field}"`);
  return spec;
}

/** The staging table that holds the current (upserted) state of a source table. */
export function stagingTable(name: TableName): string {
  return `stg_${name}`;
}

/** DuckDB type used for a contract field in staging. */
export function duckType(type: FieldType): string {
  switch (type) {
    case 'text': return 'VARCHAR';
    case 'timestamp': return 'TIMESTAMPTZ';
    case 'date': return 'DATE';
    case 'boolean': return 'BOOLEAN';
    case 'integer': return 'INTEGER';
    case 'double': return 'DOUBLE';
  }
}
