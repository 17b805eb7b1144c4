/**
 * Viewports and user agents for the device a persona shops on; the collector derives device.category from the UA.
 * Every page renders at device pixel ratio 1: the CSS viewport, touch and user agent are what the store and the
 * data see, while a ratio of 2 only multiplies the pixels painted and composited (it cost the runner ~8 % of a
 * session's CPU, all processes), like the images the runner does not decode.
 */
import type { Device } from '../simulator/personas';

export interface DeviceProfile {
  viewport: { width: number; height: number; deviceScaleFactor: number; isMobile: boolean; hasTouch: boolean };
  userAgent: string;
}

const CHROME = '139.0.0.0';

export const DEVICE_PROFILES: Record<Device, DeviceProfile> = {
  desktop: {
    viewport: { width: 1366, height: 768, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
    userAgent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME} Safari/537.36`,
  },
  mobile: {
    viewport: { width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
    userAgent: `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME} Mobile Safari/537.36`,
  },
  tablet: {
    viewport: { width: 820, height: 1180, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
    userAgent: `Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME} Safari/537.36`,
  },
};
