import type { Engine, Passage } from '../engine';

export interface AskOptions {
  topK?: number;
}

export interface GroundingReport {
  checkedFigures: number;
  removed: string[];
  fallbackReason: string | null;
}

export interface AskResponse {
  answer: string;
  mode: 'extractive' | 'llm';
  abstained: boolean;
  citations: Passage[];
  question?: string;
  rewrittenQuestion?: string;
  grounding?: GroundingReport;
  fallbackReason?: string;
  /** The LLM stopped part-way (timeout, dropped connection) after checked sentences had been streamed: they stand. */
  interrupted?: string;
  /** With an LLM configured: the model asked, the prompt set's hash, the time spent, how a follow-up was rewritten. */
  llm?: { model: string; promptHash: string; ms: number; rewrite?: 'llm' | 'offline' };
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface AskRequest {
  question: string;
  topK: number;
  history: ChatTurn[];
}

/** Hooks for streaming: citations as soon as they are known, then answer text as it comes. */
export interface AskStream {
  onCitations?(citations: Passage[]): void;
  onDelta?(text: string): void;
}

/** Answers a question from the engine's documents. The extractive answerer is the default. */
export interface Answerer {
  readonly id: string;
  ask(engine: Engine, req: AskRequest, stream?: AskStream, signal?: AbortSignal): Promise<AskResponse>;
}
