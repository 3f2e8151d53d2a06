/**
 * Script conversion (traditional ⇄ simplified) with opencc-js, and detection of which
 * script a question is written in, so answers come back in the asker's script.
 */
import * as OpenCC from 'opencc-js';

// 'tw' → 'cn' covers standard traditional plus Taiwan variants (著→着 where mainland usage wants it).
const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });

export type Script = 'simplified' | 'traditional' | 'mixed' | 'none';

export function traditionalToSimplified(text: string): string {
  return toSimplified(text);
}

export function simplifiedToTraditional(text: string): string {
  return toTraditional(text);
}

/**
 * Counts characters that only one script uses: a character that changes under t→s is
 * traditional-only; one that changes under s→t (and not back) is simplified-only.
 */
export function detectScript(text: string): Script {
  const simplified = toSimplified(text);
  const traditional = toTraditional(text);
  let tradOnly = 0;
  let simpOnly = 0;
  for (let i = 0; i < text.length && i < simplified.length && i < traditional.length; i++) {
    if (simplified[i] !== text[i]) tradOnly++;
    else if (traditional[i] !== text[i]) simpOnly++;
  }
  if (tradOnly === 0 && simpOnly === 0) return /[\u4e00-\u9fff]/.test(text) ? 'simplified' : 'none';
  if (tradOnly > 0 && simpOnly === 0) return 'traditional';
  if (simpOnly > 0 && tradOnly === 0) return 'simplified';
  return tradOnly > simpOnly * 2 ? 'traditional' : simpOnly > tradOnly * 2 ? 'simplified' : 'mixed';
}
