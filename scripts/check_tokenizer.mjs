// Compares @huggingface/tokenizers (the JS library the app uses) with reference ids.
// Usage: node scripts/check_tokenizer.mjs <tokenizer folder> <cases.json> <out.json>
// cases.json: [{"text": "...", "ids": [...]}]  (ids WITH [CLS]/[SEP])
// Writes {"compared": n, "mismatches": [{text, expected, got, expectedNoSpecial?, gotNoSpecial?}]}.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir, casesPath, outPath] = process.argv.slice(2);
const tj = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
const tc = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
const tok = new Tokenizer(tj, tc);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const mismatches = [];
let compared = 0;
for (const c of cases) {
  compared++;
  const withSp = tok.encode(c.text).ids;
  const noSp = tok.encode(c.text, { add_special_tokens: false }).ids;
  const expNoSp = c.ids.slice(1, -1);
  const okWith = withSp.length === c.ids.length && withSp.every((x, i) => x === c.ids[i]);
  const okNo = noSp.length === expNoSp.length && noSp.every((x, i) => x === expNoSp[i]);
  if (!okWith || !okNo) {
    mismatches.push({
      text: c.text,
      expected: c.ids,
      got: withSp,
      gotNoSpecial: noSp,
      expectedTokens: c.ids.map((i) => tok.id_to_token(i)),
      gotTokens: withSp.map((i) => tok.id_to_token(i)),
    });
  }
}
writeFileSync(outPath, JSON.stringify({ compared, mismatches }, null, 1));
console.log(`${dir}: compared ${compared}, mismatches ${mismatches.length}`);
