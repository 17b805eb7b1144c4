/** One printed benchmark figure: `name: value unit`. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export interface BenchModule {
  run(): Promise<Figure[]>;
}
