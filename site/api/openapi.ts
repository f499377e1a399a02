// OpenAPI 3.1 description of the API (/api/openapi.json). Dataset ids of the current release are
// listed as the `id` enum so generated clients know them.
import type { Manifest } from '../../publisher/manifest.ts';
import type { RateLimitOptions } from './http.ts';
import type { SqlLimits } from './sql-sandbox.ts';

const sodaError = { $ref: '#/components/schemas/SodaError' };
const sqlError = { $ref: '#/components/schemas/SqlError' };
const errors = (schema: object) =>
  Object.fromEntries(
    [
      ['400', 'Bad query'],
      ['404', 'Unknown dataset'],
      ['429', 'Rate limited'],
      ['503', 'No release published yet'],
    ].map(([code, description]) => [code, { description, content: { 'application/json': { schema } } }]),
  );

const param = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });

export function openApiDocument(m: Manifest | null, origin: string, o: { sql: SqlLimits; rate: RateLimitOptions }) {
  const ids = m?.datasets.map((d) => d.id) ?? [];
  const idParam = {
    name: 'id',
    in: 'path',
    required: true,
    description: 'Dataset id (four alphanumerics, a dash, four more)',
    schema: { type: 'string', pattern: '^[a-z0-9]{4}-[a-z0-9]{4}$', ...(ids.length ? { enum: ids } : {}) },
  };
  const soqlParams = [
    param('$select', 'Columns and expressions, with AS aliases, aggregates and `distinct`'),
    param('$where', 'Filter (SoQL expression)'),
    param('$order', 'Sort, e.g. `received_hour DESC`; default `:id` (stable)'),
    param('$group', 'Group by expressions'),
    param('$having', 'Filter on groups'),
    param('$limit', 'Rows to return (default 1000, at most 50000)', { type: 'integer', minimum: 0, maximum: 50000, default: 1000 }),
    param('$offset', 'Rows to skip', { type: 'integer', minimum: 0, default: 0 }),
    param('$q', 'Full-text search: case-insensitive substring over all text columns'),
    param('$query', 'A whole SoQL statement (SELECT ... WHERE ... ORDER BY ... LIMIT ...) with no FROM; not combined with the other $ parameters'),
    param('$$app_token', 'App token (or the X-App-Token header); requests with a token are rate limited per token'),
    param('$$exclude_system_fields', 'false to include :id, :created_at, :updated_at', { type: 'boolean', default: true }),
  ];
  const sodaHeaders = {
    'X-SODA2-Fields': { description: 'JSON array of the field names', schema: { type: 'string' } },
    'X-SODA2-Types': { description: 'JSON array of the Socrata types (text, number, checkbox, floating_timestamp, meta_data)', schema: { type: 'string' } },
    ETag: { description: 'Strong validator (release id + request URL); the gzip variant\'s ends in -gz inside the quotes', schema: { type: 'string' } },
    'Content-Encoding': { description: 'gzip when the request accepts gzip (Accept-Encoding) and the answer is 1 KB or more', schema: { type: 'string', enum: ['gzip'] } },
    Vary: { description: 'Accept-Encoding', schema: { type: 'string' } },
    'Last-Modified': { description: 'When the current release was published', schema: { type: 'string' } },
  };
  const sqlParams = [
    param('sql', 'One read-only SELECT or WITH statement in DuckDB SQL'),
    param('format', 'json (default), csv or arrow; or use the Accept header', { type: 'string', enum: ['json', 'csv', 'arrow'] }),
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: `${m?.agency.name ?? 'Police'} open data API`,
      version: m?.releaseId ?? 'unreleased',
      description:
        'Socrata SODA 2.1-compatible endpoints (sodapy, RSocrata and soda-js work unchanged), a read-only SQL endpoint and metadata. ' +
        `Rate limits: ${o.rate.perIp} requests per IP or ${o.rate.perToken} per app token every ${o.rate.windowMs / 1000} s. ` +
        `SQL: ${o.sql.rowCap} rows and ${o.sql.timeoutMs / 1000} s at most. Bulk exports (/api/views/{id}/rows.csv) are never capped. ` +
        'Answers are gzipped when the request accepts gzip; bulk exports are sent uncompressed.',
    },
    servers: [{ url: origin }],
    paths: {
      '/resource/{id}.json': {
        get: {
          summary: 'Query a dataset (SoQL); JSON array of flat objects, nulls left out, numbers as strings',
          parameters: [idParam, ...soqlParams],
          responses: {
            '200': { description: 'Rows', headers: sodaHeaders, content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } } },
            '304': { description: 'Not modified' },
            ...errors(sodaError),
          },
        },
      },
      '/resource/{id}.csv': {
        get: {
          summary: 'Query a dataset (SoQL) as CSV, header row always present',
          parameters: [idParam, ...soqlParams],
          responses: { '200': { description: 'CSV', headers: sodaHeaders, content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors(sodaError) },
        },
      },
      '/resource/{id}.geojson': {
        get: {
          summary: 'Query a dataset (SoQL) as a GeoJSON FeatureCollection (Points from latitude/longitude)',
          parameters: [idParam, ...soqlParams],
          responses: { '200': { description: 'GeoJSON', content: { 'application/vnd.geo+json': { schema: { type: 'object' } } } }, ...errors(sodaError) },
        },
      },
      '/api/views/{id}.json': {
        get: { summary: 'Dataset metadata with columns[] (fieldName, name, dataTypeName, position, description)', parameters: [idParam], responses: { '200': { description: 'Metadata', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(sodaError) } },
      },
      '/api/views/{id}/rows.csv': {
        get: { summary: 'The whole dataset as CSV (the published file; never capped)', parameters: [idParam], responses: { '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors(sodaError) } },
      },
      '/api/views/{id}/rows.json': {
        get: { summary: 'The whole dataset as JSON (the published file; never capped)', parameters: [idParam], responses: { '200': { description: 'JSON', content: { 'application/json': { schema: { type: 'array' } } } }, ...errors(sodaError) } },
      },
      '/api/catalog/v1': {
        get: {
          summary: 'Catalog search (Socrata Discovery API shape)',
          parameters: [param('ids', 'Comma-separated dataset ids'), param('q', 'Text to look for'), param('limit', 'Page size', { type: 'integer' }), param('offset', 'Skip', { type: 'integer' })],
          responses: { '200': { description: '{resultSetSize, results[]}', content: { 'application/json': { schema: { type: 'object', required: ['resultSetSize', 'results'] } } } } },
        },
      },
      '/data.json': { get: { summary: 'DCAT-US 1.1 catalog', responses: { '200': { description: 'Catalog', content: { 'application/json': { schema: { type: 'object' } } } } } } },
      '/api/sql': {
        get: {
          summary: `Read-only SQL (DuckDB dialect) over the published tables: ${m?.datasets.map((d) => d.slug.replace(/-/g, '_')).join(', ') || 'one view per dataset'}`,
          parameters: sqlParams,
          responses: {
            '200': {
              description: 'Result',
              headers: { 'X-SQL-Truncated': { description: 'true when the row cap cut the result', schema: { type: 'string' } } },
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/SqlResult' } },
                'text/csv': { schema: { type: 'string' } },
                'application/vnd.apache.arrow.stream': { schema: { type: 'string', format: 'binary' } },
              },
            },
            ...errors(sqlError),
          },
        },
        post: {
          summary: 'Read-only SQL, the query in a JSON body {"sql": "..."} or a form field sql',
          requestBody: {
            content: {
              'application/json': { schema: { type: 'object', required: ['sql'], properties: { sql: { type: 'string' }, format: { type: 'string', enum: ['json', 'csv', 'arrow'] } } } },
              'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['sql'], properties: { sql: { type: 'string' } } } },
            },
          },
          responses: { '200': { description: 'Result', content: { 'application/json': { schema: { $ref: '#/components/schemas/SqlResult' } } } }, ...errors(sqlError) },
        },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/health': { get: { summary: 'Liveness and the current release id', responses: { '200': { description: '{ok, release}' } } } },
    },
    components: {
      schemas: {
        SodaError: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string', examples: ['query.soql.no-such-column'] }, error: { type: 'boolean' }, message: { type: 'string' }, data: { type: 'object' } },
        },
        SqlError: {
          type: 'object',
          required: ['ok', 'error', 'status'],
          properties: { ok: { const: false }, error: { type: 'string' }, status: { type: 'integer' } },
        },
        SqlResult: {
          type: 'object',
          required: ['ok', 'columns', 'rows', 'truncated'],
          properties: {
            ok: { const: true },
            columns: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } },
            rows: { type: 'array', items: { type: 'array' } },
            truncated: { type: 'boolean' },
            rowCap: { type: 'integer' },
          },
        },
      },
      securitySchemes: { appToken: { type: 'apiKey', in: 'header', name: 'X-App-Token' } },
    },
  };
}
