/**
 * The one interface the runner drives a browser through, so that Puppeteer and Playwright run the same runner
 * and pass the same tests. Everything crossing into the page is a string expression: functions serialized by
 * either library break under loaders that rewrite them (tsx adds `__name` helpers).
 */
import type { DeviceProfile } from '../devices';

export const DRIVER_NAMES = ['puppeteer', 'playwright'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

/**
 * Both libraries by default kill the browser on SIGINT/SIGTERM/SIGHUP (Puppeteer then exits the process). The
 * runner owns shutdown: on Ctrl-C it stops taking sessions, journals what finished and prints its summary.
 */
export const OWN_SIGNALS = { handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false } as const;

export interface LaunchOptions {
  executablePath: string;
  /** The executable is a Chromium headless shell (see headless/chromium.ts). */
  shell?: boolean;
  args: readonly string[];
}

export interface BrowserDriver {
  readonly name: DriverName;
  launch(opts: LaunchOptions): Promise<DriverBrowser>;
}

export interface DriverBrowser {
  /**
   * A page in its own browser context (own cookies and storage), emulating `device`, drawn at RENDER_SCALE;
   * `saveData` turns the browser's data saver on (see RunOptions.saveData).
   */
  newPage(device: DeviceProfile, opts?: { saveData?: boolean }): Promise<DriverPage>;
  /** False once the browser process has gone away. */
  connected(): boolean;
  /** OS process id of the browser, for memory sampling. */
  pid(): number | undefined;
  close(): Promise<void>;
}

export interface DriverPage {
  /** Replaces the script run before any of the page's own scripts on every new document of this page. */
  setInitScript(source: string): Promise<void>;
  /** Navigates and resolves once the new document's DOMContentLoaded has fired. */
  goto(url: string, timeoutMs: number): Promise<void>;
  /** Evaluates a string expression in the page; a promise is awaited; the value comes back JSON-cloned. */
  evaluate<T>(expression: string): Promise<T>;
  /**
   * Installs `window[name]` on every document of this page, forwarding its first argument to `handler` in Node;
   * it survives full page loads, unlike an evaluate's promise.
   */
  expose(name: string, handler: (value: unknown) => void): Promise<void>;
  /** Resolves with a reason when the page crashed or was closed; never rejects. */
  readonly broken: Promise<string>;
  /** Kills the page's renderer (for recovery tests and fault drills). */
  crash(): Promise<void>;
  close(): Promise<void>;
}

/** The first line of an error, which is what a journal or a summary can show. */
export function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}
