/** The part of cli-progress (no bundled types; @types/cli-progress is not installed) that the CLIs use. */
declare module 'cli-progress' {
  interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
  }
  interface Preset {
    barCompleteChar: string;
    barIncompleteChar: string;
  }
  class SingleBar {
    constructor(opts: Options, preset?: Preset);
    start(total: number, startValue: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    stop(): void;
  }
  const Presets: { shades_classic: Preset; shades_grey: Preset; legacy: Preset; rect: Preset };
  const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export { SingleBar, Presets, Options, Preset };
  export default cliProgress;
}
