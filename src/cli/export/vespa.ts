/**
 * Vespa: a tensor<float>(t{}) field, one put per line (the tensor in its single-mapped-dimension
 * form, under "cells"), a schema ranking by sum(query(q) * attribute), and the example query with
 * its tensor as a literal.
 */
import { SpladeError } from '../../errors.ts';
import { sectionOf, type ExportTarget } from './target.ts';

export const vespa: ExportTarget = {
  field: 'emb',
  lines: (d, n, field, byToken) => {
    // `section_id`, not `id`: Vespa reserves `id` (it clashes with the document id in generated
    // classes, vespa-engine/vespa#33316).
    const { url, title, path, text } = sectionOf(d);
    return [
      JSON.stringify({
        put: `id:splade:section::${n}`,
        fields: {
          section_id: d.id,
          url,
          title,
          path: path.join(' > '),
          text,
          [field]: { cells: byToken(d.vector.indices, d.vector.values) },
        },
      }),
    ];
  },
  extras: (field, _query, tokens, notes) => {
    // A query tensor goes in as a tensor literal string: in a JSON query body an object value would
    // be read as nested parameters (input.query(q).<token>), not as the tensor.
    // A label holding both quote characters has no literal form here; such cells are left out of
    // the example query (and named), the documents keep them (their cells are JSON keys).
    const unquotable = Object.keys(tokens).filter((t) => !vespaQuotable(t));
    for (const t of unquotable) delete tokens[t];
    if (unquotable.length)
      notes.push(
        `the example query leaves out ${unquotable.map((t) => JSON.stringify(t)).join(', ')}: a Vespa tensor literal label cannot hold both ' and "`,
      );
    return [
      ['sd', schema(field)],
      [
        'query.json',
        {
          yql: 'select * from section where true',
          ranking: 'splade',
          'input.query(q)': vespaTensor(tokens),
          hits: 10,
        },
      ],
    ];
  },
};

function schema(field: string): string {
  return `schema section {
  document section {
    field section_id type string { indexing: summary | attribute }
    field url type string { indexing: summary | attribute }
    field title type string { indexing: summary | index }
    field path type string { indexing: summary | index }
    field text type string { indexing: summary | index }
    field ${field} type tensor<float>(t{}) { indexing: attribute }
  }
  rank-profile splade {
    inputs { query(q) tensor<float>(t{}) }
    first-phase { expression: sum(query(q) * attribute(${field})) }
  }
}
`;
}

/** Whether a label can be quoted in a Vespa tensor literal: it lacks one of the two quote characters. */
export function vespaQuotable(label: string): boolean {
  return !(label.includes("'") && label.includes('"'));
}

/**
 * A mapped tensor in Vespa's literal form, `{{t:'hello'}:3.32,...}`. Labels are quoted because
 * vocabulary strings hold punctuation (`.`, `:`, `,`, `}`); the quote character a label lacks
 * quotes it. A WordPiece token never holds both; Unigram and BPE vocabularies can (`'")`), and
 * such a label is refused (vespaQuotable), not written ambiguously.
 */
export function vespaTensor(cells: Record<string, number>): string {
  const label = (t: string) => {
    if (!vespaQuotable(t))
      throw new SpladeError(
        'invalid-input',
        `the tensor label ${JSON.stringify(t)} holds both ' and ", which a Vespa tensor literal cannot quote; accepted: labels without one of them`,
      );
    return t.includes("'") ? `"${t}"` : `'${t}'`;
  };
  return `{${Object.entries(cells)
    .map(([t, w]) => `{t:${label(t)}}:${w}`)
    .join(',')}}`;
}
