/**
 * Viewports and user agents for the device a persona shops on; the collector derives device.category from the UA.
 * Every page renders at device pixel ratio 1: the CSS viewport, touch and user agent are what the store and the
 * data see, while a ratio of 2 only multiplies the pixels painted and composited (it cost the runner ~8 % of a
 * session's CPU, all processes), like the images the runner does not decode.
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
  screenWidth?: number;
  screenHeight?: number;
  scale: number;
}

/**
 * The `Emulation.setDeviceMetricsOverride` parameters of a device at RENDER_SCALE. The screen size and orientation
 * stay what the driver's own emulation makes them: Playwright passes `screen` (its screen is the viewport,
 * landscape when wider than tall), Puppeteer passes none (Chromium's default screen, portrait).
 */
export function scaledMetrics(device: DeviceProfile, screen?: { width: number; height: number }): ScaledMetrics {
  const { width, height, deviceScaleFactor, isMobile } = device.viewport;
  return {
    width,
    height,
    deviceScaleFactor,
    mobile: isMobile,
    screenOrientation: screen && screen.width > screen.height ? { angle: 90, type: 'landscapePrimary' } : { angle: 0, type: 'portraitPrimary' },
    ...(screen ? { screenWidth: screen.width, screenHeight: screen.height } : {}),
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
