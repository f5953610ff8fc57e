// Ids WITH special tokens from @huggingface/tokenizers (the JS library the app uses).
// Usage: node scripts/hub_fixtures/node_tokenize.mjs <tokenizer folder> <texts.json> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir, textsPath, outPath] = process.argv.slice(2);
const tokenizerJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
const tokenizerConfig = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
const texts = JSON.parse(readFileSync(textsPath, 'utf8'));
writeFileSync(outPath, JSON.stringify(texts.map((t) => tokenizer.encode(t).ids)));
