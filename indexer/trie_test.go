package indexer

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/blevesearch/bleve/v2/numeric"
)

// inTrieRanges tells whether v, indexed as trieTokenizer indexes it, has a
// term in one of rs.
func inTrieRanges(t testing.TB, v int64, rs []trieRange) bool {
	toks := trieTokenizer{}.Tokenize([]byte(strconv.FormatInt(v, 10)))
	if len(toks) != len(trieShifts()) {
		t.Fatalf("%d: %d terms, want %d", v, len(toks), len(trieShifts()))
	}
	hit := false
	for _, r := range rs {
		for i, s := range trieShifts() {
			if s == r.shift && bytes.Compare(toks[i].Term, r.lo) >= 0 && bytes.Compare(toks[i].Term, r.hi) <= 0 {
				hit = true
			}
		}
	}
	return hit
}

// checkTrieRanges checks that exactly the values from lo to hi are in
// their ranges, at most two ranges per precision but the coarsest.
func checkTrieRanges(t testing.TB, lo, hi int64, vals ...int64) {
	rs := trieRanges(lo, hi)
	if len(rs) > 2*len(trieShifts())-1 {
		t.Errorf("[%d, %d]: %d ranges", lo, hi, len(rs))
	}
	for _, v := range vals {
		if got, want := inTrieRanges(t, v, rs), lo <= v && v <= hi; got != want {
			t.Errorf("[%d, %d] holds %d: %v, want %v (ranges %v)", lo, hi, v, got, want, rs)
		}
	}
}

func TestTrieRanges(t *testing.T) {
	const (
		min, max = math.MinInt64, math.MaxInt64
		t40, t52 = int64(1) << 40, int64(1) << 52
	)
	edges := []int64{min, min + 1, -t52 - 1, -t52, -t40, -1, 0, 1, t40 - 1, t40, t40 + 1, t52 - 1, t52, 3*t52 + 7, max - 1, max}
	for _, lo := range edges {
		for _, hi := range edges {
			vals := append([]int64{lo - 1, lo + 1, hi - 1, hi + 1, (lo / 2) + (hi / 2)}, edges...)
			checkTrieRanges(t, lo, hi, vals...)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	day := int64(24 * 3600 * 1e9)
	for range 2000 {
		// Instants of this century, a range of up to a few years.
		lo := int64(946684800e9) + r.Int64N(30*365*day)
		hi := lo + r.Int64N(int64(r.IntN(4)+1)*365*day)
		vals := []int64{lo, hi, lo - 1, hi + 1}
		for range 20 {
			vals = append(vals, lo-day+r.Int64N(hi-lo+2*day))
		}
		checkTrieRanges(t, lo, hi, vals...)
	}
	if rs := trieRanges(5, 4); len(rs) != 0 {
		t.Errorf("an empty range has terms: %v", rs)
	}
}

func TestTrieTokenizer(t *testing.T) {
	for _, in := range []string{"", "x", "1.5", "99999999999999999999", " 1"} {
		if toks := (trieTokenizer{}).Tokenize([]byte(in)); len(toks) != 0 {
			t.Errorf("%q: %d terms, want none", in, len(toks))
		}
	}
	toks := trieTokenizer{}.Tokenize([]byte(trieNumber(4000)))
	if v, err := numeric.PrefixCoded(toks[0].Term).Int64(); err != nil || numeric.Int64ToFloat64(v) != 4000 {
		t.Errorf("4000: exact term decodes to %d, %v", v, err)
	}
}

// FuzzTrieRanges checks trieRanges on any range and value, and that the
// tokenizer takes any bytes.
func FuzzTrieRanges(f *testing.F) {
	f.Add(int64(0), int64(1)<<40, int64(5), []byte("12"))
	f.Add(int64(math.MinInt64), int64(-1), int64(math.MaxInt64), []byte("-9223372036854775808"))
	f.Fuzz(func(t *testing.T, lo, hi, v int64, in []byte) {
		trieTokenizer{}.Tokenize(in)
		checkTrieRanges(t, lo, hi, v, lo, hi)
	})
}
