/**
 * Places named in questions and claims. A question that names a city is about that city's
 * documents; a figure from another city's document is not an answer to it.
 */
export function parseCityList(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .flatMap((l) => l.split(/\s+/))
    .filter(Boolean);
}

export class Gazetteer {
  private readonly names: string[];

  constructor(cities: Iterable<string>) {
    // Longest first, so 石家庄 is found before 家 could match anything shorter.
    this.names = [...new Set(cities)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  }

  /** City names mentioned in `text` (normalized, simplified), in order of appearance. */
  citiesIn(text: string): string[] {
    const found: Array<{ name: string; at: number }> = [];
    let masked = text;
    for (const name of this.names) {
      let at = masked.indexOf(name);
      while (at >= 0) {
        found.push({ name, at });
        masked = masked.slice(0, at) + '\u0000'.repeat(name.length) + masked.slice(at + name.length);
        at = masked.indexOf(name, at + name.length);
      }
    }
    return [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.name))];
  }
}
