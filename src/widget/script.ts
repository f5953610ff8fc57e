/**
 * splade-search.js, the file a site loads with one script tag:
 *   <script type="module" src="/_splade/splade-search.js"></script>
 *   <splade-search></splade-search>
 * It defines the element and nothing else: the index, and for the `idb` and `page` sources the
 * encoder, load when a widget first opens.
 */
import { define } from './define.ts';

define();

export { define };
export { SpladeSearchElement } from './element.ts';
export type {
  SearchSource,
  SourceAnswer,
  SpladeSearchEventMap,
  UnmatchedWord,
  WidgetHit,
  WidgetStrings,
} from './types.ts';
