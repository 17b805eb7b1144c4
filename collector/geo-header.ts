/**
 * Geo without external lookups, for senders that cannot put `user_location` in the body (third-party clients):
 * a header `x-shoplab-geo: <country>[-<region>]` (ISO 3166-1 / 3166-2, e.g. `US-CA`) that the collector turns
 * into an MP `user_location`. ShopLab's own runner puts the shopper's location on the simulator hook instead, and
 * the tag sends it in the body. A `user_location` in the body wins over the header.
 */

import type { MpUserLocation } from '../ga4/measurement-protocol';

export const GEO_HEADER = 'x-shoplab-geo';

/** Country → UN M49 [continent, sub-continent], for the countries personas and tests use. */
const COUNTRY_REGIONS: Readonly<Record<string, readonly [string, string]>> = {
  US: ['019', '021'],
  CA: ['019', '021'],
  MX: ['019', '013'],
  BR: ['019', '005'],
  AR: ['019', '005'],
  GB: ['150', '154'],
  IE: ['150', '154'],
  SE: ['150', '154'],
  DE: ['150', '155'],
  FR: ['150', '155'],
  NL: ['150', '155'],
  ES: ['150', '039'],
  IT: ['150', '039'],
  PL: ['150', '151'],
  IN: ['142', '034'],
  JP: ['142', '030'],
  CN: ['142', '030'],
  KR: ['142', '030'],
  SG: ['142', '035'],
  AU: ['009', '053'],
  NZ: ['009', '053'],
  ZA: ['002', '018'],
  NG: ['002', '011'],
  EG: ['002', '015'],
};

/** Parses the header; null when absent or not of the form `CC` or `CC-RRR`. */
export function locationFromGeoHeader(header: string | string[] | undefined): MpUserLocation | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/.exec(value.trim().toUpperCase()) : null;
  if (!match?.[1]) return null;
  const country = match[1];
  const regions = COUNTRY_REGIONS[country];
  const location: MpUserLocation = { country_id: country };
  if (match[2]) location.region_id = `${country}-${match[2]}`;
  if (regions) {
    location.continent_id = regions[0];
    location.subcontinent_id = regions[1];
  }
  return location;
}
