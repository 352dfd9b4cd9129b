package indexer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	bleveunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"
)

// Names of the analysis components this package registers with Bleve. The
// mapping stored inside an index refers to them by name, so every binary
// that opens the index must register them identically: they live here and
// only here.
const (
	// AnalyzerExact: Unicode word tokens, NFC, lower-cased.
	AnalyzerExact = "vi_exact"
	// AnalyzerFolded: Unicode word tokens, diacritics removed, đ → d,
	// lower-cased.
	AnalyzerFolded = "vi_folded"
	// AnalyzerKeywordExact: the whole value as one token, NFC, lower-cased.
	AnalyzerKeywordExact = "vi_keyword"
	// AnalyzerKeywordFolded: the whole value as one token, folded.
	AnalyzerKeywordFolded = "vi_keyword_folded"

	filterExact  = "vi_exact_filter"
	filterFolded = "vi_fold_filter"
)

// init registers the analysis components with Bleve's registry.
//
// An init is unavoidable here: Bleve's registry is a package-level map with
// no lock, filled by Bleve's own packages from their init functions and read
// on every index open and mapping validation. Registering later, from a
// function, would race with concurrent opens (tests, the server) unless we
// added a package-level sync.Once — mutable state of our own. Registering at
// init, before any goroutine exists, is race-free and guarantees that the
// mapping stored in an index can always be resolved. It has no effect
// outside the registry and cannot fail except on a name clash, which is a
// programming error.
func init() {
	must := func(err error) {
		if err != nil {
			panic(fmt.Sprintf("indexer: register analysis: %v", err))
		}
	}
	must(registry.RegisterTokenFilter(filterExact, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return termFilter(ExactForm), nil
	}))
	must(registry.RegisterTokenFilter(filterFolded, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return termFilter(Fold), nil
	}))
	analyzer := func(tokenizer, filter string) registry.AnalyzerConstructor {
		return func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
			tok, err := cache.TokenizerNamed(tokenizer)
			if err != nil {
				return nil, err
			}
			tf, err := cache.TokenFilterNamed(filter)
			if err != nil {
				return nil, err
			}
			return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: []analysis.TokenFilter{tf}}, nil
		}
	}
	must(registry.RegisterAnalyzer(AnalyzerExact, analyzer(bleveunicode.Name, filterExact)))
	must(registry.RegisterAnalyzer(AnalyzerFolded, analyzer(bleveunicode.Name, filterFolded)))
	must(registry.RegisterAnalyzer(AnalyzerKeywordExact, analyzer(single.Name, filterExact)))
	must(registry.RegisterAnalyzer(AnalyzerKeywordFolded, analyzer(single.Name, filterFolded)))
}

// termFilter applies a string function to every token's term.
type termFilter func(string) string

func (f termFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = []byte(f(string(t.Term)))
	}
	return in
}

// ExactForm is the exact form of text: NFC, lower-cased.
func ExactForm(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return strings.ToLower(norm.NFC.String(s))
}

// Fold is the folded form of text: decomposed (NFD), combining marks
// removed, đ/Đ → d, recomposed (NFC, which keeps Hangul intact) and
// lower-cased. "Hải Dương", "HAI DUONG" and NFD input all fold to
// "hai duong".
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
