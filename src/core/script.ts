/**
 * Script conversion (traditional ⇄ simplified) with opencc-js, and detection of which
 * script a question is written in, so answers come back in the asker's script.
 */
import * as OpenCC from 'opencc-js';

export type Script = 'simplified' | 'traditional' | 'mixed' | 'none';

// 'tw' → 'cn' covers standard traditional plus Taiwan variants (著→着 where mainland usage wants it).
// Converters are built on first use: the s→t tables alone take ~40 MB, and only traditional
// questions need them (the Worker has 128 MB).
let toSimplifiedFn: ((s: string) => string) | undefined;
let toTraditionalFn: ((s: string) => string) | undefined;

export function traditionalToSimplified(text: string): string {
  toSimplifiedFn ??= OpenCC.Converter({ from: 'tw', to: 'cn' });
  return toSimplifiedFn(text);
}

export function simplifiedToTraditional(text: string): string {
  toTraditionalFn ??= OpenCC.Converter({ from: 'cn', to: 'tw' });
  return toTraditionalFn(text);
}

const CJK = /[\u3400-\u9fff]/;

/**
 * Traditional when t→s conversion changes its characters; simplified otherwise. Only the t→s
 * tables are needed: a text none of whose characters are traditional-only reads as simplified.
 * A question is short and shares most characters with simplified (邢台市完成食品抽檢…): one
 * traditional-only character makes it traditional. A long document with a few stray variants
 * (現埸 in a simplified speech) stays simplified.
 */
export function detectScript(text: string): Script {
  if (!CJK.test(text)) return 'none';
  const simplified = traditionalToSimplified(text);
  let tradOnly = 0;
  let cjk = 0;
  for (let i = 0; i < text.length && i < simplified.length; i++) {
    if (CJK.test(text[i])) cjk++;
    if (simplified[i] !== text[i]) tradOnly++;
  }
  if (tradOnly === 0) return 'simplified';
  if (cjk < 40) return 'traditional';
  const ratio = tradOnly / cjk;
  return ratio >= 0.1 ? 'traditional' : ratio <= 0.02 ? 'simplified' : 'mixed';
}
