/** The page objects the engine acts on, passed in rather than read from globals so the core runs under test. */
export interface PageEnv {
  win: Window & typeof globalThis;
  doc: Document;
  /** Called with each element about to be clicked (the engine's visible cursor); errors are ignored. */
  onPointer?: (el: Element) => void;
  /** Real ms spent waiting for the store (renders, route changes), summed by waitFor when present. */
  timing?: { storeWaitMs: number };
}

export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}
