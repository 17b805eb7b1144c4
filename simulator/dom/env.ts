/** The page objects the engine acts on, passed in rather than read from globals so the core runs under test. */
export interface PageEnv {
  win: Window & typeof globalThis;
  doc: Document;
}

export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}
