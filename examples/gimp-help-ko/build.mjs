#!/usr/bin/env node
// Builds the Korean example into examples/gimp-help-ko/dist/, a static folder any host can serve:
//   dist/            the search page (index.html, search.js, search.css) and its service worker
//   dist/docs/       Debian's gimp-help-ko pages (the GIMP manual in Korean) with their CSS and images
//   dist/search/     `splade-web build dist/docs --out dist/search --base-url /docs/
//                     --model public/models/splade-tiny-ko`: a symmetric model, so the folder also
//                     holds the model, the encoder module and onnxruntime-web's runtime
// Debian's gimp-help-ko package is installed first when /usr/share/gimp/2.0/help/ko is missing
// (apt-get, as root or through sudo). Section vectors are cached in <repo>/.cache/gimp-help-ko-vectors,
// so a rebuild encodes nothing that has not changed. SPLADE_CACHE overrides the cache folder,
// SPLADE_MODEL the model. The steps are examples/shared/build.mjs.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExample } from '../shared/build.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');

buildExample({
  here: HERE,
  name: 'gimp-help-ko',
  docDir: '/usr/share/gimp/2.0/help/ko',
  aptPackage: 'gimp-help-ko',
  // The pages, their stylesheets and the screenshots they show; the XML help maps stay out.
  copy: /\.(html|css|png|jpg|svg)$/,
  cache: process.env.SPLADE_CACHE ?? join(REPO, '.cache', 'gimp-help-ko-vectors'),
  model: process.env.SPLADE_MODEL ?? join(REPO, 'public/models/splade-tiny-ko'),
  // Queries are encoded by the model in the browser: onnxruntime-web compiles WebAssembly.
  wasm: true,
  page: {
    lang: 'ko',
    title: 'GIMP 도움말 검색',
    about:
      'Debian의 <code>gimp-help-ko</code> (GIMP 사용자 설명서 한국어판), <code>splade-web build</code>로 색인했습니다. 질의는 이 브라우저 안에서 모델로 인코딩됩니다. 한 번 방문한 뒤에는 오프라인에서도 동작합니다.',
    label: '검색',
    placeholder: '예: 레이어 마스크 만들기',
    loading: '검색 색인과 모델을 불러오는 중…',
    results: '결과 {n}개 ({ms} ms)',
    none: '결과 없음',
    failed: '검색 실패: {error}',
  },
  // The pages' <splade-search> box, in Korean (every string the widget shows or announces).
  widget: {
    button: '검색',
    label: 'GIMP 도움말 검색',
    placeholder: '검색어 입력…',
    results: '검색 결과',
    close: '닫기',
    loading: '검색 색인과 모델을 불러오는 중…',
    searching: '검색 중…',
    empty: '“{query}”에 대한 결과가 없습니다',
    one: '결과 1개',
    count: '결과 {count}개',
    offline:
      '아직 오프라인 검색을 할 수 없습니다: 이 사이트의 색인을 내려받지 않았습니다. 온라인에서 한 번 검색하면 그 뒤로는 오프라인에서도 됩니다.',
    unreachable: '검색 색인을 불러올 수 없습니다: {message}',
    error: '검색 실패: {message}',
    recent: '최근 검색',
    clearRecent: '최근 검색 지우기',
    rememberRecent: '검색 기록 남기기',
    why: '일치',
    expansion: '관련어',
    passage: '{count}번째 부분',
    hint: '↑ ↓ 선택, Enter 열기, Esc 닫기',
  },
});
