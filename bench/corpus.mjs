// Benchmark documents from a real corpus: the Git manual pages of Debian's git-doc package
// (apt-get install git-doc). Falls back to the bundled demo documents when it is missing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const GIT_DOC_DIRS = ['/usr/share/doc/git/html', '/usr/share/doc/git-doc'];

export function htmlToText(html) {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `count` passages of about `chars` characters each, in a fixed order. */
export function benchDocuments(count, chars = 600) {
  const dir = GIT_DOC_DIRS.find((d) => existsSync(d));
  const texts = [];
  let source;
  if (dir) {
    source = `git-doc (${dir})`;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.html'))
      .sort()) {
      const text = htmlToText(readFileSync(`${dir}/${name}`, 'utf8'));
      for (let at = 0; at + chars <= text.length && texts.length < count; at += chars)
        texts.push(text.slice(at, at + chars));
      if (texts.length >= count) break;
    }
  } else {
    source = 'public/demo-docs/en.json (git-doc is not installed)';
    const docs = JSON.parse(readFileSync('public/demo-docs/en.json', 'utf8'));
    for (let k = 0; texts.length < count; k++) texts.push(docs[k % docs.length].text.slice(0, chars));
  }
  return { source, texts };
}

const GIMP_HELP_KO_DIR = '/usr/share/gimp/2.0/help/ko';

/**
 * `count` Korean passages of about `chars` characters each, in a fixed order: the GIMP manual of
 * Debian's gimp-help-ko package (apt-get install gimp-help-ko), for Korean models. Parts of that
 * manual are untranslated English: passages where Hangul is under a third of the letters are skipped.
 */
export function koreanBenchDocuments(count, chars = 600) {
  if (!existsSync(GIMP_HELP_KO_DIR))
    throw new Error(`${GIMP_HELP_KO_DIR} is missing: install Debian's gimp-help-ko (apt-get install gimp-help-ko)`);
  const texts = [];
  for (const name of readdirSync(GIMP_HELP_KO_DIR)
    .filter((n) => n.endsWith('.html'))
    .sort()) {
    const text = htmlToText(readFileSync(`${GIMP_HELP_KO_DIR}/${name}`, 'utf8'));
    for (let at = 0; at + chars <= text.length && texts.length < count; at += chars) {
      const passage = text.slice(at, at + chars);
      const letters = passage.match(/\p{L}/gu)?.length ?? 0;
      const hangul = passage.match(/\p{Script=Hangul}/gu)?.length ?? 0;
      if (hangul * 3 >= letters) texts.push(passage);
    }
    if (texts.length >= count) break;
  }
  return { source: `gimp-help-ko (${GIMP_HELP_KO_DIR})`, texts };
}
