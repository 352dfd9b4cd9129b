package indexer

import (
	"bytes"
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

	// analyzerTrie indexes dates and numbers (trie.go).
	analyzerTrie  = "promo_trie"
	tokenizerTrie = "promo_trie_tokenizer"

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
	must(registry.RegisterTokenizer(tokenizerTrie, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return trieTokenizer{}, nil
	}))
	must(registry.RegisterAnalyzer(analyzerTrie, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(tokenizerTrie)
		if err != nil {
			return nil, err
		}
		return &analysis.DefaultAnalyzer{Tokenizer: tok}, nil
	}))
}

// termFilter applies a string function to every token's term.
type termFilter func(string) string

func (f termFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		switch asciiKind(t.Term) {
		case asciiLower:
		case asciiUpper:
			t.Term = bytes.ToLower(t.Term)
		default:
			t.Term = []byte(f(string(t.Term)))
		}
	}
	return in
}

// Kinds of term for termFilter: ASCII terms are their own folded form once
// lower-cased, and most are lower-case already.
const (
	notASCII = iota
	asciiLower
	asciiUpper
)

// asciiKind tells whether b is ASCII and whether it has capitals.
func asciiKind(b []byte) int {
	kind := asciiLower
	for _, c := range b {
		switch {
		case c >= utf8.RuneSelf:
			return notASCII
		case 'A' <= c && c <= 'Z':
			kind = asciiUpper
		}
	}
	return kind
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
	if f, ok := foldQuick(s); ok {
		return f
	}
	return foldFull(s)
}

// foldQuick folds text in one pass, rune by rune, when the result cannot
// be changed by the recomposition of foldFull: every rune it yields is
// Latin below the combining marks (U+0300), kana, a CJK ideograph or a
// precomposed Hangul syllable, none of which composes with a neighbour.
// ok is false otherwise. Vietnamese, English, Chinese, Japanese and
// Korean text folds here.
func foldQuick(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		case 0xAC00 <= r && r <= 0xD7A3: // Hangul syllables: NFD then NFC gives them back
			b.WriteRune(r)
		default:
			dec := norm.NFD.PropertiesString(s[i:]).Decomposition()
			if dec == nil {
				dec = []byte(s[i : i+size])
			}
			for _, d := range string(dec) {
				if unicode.Is(unicode.Mn, d) {
					continue
				}
				d = unicode.ToLower(d)
				if !inert(d) {
					return "", false
				}
				b.WriteRune(d)
			}
		}
		i += size
	}
	return b.String(), true
}

// inert reports whether r is a rune foldQuick may yield: one that NFC
// neither changes nor composes with a neighbour.
func inert(r rune) bool {
	switch {
	case r < 0x0300:
		return r != utf8.RuneError
	case 0x3041 <= r && r <= 0x3096, 0x30A1 <= r && r <= 0x30FA: // kana
		return true
	case 0x3400 <= r && r <= 0x4DBF, 0x4E00 <= r && r <= 0x9FFF: // CJK ideographs
		return true
	case 0xAC00 <= r && r <= 0xD7A3: // Hangul syllables
		return true
	}
	return false
}

// foldFull is Fold by its definition, for any text.
func foldFull(s string) string {
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
