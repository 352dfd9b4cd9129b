// Package indexer owns the archive's search index: a Bleve (scorch) index at
// ROOT/index.bleve that is derived data, rebuildable from the bbolt store at
// any time.
//
// It owns:
//   - Vietnamese-aware analysis (analysis.go): text is indexed twice, in an
//     exact form (NFC, lower-cased, Unicode word tokens) and a folded form
//     (diacritics removed, đ → d), and both are queried with the exact form
//     boosted. For speed, free text searches four fields per word (title
//     and one combined text field, each in both forms); the names of the
//     record's place and of the units above and after it are not indexed
//     but matched against the taxonomy at query time (place_codes);
//   - the mapping and the document built from an archive.Record, including
//     the place's historical and current units from the taxonomy
//     (mapping.go);
//   - consistency with the store (index.go): the last applied change
//     sequence and the mapping version live in the index's internal storage,
//     written in the same batch as the documents. Open catches up from the
//     store's change sequence and rebuilds an index whose version differs;
//     writers after a commit make the index catch up from the store's
//     change log in order, never from the records they hold (they may be
//     stale); Rebuild builds a fresh index beside the live one and swaps
//     it in only when complete (build.go: every core analyzes records and
//     writes segments of its own, merged by runs as they are written, then
//     into the index's one segment);
//   - queries and facets (query.go, search.go): one structured Query type
//     shared by the CLI and the HTTP API; its text is search-box words
//     unless it asks for query-string syntax. Facets are counted from
//     per-segment columns of one field holding every facet value as
//     name:value (facets.go). When words find nothing, near spellings are
//     tried once;
//   - ranking search-box words at scale (ranked.go, segstats.go): the
//     matches, totals and facets as bitmaps, every match's score bounded
//     from per-segment scoring columns (norms, frequencies above one, the
//     folded title's tokens), and Bleve's exact arithmetic, bit for bit,
//     for the matches whose bound can reach the page; query syntax, date
//     sorts and filters a bitmap cannot stand for run as Bleve runs them;
//   - the bounds of a search (guard.go): a deadline, a term and memory
//     budget, caps on wildcards and regexps, and a gate on concurrent
//     searches, in all and per client.
//
// Caveats:
//   - A segment's scoring and facet columns are built on first use (Open
//     builds those of the index it opens, side by side): about 6 s on two
//     cores per million records; a search after Bleve merges segments into
//     a new large one pays for that segment once.
//   - Bleve holds an exclusive lock on the index: one process owns it. Open
//     fails fast with ErrLocked instead of blocking.
//   - Bleve's analysis registry is global by design; this package registers
//     its analyzers in init (see analysis.go). Any binary that opens the
//     index must import this package.
//   - Hits are read back from the Source (the store), not from stored
//     fields: the index stores no record data.
//
// indexer imports archive for types only; it never imports thumbs, api or cmd.
package indexer
