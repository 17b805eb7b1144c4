/**
 * Viewports and user agents for the device a persona shops on; the collector derives device.category from the UA.
 * Every page renders at device pixel ratio 1: the CSS viewport, touch and user agent are what the store and the
 * data see, while a ratio of 2 only multiplies the pixels painted and composited (a cost docs/runner.md
 * measures), like the images the runner does not decode.
 */
import type { Device } from '../simulator/personas';

/**
 * The zoom at which the runner's pages draw, as DevTools' device mode zooms a page to fit its window
 * (`Emulation.setDeviceMetricsOverride`'s `scale`). The page lays out, scrolls, fires scroll and intersection
 * events and reports its viewport, screen and pixel ratio exactly as its device would; only the pixels that
 * Chromium rasterizes and composites shrink, to 1/20 of the width and height. Nobody looks at them, and
 * drawing them was about a tenth of a session's CPU (the GPU process's share halved; bench/runner.bench.ts).
 */
export const RENDER_SCALE = 0.05;

/** The parameters of `Emulation.setDeviceMetricsOverride` that the runner sets. */
export interface ScaledMetrics {
  width: number;
  height: number;
  deviceScaleFactor: number;
  mobile: boolean;
  screenOrientation: { angle: number; type: 'portraitPrimary' | 'landscapePrimary' };
  screenWidth: number;
  screenHeight: number;
  scale: number;
}

/**
 * What `screen.width` × `screen.height` report, and so GA4's screen_resolution: the viewport's size, as Playwright
 * emulates it. Both drivers set it: without it a Puppeteer page reports Chromium's default 800×600 screen whatever
 * its viewport, and the same run gave different data with each driver.
 */
export function deviceScreen(device: DeviceProfile): { width: number; height: number } {
  return { width: device.viewport.width, height: device.viewport.height };
}

/**
 * The `Emulation.setDeviceMetricsOverride` parameters of a device at RENDER_SCALE, with the device's screen
 * (landscape when wider than tall, as Playwright orients it), so that both drivers show a page the same screen.
 */
export function scaledMetrics(device: DeviceProfile): ScaledMetrics {
  const { width, height, deviceScaleFactor, isMobile } = device.viewport;
  const screen = deviceScreen(device);
  return {
    width,
    height,
    deviceScaleFactor,
    mobile: isMobile,
    screenOrientation: screen.width > screen.height ? { angle: 90, type: 'landscapePrimary' } : { angle: 0, type: 'portraitPrimary' },
    screenWidth: screen.width,
    screenHeight: screen.height,
    scale: RENDER_SCALE,
  };
}

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
