/**
 * A stand-in for the BigQuery REST API, for tests and benches (not shipped in the CLI): the calls that the official
 * `@google-cloud/bigquery` 8.x client makes for datasets, tables, multipart load jobs, job polling, streaming
 * inserts and queries, answered from a DuckDB file. It asserts what the client sends — GA4 table schemas field by
 * field, request shapes, load configurations — and answers bad input the way BigQuery does, with
 * `{error: {code, message, errors: [{reason, message}]}}`. Faults can be injected to test failure paths.
 * Queries run through warehouse/bigquery's translator, so the stand-in accepts what the local warehouse accepts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, DuckDBListType, DuckDBStructType, DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { translateBigQuery } from '../warehouse/bigquery/translate-bigquery';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import { columnDefinitions, jsonValueConverter, quoteIdent, sqlString, type JsonValue } from '../warehouse/duckdb-types';
import { bqFields, canonicalType, EVENTS_TABLE_SCHEMA, ga4SchemaFor, schemaDifference, type TableField } from './bigquery-schema';

/** Which requests a fault applies to. */
export type StandinCall = 'datasets.insert' | 'datasets.get' | 'tables.insert' | 'tables.get' | 'load' | 'jobs.get' | 'insertAll' | 'query' | 'any';

/**
 * A failure to simulate. `how`: an HTTP status (answered with a BigQuery-shaped error), `'drop'` (the connection is
 * destroyed without an answer, as when a server dies mid-request), `'hang'` (no answer until `clearFaults()` or
 * `stop()`; then the request is served as usual, or cut), or, for loads only, `'job-error'` (the job finishes DONE
 * with an errorResult and loads nothing, as BigQuery reports a failed load).
 */
export interface StandinFault {
  on: StandinCall;
  how: number | 'drop' | 'hang' | 'job-error';
  /** Only requests about this table id. Default: any table. */
  table?: RegExp;
  /** Let this many matching requests through first. Default 0. */
  after?: number;
  /** How many matching requests to fail. Default 1 (`Infinity`: all). */
  times?: number;
}

export interface StandinOptions {
  /** DuckDB file that holds the loaded tables. Default: a fresh file in a temporary folder, removed on close. */
  file?: string;
  /** Answer dataset creation with 403 accessDenied, as for a user without bigquery.datasets.create. Default true (allowed). */
  allowDatasetCreate?: boolean;
  /** Rows per query result page when the client gives no maxResults. Default 10,000. */
  pageRows?: number;
  /** Called for every request once its call is known (tests use it to act at a given moment, e.g. kill a client). */
  onRequest?: (call: StandinCall, detail: { method: string; path: string; table?: string }) => void;
}

interface DatasetState {
  id: string;
  location: string;
  created: number;
  tables: Map<string, TableState>;
}

interface TableState {
  id: string;
  schema: TableField[];
  created: number;
  /** insertIds seen by streaming inserts, for BigQuery's best-effort de-duplication. */
  insertIds: Set<string>;
}

interface JobState {
  id: string;
  location: string;
  configuration: Record<string, unknown>;
  state: 'RUNNING' | 'DONE';
  errorResult?: { reason: string; message: string };
  outputRows?: number;
  created: number;
  /** Query jobs: the DuckDB table holding the result, its schema and size. */
  result?: { table: string; schema: TableField[]; rows: number };
}

/** A BigQuery error answer. */
export class BigQueryApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'BigQueryApiError';
  }
}

const invalid = (message: string): BigQueryApiError => new BigQueryApiError(400, 'invalid', message);
const notFound = (message: string): BigQueryApiError => new BigQueryApiError(404, 'notFound', `Not found: ${message}`);
const ID = /^[A-Za-z0-9_]{1,1024}$/;

export class BigQueryStandin {
  /** Every request, in order: method, path (without query string) and the call it was taken for. */
  readonly requests: { method: string; path: string; call: StandinCall; table?: string }[] = [];
  private readonly datasets = new Map<string, DatasetState>();
  private readonly jobs = new Map<string, JobState>();
  private readonly faults: (StandinFault & { seen: number; failed: number })[] = [];
  /** Resolvers of the requests a `'hang'` fault holds. */
  private readonly hung: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly scratch: string;
  private server: Server | null = null;
  private port = 0;
  private jobCounter = 0;
  /** Serializes DuckDB writes (loads, inserts, DDL), as BigQuery serializes the commits of one table. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly options: StandinOptions,
    private readonly ownsFile: string | null,
  ) {
    this.scratch = mkdtempSync(path.join(tmpdir(), 'bq-standin-uploads-'));
  }

  /** Starts a stand-in on 127.0.0.1:`port` (0 = any free port). */
  static async start(port = 0, options: StandinOptions = {}): Promise<BigQueryStandin> {
    let owned: string | null = null;
    let file = options.file;
    if (file === undefined) {
      owned = mkdtempSync(path.join(tmpdir(), 'bq-standin-'));
      file = path.join(owned, 'bigquery.duckdb');
    }
    const instance = await DuckDBInstance.create(file);
    const standin = new BigQueryStandin(instance, options, owned);
    await standin.listen(port);
    return standin;
  }

  /** The URL to give the client as `apiEndpoint`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds a fault; it applies to requests from now on. */
  fault(fault: StandinFault): void {
    this.faults.push({ ...fault, seen: 0, failed: 0 });
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.releaseHung();
  }

  /** Requests held by a `'hang'` fault right now. */
  get hanging(): number {
    return this.hung.length;
  }

  private releaseHung(): void {
    for (const release of this.hung.splice(0)) release();
  }

  /** Stops answering (the port refuses connections; open connections are cut). State is kept; `resume` listens again on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.releaseHung();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the port it had. */
  async resume(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.stop();
    await this.writes.catch(() => undefined);
    this.instance.closeSync();
    rmSync(this.scratch, { recursive: true, force: true });
    if (this.ownsFile) rmSync(this.ownsFile, { recursive: true, force: true });
  }

  /** Datasets and their tables, for assertions. */
  tableIds(dataset: string): string[] {
    return [...(this.datasets.get(dataset)?.tables.keys() ?? [])].sort();
  }

  hasDataset(dataset: string): boolean {
    return this.datasets.has(dataset);
  }

  /** The schema a table holds, as tables.get answers it. */
  tableSchema(dataset: string, table: string): TableField[] | undefined {
    return this.datasets.get(dataset)?.tables.get(table)?.schema;
  }

  /** Rows of a table as JSON values (DuckDB SQL `where` over its columns), for assertions. */
  async rows(dataset: string, table: string, orderBy = 'rowid'): Promise<Record<string, JsonValue>[]> {
    if (!this.datasets.get(dataset)?.tables.has(table)) throw new Error(`no table ${dataset}.${table} in the stand-in`);
    return this.read(`SELECT * FROM ${quoteIdent(dataset)}.${quoteIdent(table)} ORDER BY ${orderBy}`);
  }

  private async read(sql: string): Promise<Record<string, JsonValue>[]> {
    const connection = await this.instance.connect();
    try {
      const reader = await connection.runAndReadAll(sql);
      return reader.convertRowObjects(jsonValueConverter).map((row) => {
        const out: Record<string, JsonValue> = {};
        for (const [k, v] of Object.entries(row)) out[k] = v ?? null;
        return out;
      });
    } finally {
      connection.closeSync();
    }
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The fault to apply to this request, if any. */
  private faultFor(call: StandinCall, table: string | undefined): StandinFault | undefined {
    for (const f of this.faults) {
      if (f.on !== 'any' && f.on !== call) continue;
      if (f.table && (table === undefined || !f.table.test(table))) continue;
      f.seen++;
      if (f.seen <= (f.after ?? 0)) continue;
      if (f.failed >= (f.times ?? 1)) continue;
      f.failed++;
      return f;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const method = req.method ?? 'GET';
    let call: StandinCall = 'any';
    try {
      const route = this.route(method, url.pathname);
      call = route.call;
      const body = await readBody(req);
      const contentType = req.headers['content-type'] ?? '';
      // A load names its table inside the multipart body, not in the URL.
      const table = route.table ?? (call === 'load' ? loadTableOf(body, contentType) : undefined);
      this.requests.push({ method, path: url.pathname, call, ...(table === undefined ? {} : { table }) });
      this.options.onRequest?.(call, { method, path: url.pathname, ...(table === undefined ? {} : { table }) });
      const fault = this.faultFor(call, table);
      if (fault?.how === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.how === 'hang') {
        await new Promise<void>((resolve) => this.hung.push(resolve));
        if (req.socket.destroyed) return;
      }
      if (typeof fault?.how === 'number') throw new BigQueryApiError(fault.how, fault.how >= 500 ? 'backendError' : 'invalid', `Injected fault: ${call} answered ${fault.how}`);
      const answer = await route.run(body, url, fault?.how === 'job-error', contentType);
      if (answer === undefined) {
        res.writeHead(204).end();
        return;
      }
      send(res, 200, answer);
    } catch (error) {
      const e = error instanceof BigQueryApiError ? error : new BigQueryApiError(500, 'internalError', error instanceof Error ? error.message : String(error));
      send(res, e.code, { error: { code: e.code, message: e.message, errors: [{ reason: e.reason, message: e.message, domain: 'global' }], status: statusOf(e.code) } });
    }
  }

  private route(method: string, pathname: string): { call: StandinCall; table?: string; run: (body: Buffer, url: URL, jobError: boolean, contentType: string) => Promise<unknown> } {
    const upload = /^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(pathname);
    if (upload && method === 'POST') {
      return { call: 'load', run: (body, url, jobError, type) => this.load(decodeURIComponent(upload[1] ?? ''), body, url, jobError, type) };
    }
    const m = /^\/bigquery\/v2\/projects\/([^/]+)(\/.*)?$/.exec(pathname);
    if (!m) throw new BigQueryApiError(404, 'notFound', `Not found: URL ${pathname}`);
    const project = decodeURIComponent(m[1] ?? '');
    const rest = m[2] ?? '';
    let r: RegExpExecArray | null;
    if (rest === '/datasets' && method === 'POST') return { call: 'datasets.insert', run: (b) => this.createDataset(project, json(b)) };
    if ((r = /^\/datasets\/([^/]+)$/.exec(rest))) {
      const dataset = decodeURIComponent(r[1] ?? '');
      if (method === 'GET') return { call: 'datasets.get', run: () => Promise.resolve(this.datasetResource(project, this.dataset(project, dataset))) };
      if (method === 'DELETE') return { call: 'any', run: (_b, url) => this.deleteDataset(project, dataset, url.searchParams.get('deleteContents') === 'true') };
    }
    if ((r = /^\/datasets\/([^/]+)\/tables$/.exec(rest))) {
      const dataset = decodeURIComponent(r[1] ?? '');
      if (method === 'POST') return { call: 'tables.insert', run: (b) => this.createTable(project, dataset, json(b)) };
      if (method === 'GET') return { call: 'any', run: () => Promise.resolve(this.listTables(project, dataset)) };
    }
    if ((r = /^\/datasets\/([^/]+)\/tables\/([^/]+)(\/insertAll)?$/.exec(rest))) {
      const dataset = decodeURIComponent(r[1] ?? '');
      const table = decodeURIComponent(r[2] ?? '');
      if (r[3] && method === 'POST') return { call: 'insertAll', table, run: (b) => this.insertAll(project, dataset, table, json(b)) };
      if (!r[3] && method === 'GET') return { call: 'tables.get', table, run: () => this.tableResource(project, dataset, this.table(project, dataset, table)) };
      if (!r[3] && method === 'DELETE') return { call: 'any', table, run: () => this.deleteTable(project, dataset, table) };
    }
    if ((r = /^\/jobs\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const id = decodeURIComponent(r[1] ?? '');
      return { call: 'jobs.get', run: () => Promise.resolve(this.jobResource(project, this.job(project, id))) };
    }
    if (rest === '/queries' && method === 'POST') return { call: 'query', run: (b) => this.query(project, json(b)) };
    if ((r = /^\/queries\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const id = decodeURIComponent(r[1] ?? '');
      return { call: 'query', run: (_b, url) => this.queryPage(project, this.job(project, id), url.searchParams) };
    }
    throw new BigQueryApiError(404, 'notFound', `Not found: ${method} ${pathname}`);
  }

  private dataset(project: string, id: string): DatasetState {
    const d = this.datasets.get(id);
    if (!d) throw notFound(`Dataset ${project}:${id}`);
    return d;
  }

  private table(project: string, dataset: string, id: string): TableState {
    const t = this.dataset(project, dataset).tables.get(id);
    if (!t) throw notFound(`Table ${project}:${dataset}.${id}`);
    return t;
  }

  private job(project: string, id: string): JobState {
    const j = this.jobs.get(id);
    if (!j) throw notFound(`Job ${project}:${id}`);
    return j;
  }

  private write<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async run(sql: string): Promise<void> {
    const connection = await this.instance.connect();
    try {
      await connection.run(sql);
    } finally {
      connection.closeSync();
    }
  }

  private async createDataset(project: string, body: Record<string, unknown>): Promise<unknown> {
    const ref = record(body.datasetReference, 'datasetReference');
    const id = str(ref.datasetId, 'datasetReference.datasetId');
    if (ref.projectId !== undefined && ref.projectId !== project) throw invalid(`datasetReference.projectId ${JSON.stringify(ref.projectId)} does not match the project of the URL (${project})`);
    if (!ID.test(id)) throw invalid(`Invalid dataset ID "${id}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`);
    if (this.options.allowDatasetCreate === false) {
      throw new BigQueryApiError(403, 'accessDenied', `Access Denied: Project ${project}: User does not have bigquery.datasets.create permission in project ${project}.`);
    }
    if (this.datasets.has(id)) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Dataset ${project}:${id}`);
    const location = typeof body.location === 'string' ? body.location : 'US';
    const d: DatasetState = { id, location, created: Date.now(), tables: new Map() };
    await this.write(() => this.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(id)}`));
    this.datasets.set(id, d);
    return this.datasetResource(project, d);
  }

  private async deleteDataset(project: string, id: string, contents: boolean): Promise<undefined> {
    const d = this.dataset(project, id);
    if (d.tables.size > 0 && !contents) throw new BigQueryApiError(400, 'resourceInUse', `Dataset ${project}:${id} is still in use`);
    await this.write(() => this.run(`DROP SCHEMA ${quoteIdent(id)} CASCADE`));
    this.datasets.delete(id);
    return undefined;
  }

  private datasetResource(project: string, d: DatasetState): unknown {
    return {
      kind: 'bigquery#dataset',
      id: `${project}:${d.id}`,
      datasetReference: { projectId: project, datasetId: d.id },
      location: d.location,
      creationTime: String(d.created),
      lastModifiedTime: String(d.created),
    };
  }

  private listTables(project: string, dataset: string): unknown {
    const d = this.dataset(project, dataset);
    return {
      kind: 'bigquery#tableList',
      tables: [...d.tables.values()].map((t) => ({ kind: 'bigquery#table', id: `${project}:${dataset}.${t.id}`, tableReference: { projectId: project, datasetId: dataset, tableId: t.id }, type: 'TABLE' })),
      totalItems: d.tables.size,
    };
  }

  /** Checks a schema sent for a table: well-formed, and GA4's own where the name is one of GA4's tables. */
  private checkSchema(project: string, dataset: string, tableId: string, schema: unknown): TableField[] {
    const fields = record(schema, 'schema').fields;
    if (!Array.isArray(fields) || fields.length === 0) throw invalid(`Table ${project}:${dataset}.${tableId} needs a schema: schema.fields is missing or empty`);
    const checked = checkFields(fields as unknown[], '');
    const ga4 = ga4SchemaFor(tableId);
    if (ga4) {
      const diff = schemaDifference(checked, ga4);
      if (diff) throw invalid(`Table ${project}:${dataset}.${tableId} does not have GA4's export schema: ${diff}`);
    }
    return normalize(checked);
  }

  private async createTable(project: string, dataset: string, body: Record<string, unknown>): Promise<unknown> {
    const d = this.dataset(project, dataset);
    const ref = record(body.tableReference, 'tableReference');
    const id = str(ref.tableId, 'tableReference.tableId');
    if (ref.datasetId !== dataset || (ref.projectId !== undefined && ref.projectId !== project)) {
      throw invalid(`tableReference ${JSON.stringify(ref.projectId)}:${JSON.stringify(ref.datasetId)} does not match the URL (${project}:${dataset})`);
    }
    if (!ID.test(id)) throw invalid(`Invalid table ID "${id}".`);
    const schema = this.checkSchema(project, dataset, id, body.schema);
    if (d.tables.has(id)) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Table ${project}:${dataset}.${id}`);
    const t: TableState = { id, schema, created: Date.now(), insertIds: new Set() };
    await this.write(() => this.run(`CREATE TABLE ${quoteIdent(dataset)}.${quoteIdent(id)} (${columnDefinitions(bqFields(schema))})`));
    d.tables.set(id, t);
    await this.refreshEventsView(dataset);
    return this.tableResource(project, dataset, t);
  }

  private async deleteTable(project: string, dataset: string, id: string): Promise<undefined> {
    this.table(project, dataset, id);
    await this.write(() => this.run(`DROP TABLE ${quoteIdent(dataset)}.${quoteIdent(id)}`));
    this.datasets.get(dataset)?.tables.delete(id);
    await this.refreshEventsView(dataset);
    return undefined;
  }

  private async tableResource(project: string, dataset: string, t: TableState): Promise<unknown> {
    const [count] = await this.read(`SELECT count(*) AS n FROM ${quoteIdent(dataset)}.${quoteIdent(t.id)}`);
    return {
      kind: 'bigquery#table',
      id: `${project}:${dataset}.${t.id}`,
      tableReference: { projectId: project, datasetId: dataset, tableId: t.id },
      schema: { fields: t.schema },
      numRows: String(Number(count?.n ?? 0)),
      creationTime: String(t.created),
      type: 'TABLE',
      location: this.datasets.get(dataset)?.location ?? 'US',
    };
  }

  /**
   * The view `<dataset>.events` over every daily events table, which the translator reads for `events_*`
   * (intraday tables are left out, as the translator leaves them out of wildcards).
   */
  private async refreshEventsView(dataset: string): Promise<void> {
    const tables = this.tableIds(dataset).filter((t) => /^events_\d{8}$/.test(t));
    const ds = quoteIdent(dataset);
    const typedEmpty = `CREATE TABLE IF NOT EXISTS ${ds}.__events_empty (${columnDefinitions(bqFields(EVENTS_TABLE_SCHEMA))})`;
    const union = ['SELECT * FROM ' + `${ds}.__events_empty`, ...tables.map((t) => `SELECT * FROM ${ds}.${quoteIdent(t)}`)].join(' UNION ALL BY NAME ');
    await this.write(async () => {
      await this.run(typedEmpty);
      await this.run(`CREATE OR REPLACE VIEW ${ds}.events AS ${union}`);
    });
  }

  /** `POST /upload/bigquery/v2/projects/P/jobs?uploadType=multipart`: job JSON + bytes; the load runs after the answer. */
  private load(project: string, body: Buffer, url: URL, jobError: boolean, contentType: string): Promise<unknown> {
    if (url.searchParams.get('uploadType') !== 'multipart') throw invalid(`uploadType must be multipart, got ${String(url.searchParams.get('uploadType'))}`);
    const parts = multipart(body, contentType);
    const [meta, data] = parts;
    if (parts.length !== 2 || !meta || !data) throw invalid(`a multipart load has two parts (job JSON, then the data); got ${parts.length}`);
    if (!meta.type.startsWith('application/json')) throw invalid(`the first part of a multipart load must be application/json, got ${meta.type}`);
    const job = json(meta.body);
    const jobRef = record(job.jobReference, 'jobReference');
    const jobId = str(jobRef.jobId, 'jobReference.jobId');
    if (jobRef.projectId !== project) throw invalid(`jobReference.projectId ${String(jobRef.projectId)} does not match the URL's project ${project}`);
    if (this.jobs.has(jobId)) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Job ${project}:${jobId}`);
    const configuration = record(job.configuration, 'configuration');
    const load = record(configuration.load, 'configuration.load');
    const dest = record(load.destinationTable, 'configuration.load.destinationTable');
    const datasetId = str(dest.datasetId, 'destinationTable.datasetId');
    const tableId = str(dest.tableId, 'destinationTable.tableId');
    if (dest.projectId !== project) throw invalid(`destinationTable.projectId ${String(dest.projectId)} does not match the URL's project ${project}`);
    const d = this.dataset(project, datasetId);
    const format = typeof load.sourceFormat === 'string' ? load.sourceFormat : 'CSV';
    if (format !== 'PARQUET' && format !== 'NEWLINE_DELIMITED_JSON') throw invalid(`sourceFormat ${format}: the stand-in takes PARQUET or NEWLINE_DELIMITED_JSON`);
    const write = typeof load.writeDisposition === 'string' ? load.writeDisposition : 'WRITE_APPEND';
    const create = typeof load.createDisposition === 'string' ? load.createDisposition : 'CREATE_IF_NEEDED';
    if (!['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY'].includes(write)) throw invalid(`Invalid writeDisposition ${write}`);
    if (!['CREATE_IF_NEEDED', 'CREATE_NEVER'].includes(create)) throw invalid(`Invalid createDisposition ${create}`);
    const existing = d.tables.get(tableId);
    const schema = load.schema === undefined ? existing?.schema : this.checkSchema(project, datasetId, tableId, load.schema);
    if (!schema) throw invalid(`No schema specified on job or table ${project}:${datasetId}.${tableId}`);
    if (!existing && create === 'CREATE_NEVER') throw notFound(`Table ${project}:${datasetId}.${tableId}`);
    if (format === 'PARQUET' && hasRepeated(schema) && record(load.parquetOptions ?? {}, 'parquetOptions').enableListInference !== true) {
      // Without list inference BigQuery reads a Parquet LIST as a record holding `list.element`, not as REPEATED.
      throw invalid(`Parquet load into ${project}:${datasetId}.${tableId}: a schema with REPEATED fields needs parquetOptions.enableListInference = true`);
    }
    const location = typeof jobRef.location === 'string' ? jobRef.location : d.location;
    const state: JobState = { id: jobId, location, configuration, state: 'RUNNING', created: Date.now() };
    this.jobs.set(jobId, state);
    const file = path.join(this.scratch, `${++this.jobCounter}.${format === 'PARQUET' ? 'parquet' : 'ndjson'}`);
    writeFileSync(file, data.body);
    const finish = async (): Promise<void> => {
      if (jobError) throw new BigQueryApiError(500, 'backendError', `Injected fault: load job ${jobId} into ${datasetId}.${tableId} failed`);
      if (existing && write === 'WRITE_EMPTY') {
        const [c] = await this.read(`SELECT count(*) AS n FROM ${quoteIdent(datasetId)}.${quoteIdent(tableId)}`);
        if (Number(c?.n ?? 0) > 0) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Table ${project}:${datasetId}.${tableId}`);
      }
      const target = `${quoteIdent(datasetId)}.${quoteIdent(tableId)}`;
      const source = format === 'PARQUET' ? `read_parquet(${sqlString(file)})` : `read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${jsonColumns(schema)})`;
      // One transaction: a load replaces (or appends to) the table completely or not at all, as BigQuery's does.
      const connection = await this.instance.connect();
      try {
        await connection.run('BEGIN TRANSACTION');
        try {
          if (!existing || write === 'WRITE_TRUNCATE') {
            await connection.run(`CREATE OR REPLACE TABLE ${target} (${columnDefinitions(bqFields(schema))})`);
          }
          const reader = await connection.runAndReadAll(`INSERT INTO ${target} BY NAME SELECT * FROM ${source}`);
          state.outputRows = Number(reader.getRowsJson()[0]?.[0] ?? 0);
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      } finally {
        connection.closeSync();
      }
      const table: TableState = existing && write !== 'WRITE_TRUNCATE' ? existing : { id: tableId, schema, created: existing?.created ?? Date.now(), insertIds: new Set() };
      if (write === 'WRITE_TRUNCATE') table.schema = schema;
      d.tables.set(tableId, table);
    };
    void this.write(finish)
      .then(() => this.refreshEventsView(datasetId))
      .catch((error: unknown) => {
        const e = error instanceof BigQueryApiError ? error : invalid(`Error while reading data, error message: ${firstLine(error)}`);
        state.errorResult = { reason: e.reason, message: e.message };
      })
      .finally(() => {
        state.state = 'DONE';
        rmSync(file, { force: true });
      });
    return Promise.resolve(this.jobResource(project, state));
  }

  private jobResource(project: string, j: JobState): unknown {
    const status: Record<string, unknown> = { state: j.state };
    if (j.errorResult) {
      status.errorResult = j.errorResult;
      status.errors = [j.errorResult];
    }
    const statistics: Record<string, unknown> = { creationTime: String(j.created), startTime: String(j.created) };
    if (j.state === 'DONE') statistics.endTime = String(Date.now());
    if (j.outputRows !== undefined) statistics.load = { outputRows: String(j.outputRows) };
    return {
      kind: 'bigquery#job',
      id: `${project}:${j.location}.${j.id}`,
      jobReference: { projectId: project, jobId: j.id, location: j.location },
      configuration: j.configuration,
      status,
      statistics,
    };
  }

  /** `tabledata.insertAll`: streaming rows, de-duplicated by insertId; bad rows are reported per row, the rest of the request stopped. */
  private async insertAll(project: string, dataset: string, tableId: string, body: Record<string, unknown>): Promise<unknown> {
    const t = this.table(project, dataset, tableId);
    const rows = body.rows;
    if (!Array.isArray(rows) || rows.length === 0) throw invalid('No rows present in the request.');
    if (rows.length > 50_000) throw invalid(`Too many rows present in the request, limit: 50000 row count: ${rows.length}.`);
    const lines: string[] = [];
    const ids: string[] = [];
    const rowErrors: { index: number; errors: { reason: string; message: string }[] }[] = [];
    rows.forEach((row: unknown, index) => {
      const r = row !== null && typeof row === 'object' ? (row as Record<string, unknown>) : {};
      const value = r.json;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        rowErrors.push({ index, errors: [{ reason: 'invalid', message: 'Row is missing its json object.' }] });
        return;
      }
      const problem = rowProblem(value as Record<string, unknown>, t.schema, '');
      if (problem) {
        rowErrors.push({ index, errors: [{ reason: 'invalid', message: problem }] });
        return;
      }
      const insertId = typeof r.insertId === 'string' ? r.insertId : undefined;
      if (insertId !== undefined && (t.insertIds.has(insertId) || ids.includes(insertId))) return;
      if (insertId !== undefined) ids.push(insertId);
      lines.push(JSON.stringify(value));
    });
    if (rowErrors.length > 0 && body.skipInvalidRows !== true) {
      // BigQuery refuses the whole request: the bad rows say why, the others are "stopped".
      const bad = new Set(rowErrors.map((e) => e.index));
      const stopped = rows.map((_r, index) => index).filter((i) => !bad.has(i)).map((index) => ({ index, errors: [{ reason: 'stopped', message: '' }] }));
      return { kind: 'bigquery#tableDataInsertAllResponse', insertErrors: [...rowErrors, ...stopped].sort((a, b) => a.index - b.index) };
    }
    if (lines.length > 0) {
      const file = path.join(this.scratch, `${++this.jobCounter}.insert.ndjson`);
      writeFileSync(file, lines.join('\n'));
      try {
        await this.write(() => this.run(`INSERT INTO ${quoteIdent(dataset)}.${quoteIdent(tableId)} BY NAME SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${jsonColumns(t.schema)})`));
      } finally {
        rmSync(file, { force: true });
      }
      for (const id of ids) t.insertIds.add(id);
    }
    return rowErrors.length > 0 ? { kind: 'bigquery#tableDataInsertAllResponse', insertErrors: rowErrors } : { kind: 'bigquery#tableDataInsertAllResponse' };
  }

  /** `jobs.query`: runs the query to completion, keeps the result in DuckDB, answers the first page. */
  private async query(project: string, body: Record<string, unknown>): Promise<unknown> {
    const sql = str(body.query, 'query');
    if (body.useLegacySql !== false) throw invalid('the stand-in runs GoogleSQL only: useLegacySql must be false');
    const defaultDataset = body.defaultDataset === undefined ? undefined : str(record(body.defaultDataset, 'defaultDataset').datasetId, 'defaultDataset.datasetId');
    const { sql: local, eventsDataset, otherDatasets } = this.resolveTables(project, sql, defaultDataset);
    const dataset = eventsDataset ?? defaultDataset ?? otherDatasets[0];
    if (dataset === undefined) throw invalid('Table name missing dataset while no default dataset is set in the request.');
    this.dataset(project, dataset);
    let duckdbSql: string;
    try {
      duckdbSql = translateBigQuery(local, { dataset, sourceDataset: dataset, localSchemas: otherDatasets });
    } catch (error) {
      throw new BigQueryApiError(400, 'invalidQuery', firstLine(error));
    }
    const jobId = `job_${randomUUID().replaceAll('-', '_')}`;
    const resultTable = `_results.${quoteIdent(jobId)}`;
    const connection: DuckDBConnection = await this.instance.connect();
    let schema: TableField[];
    let rows: number;
    try {
      await connection.run('CREATE SCHEMA IF NOT EXISTS _results');
      await connection.run(BIGQUERY_SESSION_SETUP);
      try {
        await connection.run(`CREATE TABLE ${resultTable} AS ${duckdbSql}`);
      } catch (error) {
        throw new BigQueryApiError(400, 'invalidQuery', firstLine(error));
      }
      const probe = await connection.runAndReadAll(`SELECT * FROM ${resultTable} LIMIT 0`);
      schema = probe.columnNames().map((name, k) => fieldOf(name, probe.columnTypes()[k]));
      const count = await connection.runAndReadAll(`SELECT count(*) FROM ${resultTable}`);
      rows = Number(count.getRowsJson()[0]?.[0] ?? 0);
    } finally {
      connection.closeSync();
    }
    const location = typeof body.location === 'string' ? body.location : this.datasets.get(dataset)?.location ?? 'US';
    const job: JobState = { id: jobId, location, configuration: { query: { query: sql, useLegacySql: false } }, state: 'DONE', created: Date.now(), result: { table: resultTable, schema, rows } };
    this.jobs.set(jobId, job);
    const params = new URLSearchParams();
    if (typeof body.maxResults === 'number') params.set('maxResults', String(body.maxResults));
    return this.queryPage(project, job, params);
  }

  /**
   * The tables a query names, checked as BigQuery checks them: the project is the request's, each dataset and
   * (outside `events_*`) each table exists. Names are `` `project.dataset.table` `` (backticks around all or parts)
   * or unquoted `dataset.table` after FROM or JOIN; dotted column paths (`device.web_info.browser`) are neither.
   * The export dataset (the one whose `events…` tables are read) goes to the translator as the source dataset;
   * tables of other datasets (the ground truth) become `dataset.table`, read directly from their local schema.
   */
  private resolveTables(project: string, sql: string, defaultDataset: string | undefined): { sql: string; eventsDataset?: string; otherDatasets: string[] } {
    const NAME = /`([^`\n]+)`|\b(FROM|JOIN)(\s+)([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_*-]+){1,2})\b\*?/gi;
    let eventsDataset: string | undefined;
    const others = new Set<string>();
    const rewritten = sql.replace(NAME, (match: string, quoted: string | undefined, keyword: string | undefined, space: string | undefined, bare: string | undefined) => {
      const name = quoted ?? bare ?? '';
      const parts = name.split('.');
      // A backticked single word is a quoted identifier (a column or alias), not a table name.
      if (parts.length < 2) return match;
      if (parts.length > 3) throw invalid(`Invalid table name: ${name}`);
      const [tableProject, datasetId, tableId] = parts.length === 3 ? parts : [project, parts[0], parts[1]];
      // Unquoted, `FROM x.y` may also be a field path (`EXTRACT(DATE FROM s.started)`): a table only if its dataset exists.
      if (quoted === undefined && (tableProject !== project || !this.datasets.has(datasetId ?? ''))) return match;
      if (tableProject !== project) throw notFound(`Project ${tableProject ?? ''} (the request is for ${project})`);
      const d = datasetId ?? defaultDataset ?? '';
      this.dataset(project, d);
      const table = tableId ?? '';
      if (/^events/i.test(table)) {
        if (eventsDataset !== undefined && eventsDataset !== d) throw invalid(`the stand-in reads the events of one dataset per query (${eventsDataset} and ${d})`);
        eventsDataset = d;
        return match;
      }
      this.table(project, d, table);
      others.add(d);
      const local = `\`${d}.${table}\``;
      return quoted !== undefined ? local : `${keyword ?? ''}${space ?? ' '}${local}`;
    });
    return { sql: rewritten, ...(eventsDataset === undefined ? {} : { eventsDataset }), otherDatasets: [...others] };
  }

  /** One page of a query's result, rows as `{f: [{v}]}`. */
  private async queryPage(project: string, job: JobState, params: URLSearchParams): Promise<unknown> {
    const result = job.result;
    if (!result) throw invalid(`Job ${project}:${job.id} is not a query`);
    const max = Number(params.get('maxResults') ?? this.options.pageRows ?? 10_000);
    const start = Number(params.get('pageToken') ?? params.get('startIndex') ?? 0);
    if (!Number.isInteger(max) || max < 1 || !Number.isInteger(start) || start < 0) throw invalid('Invalid maxResults or pageToken');
    const rows = await this.read(`SELECT * FROM ${result.table} ORDER BY rowid LIMIT ${max} OFFSET ${start}`);
    const answer: Record<string, unknown> = {
      kind: 'bigquery#getQueryResultsResponse',
      jobReference: { projectId: project, jobId: job.id, location: job.location },
      schema: { fields: result.schema },
      rows: rows.map((row) => ({ f: result.schema.map((f) => ({ v: encodeValue(row[f.name] ?? null, f) })) })),
      totalRows: String(result.rows),
      jobComplete: true,
      cacheHit: false,
    };
    if (start + rows.length < result.rows) answer.pageToken = String(start + rows.length);
    return answer;
  }
}

function statusOf(code: number): string {
  return code === 400 ? 'INVALID_ARGUMENT' : code === 403 ? 'PERMISSION_DENIED' : code === 404 ? 'NOT_FOUND' : code === 409 ? 'ALREADY_EXISTS' : code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(body: Buffer): Record<string, unknown> {
  if (body.length === 0) throw invalid('Parse error: the request has no body');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalid(`Parse error: ${firstLine(error)}`);
  }
  return record(value, 'the request body');
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`Required parameter is missing: ${what}`);
  return value;
}

function firstLine(error: unknown): string {
  const m = error instanceof Error ? error.message : String(error);
  return m.split('\n')[0] ?? m;
}

const SCALARS = new Set(['STRING', 'INTEGER', 'FLOAT', 'BOOLEAN']);

function checkFields(fields: readonly unknown[], prefix: string): TableField[] {
  return fields.map((raw) => {
    const f = record(raw, `schema field under ${prefix || 'the table'}`);
    const name = str(f.name, `${prefix}name`);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(name)) throw invalid(`Invalid field name "${prefix}${name}".`);
    const type = canonicalType(str(f.type, `${prefix}${name}.type`));
    const mode = f.mode === undefined ? undefined : str(f.mode, `${prefix}${name}.mode`).toUpperCase();
    if (mode !== undefined && !['NULLABLE', 'REQUIRED', 'REPEATED'].includes(mode)) throw invalid(`Invalid mode ${mode} for field ${prefix}${name}`);
    const out: TableField = { name, type, ...(mode === undefined ? {} : { mode }) };
    if (type === 'RECORD') {
      if (!Array.isArray(f.fields) || f.fields.length === 0) throw invalid(`Field ${prefix}${name} is type RECORD but has no schema`);
      out.fields = checkFields(f.fields as unknown[], `${prefix}${name}.`);
    } else if (!SCALARS.has(type)) {
      throw invalid(`Field ${prefix}${name}: type ${String(f.type)} is not one the stand-in stores (STRING, INTEGER, FLOAT, BOOLEAN, RECORD)`);
    }
    return out;
  });
}

/** The schema as tables.get answers it: canonical types and every mode given. */
function normalize(fields: readonly TableField[]): TableField[] {
  return fields.map((f) => ({ name: f.name, type: canonicalType(f.type), mode: f.mode ?? 'NULLABLE', ...(f.fields ? { fields: normalize(f.fields) } : {}) }));
}

function hasRepeated(fields: readonly TableField[]): boolean {
  return fields.some((f) => f.mode === 'REPEATED' || (f.fields !== undefined && hasRepeated(f.fields)));
}

/** read_json's `columns` argument for a schema. */
function jsonColumns(schema: readonly TableField[]): string {
  const tree = bqFields(schema);
  return `{${tree.map((f) => `${sqlString(f.name)}: ${sqlString(columnDefinitions([f]).slice(quoteIdent(f.name).length + 1))}`).join(', ')}}`;
}

/** What is wrong with a streamed row for this schema (unknown fields, wrong types), or undefined. */
function rowProblem(row: Record<string, unknown>, schema: readonly TableField[], prefix: string): string | undefined {
  const names = new Set(schema.map((f) => f.name));
  for (const key of Object.keys(row)) if (!names.has(key)) return `no such field: ${prefix}${key}.`;
  for (const f of schema) {
    const v = row[f.name];
    if (v === undefined || v === null) {
      if (f.mode === 'REQUIRED') return `Missing required field: ${prefix}${f.name}.`;
      continue;
    }
    const values = f.mode === 'REPEATED' ? (Array.isArray(v) ? (v as unknown[]) : null) : [v];
    if (values === null) return `Array specified for non-repeated field: ${prefix}${f.name}.`;
    for (const x of values) {
      if (f.type === 'RECORD') {
        if (x === null || typeof x !== 'object' || Array.isArray(x)) return `This field: ${prefix}${f.name} is not a record.`;
        const inner = rowProblem(x as Record<string, unknown>, f.fields ?? [], `${prefix}${f.name}.`);
        if (inner) return inner;
      } else if (f.type === 'INTEGER' && !(typeof x === 'number' ? Number.isInteger(x) : typeof x === 'string' && /^-?\d+$/.test(x))) {
        return `Cannot convert value to integer: ${prefix}${f.name}.`;
      } else if (f.type === 'FLOAT' && typeof x !== 'number' && !(typeof x === 'string' && Number.isFinite(Number(x)))) {
        return `Cannot convert value to floating point: ${prefix}${f.name}.`;
      } else if (f.type === 'BOOLEAN' && typeof x !== 'boolean') {
        return `Cannot convert value to boolean: ${prefix}${f.name}.`;
      } else if (f.type === 'STRING' && typeof x !== 'string') {
        return `Cannot convert value to string: ${prefix}${f.name}.`;
      }
    }
  }
  return undefined;
}

/** The BigQuery field of a DuckDB result column. */
function fieldOf(name: string, type: DuckDBType | undefined): TableField {
  if (type instanceof DuckDBListType) return { ...fieldOf(name, type.valueType), mode: 'REPEATED' };
  if (type instanceof DuckDBStructType) {
    return { name, type: 'RECORD', mode: 'NULLABLE', fields: type.entryNames.map((n, k) => fieldOf(n, type.entryTypes[k])) };
  }
  switch (type?.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { name, type: 'BOOLEAN', mode: 'NULLABLE' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return { name, type: 'INTEGER', mode: 'NULLABLE' };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return { name, type: 'FLOAT', mode: 'NULLABLE' };
    case DuckDBTypeId.DATE:
      return { name, type: 'DATE', mode: 'NULLABLE' };
    default:
      return { name, type: 'STRING', mode: 'NULLABLE' };
  }
}

/** A value in the REST row form: scalars as strings, RECORD as `{f: [...]}`, REPEATED as `[{v}]`. */
function encodeValue(value: JsonValue, field: TableField): unknown {
  if (value === null) return null;
  if (field.mode === 'REPEATED') {
    const list = Array.isArray(value) ? value : [];
    return list.map((x) => ({ v: encodeValue(x, { ...field, mode: 'NULLABLE' }) }));
  }
  if (field.type === 'RECORD') {
    const obj = typeof value === 'object' && !Array.isArray(value) ? value : {};
    return { f: (field.fields ?? []).map((f) => ({ v: encodeValue(obj[f.name] ?? null, f) })) };
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The destination table of a multipart load, if the body can be read that far. */
function loadTableOf(body: Buffer, contentType: string): string | undefined {
  try {
    const meta = multipart(body, contentType)[0];
    const job = meta ? (JSON.parse(meta.body.toString('utf8')) as { configuration?: { load?: { destinationTable?: { tableId?: unknown } } } }) : undefined;
    const id = job?.configuration?.load?.destinationTable?.tableId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Parts of a `multipart/related` body: each part's Content-Type and bytes. */
function multipart(body: Buffer, contentType: string): { type: string; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!contentType.toLowerCase().startsWith('multipart/related') || !boundary) {
    throw invalid(`a multipart upload needs Content-Type multipart/related with a boundary, got "${contentType}"`);
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { type: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) throw invalid('a multipart part has no header block');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? '';
    // The part ends with the CRLF that precedes the next delimiter.
    let end = part.length;
    if (part[end - 2] === 0x0d && part[end - 1] === 0x0a) end -= 2;
    parts.push({ type, body: part.subarray(headerEnd + 4, end) });
    at = next;
  }
  return parts;
}
