/**
 * Long sections are indexed as passages: each gets its own vector, so one long section does not
 * match every query (max pooling saturates over many tokens), and a hit's stored text stays short.
 * Shared by `splade-web build` and the widget's page source.
 */

/** Characters per indexed passage at most. */
export const PASSAGE_CHARS = 1500;

/**
 * `text` cut into passages of at most `max` characters: at the last sentence end (". ", "! ", "? ")
 * in the second half of the room, else the last space, else hard. Text without need is one passage.
 */
export function passagesOf(text: string, max: number = PASSAGE_CHARS): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const room = rest.slice(0, max);
    let cut = Math.max(room.lastIndexOf('. '), room.lastIndexOf('! '), room.lastIndexOf('? '));
    cut = cut >= max / 2 ? cut + 1 : room.lastIndexOf(' ');
    if (cut < max / 4) cut = max - (/[\ud800-\udbff]/.test(rest[max - 1]!) ? 1 : 0); // never split a surrogate pair
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim() || out.length === 0) out.push(rest);
  return out;
}
