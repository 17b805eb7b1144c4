/**
 * Writes gtm/shoplab-container.json: a Google Tag Manager container export (GTM → Admin → Import container)
 * with a Google tag carrying user_id, and for every event the store pushes (ga4/events.ts) a custom-event
 * trigger and a GA4 event tag that forwards the dataLayer's ecommerce object (docs/gtm.md walks through it).
 *
 * Deterministic, so the committed file only changes when the event list does. Run: `npx tsx scripts/gtm-container.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECOMMERCE_EVENTS, PLAIN_EVENTS } from '../ga4/events';

/** Top-level dataLayer keys of the non-ecommerce events, sent as event parameters. */
const PLAIN_PARAMS: Record<(typeof PLAIN_EVENTS)[number], string[]> = {
  search: ['search_term'],
  login: ['method'],
  sign_up: ['method'],
};

/** GTM's built-in "Initialization - All Pages" trigger: the Google tag must load before any event tag. */
const INITIALIZATION_TRIGGER = '2147479573';
const IDS = { accountId: '0', containerId: '0' } as const;

type Param =
  | { type: 'TEMPLATE' | 'BOOLEAN' | 'INTEGER'; key: string; value: string }
  | { type: 'LIST'; key: string; list: { type: 'MAP'; map: { type: 'TEMPLATE'; key: string; value: string }[] }[] };

const template = (key: string, value: string): Param => ({ type: 'TEMPLATE', key, value });
const settingsTable = (key: string, nameKey: string, valueKey: string, rows: [string, string][]): Param => ({
  type: 'LIST',
  key,
  list: rows.map(([name, value]) => ({ type: 'MAP', map: [{ type: 'TEMPLATE', key: nameKey, value: name }, { type: 'TEMPLATE', key: valueKey, value }] })),
});
const dlv = (name: string): string => `{{DLV - ${name}}}`;

export interface GtmContainer {
  exportFormatVersion: number;
  exportTime: string;
  containerVersion: {
    tag: { name: string; type: string; tagId: string; parameter: Param[]; firingTriggerId: string[] }[];
    trigger: { name: string; type: string; triggerId: string; customEventFilter: { type: string; parameter: Param[] }[] }[];
    variable: { name: string; type: string; variableId: string; parameter: Param[] }[];
    [key: string]: unknown;
  };
}

export function buildContainer(): GtmContainer {
  const events = [...ECOMMERCE_EVENTS, ...PLAIN_EVENTS];
  const dataLayerVars = ['user_id', ...new Set(Object.values(PLAIN_PARAMS).flat())];
  let nextId = 1;
  const id = (): string => String(nextId++);

  const variable = [
    { ...IDS, variableId: id(), name: 'GA4 Measurement ID', type: 'c', parameter: [template('value', 'G-XXXXXXXXXX')] },
    ...dataLayerVars.map((name) => ({
      ...IDS,
      variableId: id(),
      name: `DLV - ${name}`,
      type: 'v',
      parameter: [{ type: 'INTEGER' as const, key: 'dataLayerVersion', value: '2' }, { type: 'BOOLEAN' as const, key: 'setDefaultValue', value: 'false' }, template('name', name)],
    })),
  ];

  const trigger = events.map((event) => ({
    ...IDS,
    triggerId: id(),
    name: `CE - ${event}`,
    type: 'CUSTOM_EVENT',
    customEventFilter: [{ type: 'EQUALS', parameter: [template('arg0', '{{_event}}'), template('arg1', event)] }],
  }));

  const googleTag = {
    ...IDS,
    tagId: id(),
    name: 'Google tag - GA4',
    type: 'googtag',
    parameter: [template('tagId', '{{GA4 Measurement ID}}'), settingsTable('configSettingsTable', 'parameter', 'parameterValue', [['user_id', dlv('user_id')]])],
    firingTriggerId: [INITIALIZATION_TRIGGER],
    tagFiringOption: 'ONCE_PER_EVENT',
  };

  const eventTags = events.map((event, i) => {
    const plain = (PLAIN_PARAMS as Record<string, string[] | undefined>)[event];
    const parameter: Param[] = [
      template('eventName', event),
      template('measurementIdOverride', '{{GA4 Measurement ID}}'),
      { type: 'BOOLEAN', key: 'sendEcommerceData', value: plain ? 'false' : 'true' },
    ];
    if (!plain) parameter.push(template('getEcommerceDataFrom', 'dataLayer'));
    else parameter.push(settingsTable('eventSettingsTable', 'parameter', 'parameterValue', plain.map((p) => [p, dlv(p)])));
    return {
      ...IDS,
      tagId: id(),
      name: `GA4 event - ${event}`,
      type: 'gaawe',
      parameter,
      firingTriggerId: [trigger[i]!.triggerId],
      tagFiringOption: 'ONCE_PER_EVENT',
    };
  });

  return {
    exportFormatVersion: 2,
    exportTime: '2026-01-01 00:00:00',
    containerVersion: {
      path: 'accounts/0/containers/0/versions/0',
      ...IDS,
      containerVersionId: '0',
      container: { path: 'accounts/0/containers/0', ...IDS, name: 'ShopLab', publicId: 'GTM-XXXXXXX', usageContext: ['WEB'] },
      tag: [googleTag, ...eventTags],
      trigger,
      variable,
      builtInVariable: [
        { ...IDS, type: 'EVENT', name: 'Event' },
        { ...IDS, type: 'PAGE_URL', name: 'Page URL' },
      ],
    },
  };
}

export const CONTAINER_PATH = join(import.meta.dirname, '..', 'gtm', 'shoplab-container.json');

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeFileSync(CONTAINER_PATH, JSON.stringify(buildContainer(), null, 2) + '\n');
  console.log(`wrote ${CONTAINER_PATH}`);
}
