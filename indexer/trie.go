package indexer

import (
	"math"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Dates and numbers (captured_at, ingested_at, the release window, width,
// height) are indexed as Bleve indexes them, as int64s in prefix-coded
// terms — Unix nanoseconds for dates, numeric.Float64ToInt64 for numbers —
// but at three precisions instead of Bleve's sixteen (a 4-bit step). The
// fine ones are distinct per record: at Bleve's step a capture time made
// ten or so distinct terms per record, more than all its words, and they
// were half the cost of building the index and of its size.
//
// The exact term (shift 0) is the field's doc value, which sorts read as
// they read Bleve's own date fields, and the date columns read from the
// dictionary. A range is a
// disjunction of term ranges, at most two per precision and one at the
// coarsest (trieRangeQuery); Bleve's NumericRangeSearcher would look for the
// precisions in between, which are not there, so every range on these
// fields is rewritten to it (rewriter.rewrite, addFilters).
func trieShifts() [3]uint { return [3]uint{0, 40, 52} }

// trieTokenizer reads a field value written by trieValue (a decimal int64)
// and emits its prefix-coded terms; anything else yields no term.
type trieTokenizer struct{}

func (trieTokenizer) Tokenize(in []byte) analysis.TokenStream {
	v, err := strconv.ParseInt(string(in), 10, 64)
	if err != nil {
		return nil
	}
	shifts := trieShifts()
	out := make(analysis.TokenStream, len(shifts))
	for i, s := range shifts {
		out[i] = &analysis.Token{Term: numeric.MustNewPrefixCodedInt64(v, s), Start: 0, End: len(in), Position: i + 1, Type: analysis.Numeric}
	}
	return out
}

// trieValue is the field value of an int64, as trieTokenizer reads it.
func trieValue(v int64) string { return strconv.FormatInt(v, 10) }

// trieDate and trieNumber are the field values of a date and a number.
func trieDate(t time.Time) string { return trieValue(unixNano(t)) }
func trieNumber(f float64) string { return trieValue(numeric.Float64ToInt64(f)) }

// isTrieField tells the fields indexed by trieTokenizer.
func isTrieField(field string) bool {
	switch field {
	case fieldCapturedAt, fieldIngestedAt, fieldReleaseFrom, fieldReleaseUntil, fieldWidth, fieldHeight:
		return true
	}
	return false
}

// trieRange is the terms of one precision from lo to hi, both included.
type trieRange struct {
	shift  uint
	lo, hi []byte
}

// trieRanges splits the int64s from lo to hi (both included) into ranges
// of terms: the values at each end that do not fill a whole term of the
// next precision are taken at this one. Empty when lo > hi.
func trieRanges(lo, hi int64) []trieRange {
	if lo > hi {
		return nil
	}
	// Sortable unsigned values, as prefix coding orders them.
	a, b := uint64(lo)^1<<63, uint64(hi)^1<<63
	var out []trieRange
	add := func(s uint, from, to uint64) {
		out = append(out, trieRange{
			shift: s,
			lo:    numeric.MustNewPrefixCodedInt64(int64(from^1<<63), s),
			hi:    numeric.MustNewPrefixCodedInt64(int64(to^1<<63), s),
		})
	}
	shifts := trieShifts()
	for i, s := range shifts {
		if i == len(shifts)-1 {
			add(s, a, b)
			break
		}
		mask := uint64(1)<<shifts[i+1] - 1
		// [a, b] at the next precision: from the first whole term at or
		// after a to the last whole term at or before b.
		first := a
		if a&mask != 0 {
			if a|mask == math.MaxUint64 {
				add(s, a, b)
				break
			}
			first = a | mask + 1
		}
		last := b
		if b&mask != mask {
			if b&^mask == 0 {
				add(s, a, b)
				break
			}
			last = b&^mask - 1
		}
		if first > last { // no whole term of the next precision
			add(s, a, b)
			break
		}
		if a < first {
			add(s, a, first-1)
		}
		if last < b {
			add(s, last+1, b)
		}
		a, b = first, last
	}
	return out
}

// trieQuery is the documents whose field holds a value from min to max,
// with Bleve's conventions for ranges: nil is an open end, and an end is
// included by default at min only.
func trieQuery(field string, min, max *int64, minIncl, maxIncl *bool) query.Query {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if min != nil {
		lo = *min
		if minIncl != nil && !*minIncl {
			if lo == math.MaxInt64 {
				return query.NewMatchNoneQuery()
			}
			lo++
		}
	}
	if max != nil {
		hi = *max
		if maxIncl == nil || !*maxIncl {
			if hi == math.MinInt64 {
				return query.NewMatchNoneQuery()
			}
			hi--
		}
	}
	return trieRangeQuery(field, lo, hi)
}

// numberQuery is Bleve's NumericRangeQuery on a field indexed by
// trieTokenizer: its bounds are indexed as numeric.Float64ToInt64 has them.
func numberQuery(q *query.NumericRangeQuery) query.Query {
	bound := func(f *float64) *int64 {
		if f == nil {
			return nil
		}
		v := numeric.Float64ToInt64(*f)
		return &v
	}
	return trieQuery(q.FieldVal, bound(q.Min), bound(q.Max), q.InclusiveMin, q.InclusiveMax)
}

// trieRangeQuery is the documents whose field holds a value from lo to hi,
// both included.
func trieRangeQuery(field string, lo, hi int64) query.Query {
	rs := trieRanges(lo, hi)
	if len(rs) == 0 {
		return query.NewMatchNoneQuery()
	}
	t := true
	qs := make([]query.Query, len(rs))
	for i, r := range rs {
		q := query.NewTermRangeInclusiveQuery(string(r.lo), string(r.hi), &t, &t)
		q.SetField(field)
		qs[i] = q
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// unixNano is t in Unix nanoseconds, the instants before 1678 and after
// 2262 clamped to the int64 range (time.UnixNano leaves them undefined).
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// dateQuery is the documents whose date field is from from to to, as
// Bleve's DateRangeQuery takes them: a zero time is an open end, a nil
// inclusion its default.
func dateQuery(field string, from, to time.Time, fromIncl, toIncl *bool) query.Query {
	bound := func(t time.Time) *int64 {
		if t.IsZero() {
			return nil
		}
		v := unixNano(t)
		return &v
	}
	return trieQuery(field, bound(from), bound(to), fromIncl, toIncl)
}
