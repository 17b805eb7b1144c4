/**
 * The BigQuery table schemas of the GA4 export, as the BigQuery REST API spells them (`TableFieldSchema`: name,
 * type, mode, fields). The events schema is derived from EXPORT_SCHEMA (ga4/export-schema.ts, the project's one
 * definition); the user-data table, which the warehouse does not store, is defined here in the same tree form.
 * Types use the names BigQuery returns from tables.get and Google's GA4 schema pages use (INTEGER, FLOAT, BOOLEAN),
 * which the API treats as the same types as INT64, FLOAT64, BOOL.
 */
import { EXPORT_SCHEMA, type BqField } from '../ga4/export-schema';

/** One field of a BigQuery table schema as the REST API carries it. */
export interface TableField {
  name: string;
  type: string;
  mode?: string;
  fields?: TableField[];
}

const LEGACY_TYPE: Record<string, string> = {
  INT64: 'INTEGER',
  INTEGER: 'INTEGER',
  FLOAT64: 'FLOAT',
  FLOAT: 'FLOAT',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  STRUCT: 'RECORD',
  RECORD: 'RECORD',
  STRING: 'STRING',
};

/** BigQuery's canonical name of a type (tables.get answers INTEGER for a column created as INT64). */
export function canonicalType(type: string): string {
  const upper = type.toUpperCase();
  return LEGACY_TYPE[upper] ?? upper;
}

/** The REST schema of a tree of BqFields, every mode spelled out (BigQuery's default mode is NULLABLE). */
export function tableSchema(fields: readonly BqField[]): TableField[] {
  return fields.map((f) => {
    const out: TableField = { name: f.name, type: canonicalType(f.type), mode: f.mode ?? 'NULLABLE' };
    if (f.fields) out.fields = tableSchema(f.fields);
    return out;
  });
}

/** `events_YYYYMMDD` and `events_intraday_YYYYMMDD`. */
export const EVENTS_TABLE_SCHEMA: readonly TableField[] = tableSchema(EXPORT_SCHEMA);

const s = (name: string): BqField => ({ name, type: 'STRING' });
const i = (name: string): BqField => ({ name, type: 'INT64' });
const f = (name: string): BqField => ({ name, type: 'FLOAT64' });
const b = (name: string): BqField => ({ name, type: 'BOOL' });
const rec = (name: string, fields: readonly BqField[]): BqField => ({ name, type: 'RECORD', fields });
const rep = (name: string, fields: readonly BqField[]): BqField => ({ name, type: 'RECORD', mode: 'REPEATED', fields });

/**
 * `pseudonymous_users_YYYYMMDD`: one row per pseudonymous id whose data changed that day, as Google's "BigQuery
 * Export user-data schema" page lists it (stream_id is INTEGER there, unlike the events table's STRING).
 */
export const PSEUDONYMOUS_USERS_SCHEMA: readonly BqField[] = [
  s('pseudo_user_id'),
  i('stream_id'),
  rep('user_properties', [s('key'), rec('value', [s('string_value'), i('set_timestamp_micros'), s('user_property_name')])]),
  rep('audiences', [i('id'), s('name'), i('membership_start_timestamp_micros'), i('membership_expiry_timestamp_micros'), b('npa')]),
  rec('user_info', [i('last_active_timestamp_micros'), i('user_first_touch_timestamp_micros'), s('first_purchase_date')]),
  rec('device', [s('operating_system'), s('category'), s('mobile_brand_name'), s('mobile_model_name'), s('unified_screen_name')]),
  rec('geo', [s('city'), s('country'), s('continent'), s('region')]),
  rec('user_ltv', [f('revenue_in_usd'), i('sessions'), i('engagement_time_millis'), i('purchases'), i('engaged_sessions'), i('session_duration_micros')]),
  rec('predictions', [f('in_app_purchase_score_7d'), f('purchase_score_7d'), f('churn_score_7d'), f('revenue_28d_in_usd')]),
  rec('privacy_info', [s('is_limited_ad_tracking'), s('is_ads_personalization_allowed')]),
  s('occurrence_date'),
  s('last_updated_date'),
];

export const PSEUDONYMOUS_USERS_TABLE_SCHEMA: readonly TableField[] = tableSchema(PSEUDONYMOUS_USERS_SCHEMA);

/** The GA4 schema a table of this name must have, or undefined for tables GA4 does not define. */
export function ga4SchemaFor(tableId: string): readonly TableField[] | undefined {
  if (/^events_(intraday_)?\d{8}$/.test(tableId)) return EVENTS_TABLE_SCHEMA;
  if (/^pseudonymous_users_\d{8}$/.test(tableId)) return PSEUDONYMOUS_USERS_TABLE_SCHEMA;
  return undefined;
}

/**
 * The first difference between a schema sent and the one expected, as a sentence naming the field path
 * (`items.item_params.value.int_value: type FLOAT, expected INTEGER`), or undefined when they are equal. Types
 * compare by BigQuery's canonical names and a missing mode counts as NULLABLE, as BigQuery itself reads them.
 */
export function schemaDifference(sent: readonly TableField[], expected: readonly TableField[], prefix = ''): string | undefined {
  for (let k = 0; k < Math.max(sent.length, expected.length); k++) {
    const a = sent[k];
    const e = expected[k];
    if (a === undefined) return `field ${prefix}${e?.name ?? '?'} is missing (expected at position ${k + 1})`;
    if (e === undefined) return `field ${prefix}${a.name} is not in GA4's schema`;
    const path = `${prefix}${e.name}`;
    if (a.name !== e.name) return `field ${k + 1} of ${prefix || 'the table'} is ${prefix}${a.name}, expected ${path}`;
    if (canonicalType(a.type) !== canonicalType(e.type)) return `${path}: type ${a.type}, expected ${e.type}`;
    const mode = (a.mode ?? 'NULLABLE').toUpperCase();
    if (mode !== (e.mode ?? 'NULLABLE')) return `${path}: mode ${mode}, expected ${e.mode ?? 'NULLABLE'}`;
    if (e.fields || a.fields) {
      const inner = schemaDifference(a.fields ?? [], e.fields ?? [], `${path}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** A REST schema back in the project's tree form (for DuckDB column types). */
export function bqFields(fields: readonly TableField[]): BqField[] {
  return fields.map((f) => {
    const type = canonicalType(f.type);
    const tree: BqField = {
      name: f.name,
      type: type === 'INTEGER' ? 'INT64' : type === 'FLOAT' ? 'FLOAT64' : type === 'BOOLEAN' ? 'BOOL' : type === 'RECORD' ? 'RECORD' : 'STRING',
    };
    if ((f.mode ?? 'NULLABLE').toUpperCase() === 'REPEATED') tree.mode = 'REPEATED';
    if (f.fields) tree.fields = bqFields(f.fields);
    return tree;
  });
}
