/**
 * The explainer points at the right words: real passages (Debian's git-doc and the Korean GIMP
 * manual, test/fixtures/passages/) indexed with the bundled models in a real browser; every
 * highlight of every explained hit is checked against the tokenizer's own tokens of the document,
 * and every contribution's source span against the span the pooling reported for that entry.
 */
import { expect, test } from '@playwright/test';
import { openHarness } from './support/page.ts';

const CASES = [
  {
    model: '/models/splade-tiny-en-if',
    passages: '/test/fixtures/passages/git-doc.json',
    queries: [
      'rebase a branch onto another',
      'undo the last commit',
      'configure the remote repository url',
      'show differences between commits',
      'merge conflicts',
    ],
  },
  {
    model: '/models/splade-tiny-ko',
    passages: '/test/fixtures/passages/gimp-help-ko.json',
    queries: ['레이어 복사하기', '이미지 크기 조절', '브러시로 그리기', '색상 선택', '파일 저장'],
  },
];

for (const c of CASES) {
  test(`every highlight is a token of the document and every source span is the pooling's (${c.model})`, async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await openHarness(page);
    const r = await page.evaluate(
      async ({ model, passagesUrl, queries }) => {
        const { SparseEncoder, SparseIndex } = window.splade;
        const passages: string[] = (await (await fetch(passagesUrl)).json()).passages.slice(0, 40);
        const encoder = await SparseEncoder.fromPretrained(model, { device: 'wasm', cache: false });
        const name = `explain-${model.split('/').pop()}`;
        await SparseIndex.delete(name);
        const index = await SparseIndex.open(name, { encoder });
        await index.add(passages.map((text, k) => ({ id: `p${k}`, text })));
        const failures: string[] = [];
        let highlights = 0;
        let sources = 0;
        let expansions = 0;
        let hits = 0;
        const pooledById = new Map<string, any>();
        for (const q of queries) {
          for (const hit of await index.search(q, { limit: 5, explain: true })) {
            hits++;
            const text: string = hit.text;
            const tokens = await encoder.tokens(text);
            const tokenSpans = new Set<string>();
            for (let k = 0; k < tokens.ids.length; k++)
              tokenSpans.add(`${tokens.offsets[2 * k]}:${tokens.offsets[2 * k + 1]}`);
            // The reference: the same document encoded again, asking the pooling for its spans.
            if (!pooledById.has(hit.id)) pooledById.set(hit.id, await encoder.encodeDocument(text, { spans: true }));
            const pooled = pooledById.get(hit.id);
            const sum = hit.contributions.reduce((s: number, x: any) => s + x.product, 0);
            if (Math.abs(sum - hit.score) > 1e-6 * hit.score)
              failures.push(`${hit.id}: contributions sum to ${sum}, score ${hit.score}`);
            for (const h of hit.snippet.highlights) {
              highlights++;
              const start = hit.snippet.offset + h.start;
              const end = hit.snippet.offset + h.end;
              if (hit.snippet.text.slice(h.start, h.end) !== text.slice(start, end))
                failures.push(`${hit.id}: snippet text and document disagree at ${start}`);
              if (!tokenSpans.has(`${start}:${end}`))
                failures.push(
                  `${hit.id}: highlight "${text.slice(start, end)}" at ${start}:${end} (${h.token}) is no token of the document`,
                );
            }
            for (const x of hit.contributions) {
              const k = Array.from(pooled.indices as Uint32Array).indexOf(x.id);
              if (k < 0) {
                failures.push(`${hit.id}: ${x.token} is not in the document's vector`);
                continue;
              }
              const literal = tokens.ids.includes(x.id);
              if (x.expansion !== !literal)
                failures.push(`${hit.id}: ${x.token} expansion=${x.expansion}, but literal=${literal}`);
              if (!literal) expansions++;
              const want =
                pooled.spans[2 * k] === 0xffffffff
                  ? []
                  : [{ start: pooled.spans[2 * k], end: pooled.spans[2 * k + 1] }];
              if (JSON.stringify(x.sources) !== JSON.stringify(want))
                failures.push(
                  `${hit.id}: ${x.token} sources ${JSON.stringify(x.sources)}, pooling says ${JSON.stringify(want)}`,
                );
              for (const s of x.sources) {
                sources++;
                if (!tokenSpans.has(`${s.start}:${s.end}`))
                  failures.push(`${hit.id}: source of ${x.token} at ${s.start}:${s.end} is no token of the document`);
              }
            }
          }
        }
        await index.dispose();
        await SparseIndex.delete(name);
        await encoder.dispose();
        return {
          failures: failures.slice(0, 20),
          failureCount: failures.length,
          highlights,
          sources,
          expansions,
          hits,
        };
      },
      { model: c.model, passagesUrl: c.passages, queries: c.queries },
    );
    expect(r.failures).toEqual([]);
    expect(r.failureCount).toBe(0);
    // The checks ran on real material: hits, highlights and source spans, expansions among them.
    expect(r.hits).toBeGreaterThanOrEqual(15);
    expect(r.highlights).toBeGreaterThanOrEqual(r.hits);
    expect(r.sources).toBeGreaterThanOrEqual(r.hits);
    expect(r.expansions).toBeGreaterThan(0);
  });
}
