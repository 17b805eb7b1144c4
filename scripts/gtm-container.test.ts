import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as events from '../ga4/events';
import { buildContainer, CONTAINER_PATH, type GtmContainer } from './gtm-container';

const root = join(import.meta.dirname, '..');
/** Functions of ga4/events.ts that build no event. */
const HELPERS = new Set(['roundMoney', 'itemsValue', 'isEcommercePush']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * The events the store can push, read from its source: every `events.<builder>(` call in src/, mapped to the
 * event the builder returns. A builder call the mapping does not know fails the test, so a new event added
 * to the store cannot slip past without a tag.
 */
function eventsPushedByStore(): Set<string> {
  const known = new Set<string>([...events.ECOMMERCE_EVENTS, ...events.PLAIN_EVENTS]);
  const out = new Set<string>();
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bevents\.([A-Za-z0-9_]+)\(/g)) {
      const builder = m[1]!;
      if (HELPERS.has(builder)) continue;
      const name = builder.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (!known.has(name)) throw new Error(`${file} calls events.${builder}(), which builds no known GA4 event`);
      out.add(name);
    }
  }
  return out;
}

function triggerEvents(c: GtmContainer): Map<string, string> {
  const byId = new Map<string, string>();
  for (const t of c.containerVersion.trigger) {
    expect(t.type).toBe('CUSTOM_EVENT');
    const arg1 = t.customEventFilter[0]?.parameter.find((p) => p.key === 'arg1');
    if (arg1 && 'value' in arg1) byId.set(t.triggerId, arg1.value);
  }
  return byId;
}

describe('GTM container', () => {
  const committed = JSON.parse(readFileSync(CONTAINER_PATH, 'utf8')) as GtmContainer;

  it('is what scripts/gtm-container.ts generates (regenerate it after changing the events)', () => {
    expect(committed).toEqual(buildContainer());
  });

  it('has a custom-event trigger and a GA4 event tag for exactly the events the store pushes', () => {
    const pushed = eventsPushedByStore();
    const triggers = triggerEvents(committed);
    const tags = committed.containerVersion.tag.filter((t) => t.type === 'gaawe');
    const tagged = tags.map((t) => {
      const name = t.parameter.find((p) => p.key === 'eventName');
      const fired = t.firingTriggerId.map((id) => triggers.get(id));
      const eventName = name && 'value' in name ? name.value : '';
      // Each tag fires on its own event's trigger only.
      expect(fired, `${t.name} firing triggers`).toEqual([eventName]);
      return eventName;
    });
    expect(new Set(triggers.values())).toEqual(pushed);
    expect(new Set(tagged)).toEqual(pushed);
    expect(tagged).toHaveLength(pushed.size);
  });

  it('covers every GA4 recommended ecommerce event of the reference, as the issue requires', () => {
    expect(eventsPushedByStore()).toEqual(new Set([...events.ECOMMERCE_EVENTS, ...events.PLAIN_EVENTS]));
  });

  it('sends the ecommerce object for ecommerce events and the top-level params for the others', () => {
    for (const tag of committed.containerVersion.tag.filter((t) => t.type === 'gaawe')) {
      const get = (key: string): string | undefined => {
        const p = tag.parameter.find((x) => x.key === key);
        return p && 'value' in p ? p.value : undefined;
      };
      const event = get('eventName') ?? '';
      const ecommerce = (events.ECOMMERCE_EVENTS as readonly string[]).includes(event);
      expect(get('sendEcommerceData'), event).toBe(ecommerce ? 'true' : 'false');
      if (!ecommerce) expect(JSON.stringify(tag.parameter), event).toContain('{{DLV - ');
    }
    const google = committed.containerVersion.tag.find((t) => t.type === 'googtag');
    expect(JSON.stringify(google?.parameter)).toContain('{{DLV - user_id}}');
  });
});
