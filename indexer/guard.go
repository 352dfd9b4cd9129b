package indexer

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"unicode/utf8"

	index "github.com/blevesearch/bleve_index_api"
)

// What keeps one query, or one client, from hurting the server: every
// search runs under a deadline (Options.SearchTimeout) that Bleve's
// collector checks as it goes, a cap on the term searchers one query may
// build (maxTermSearchers) and on the memory Bleve estimates it needs
// (Options.SearchMemory); wildcards and regexps are counted against the
// index before they run (checkPatterns); and a gate bounds the searches
// running at once, in all and per client.

// maxTermSearchers bounds the leaf term searchers of one search: a page of
// words with their place names, or maxPatterns patterns of maxExpansion
// terms in two fields each, stay well under it.
const maxTermSearchers = 16384

// gate bounds concurrent searches: all of them, and per client. A search
// over either bound waits for a slot until its context ends.
type gate struct {
	all       chan struct{}
	perClient int

	mu      sync.Mutex
	clients map[string]*clientSlots
}

type clientSlots struct {
	slots chan struct{}
	users int // searches running or waiting; the entry goes at 0
}

func newGate(all, perClient int) *gate {
	return &gate{all: make(chan struct{}, all), perClient: perClient, clients: map[string]*clientSlots{}}
}

// enter waits for a slot of client's and one of all; release gives them
// back.
func (g *gate) enter(ctx context.Context, client string) (release func(), err error) {
	g.mu.Lock()
	c := g.clients[client]
	if c == nil {
		c = &clientSlots{slots: make(chan struct{}, g.perClient)}
		g.clients[client] = c
	}
	c.users++
	g.mu.Unlock()
	leave := func() {
		g.mu.Lock()
		if c.users--; c.users == 0 {
			delete(g.clients, client)
		}
		g.mu.Unlock()
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, fmt.Errorf("indexer: waiting for a search slot: %w", ctx.Err())
	}
	select {
	case g.all <- struct{}{}:
	case <-ctx.Done():
		<-c.slots
		leave()
		return nil, fmt.Errorf("indexer: waiting for a search slot: %w", ctx.Err())
	}
	return func() {
		<-g.all
		<-c.slots
		leave()
	}, nil
}

// checkPatterns counts the index terms each wildcard or regexp stands for
// and refuses a query where one stands for more than maxExpansion.
func checkPatterns(r index.IndexReader, pats []pattern) error {
	rr, ok := r.(index.IndexReaderRegexp)
	if !ok {
		return nil
	}
	for _, p := range pats {
		n := 0
		for _, f := range p.fields {
			d, err := rr.FieldDictRegexp(f, p.re)
			if err != nil {
				return &QueryError{Param: "text", Err: err, Msg: fmt.Sprintf("%q is not a pattern this index can search: %v", p.text, err)}
			}
			for n <= maxExpansion {
				e, err := d.Next()
				if err != nil || e == nil {
					break
				}
				n++
			}
			d.Close()
		}
		if n > maxExpansion {
			return badQuery("text", "%q matches more than %d words; make it longer or more specific", p.text, maxExpansion)
		}
	}
	return nil
}

// minFuzzyRunes is the length, in letters of the folded form, from which a
// word that finds nothing is retried with one edit.
const minFuzzyRunes = 5

// maxFuzzyCandidates bounds the index terms looked at per word and field
// when correcting it.
const maxFuzzyCandidates = 64

// correct replaces each word of five letters or more that the folded text
// fields do not hold by the folded term one edit away that most records
// hold. It returns the corrected words and whether any changed.
func correct(ctx context.Context, r index.IndexReader, words []string) ([]string, bool, error) {
	fr, ok := r.(index.IndexReaderFuzzy)
	if !ok {
		return words, false, nil
	}
	fields := []string{fieldTitleF, fieldTextF}
	out := slices.Clone(words)
	changed := false
	for i, w := range words {
		f := Fold(w)
		if utf8.RuneCountInString(f) < minFuzzyRunes {
			continue
		}
		var near []string
		known := false
		for _, field := range fields {
			d, err := fr.FieldDictFuzzy(field, f, 1, "")
			if err != nil {
				return nil, false, fmt.Errorf("indexer: correct %q: %w", w, err)
			}
			for range maxFuzzyCandidates {
				e, err := d.Next()
				if err != nil || e == nil {
					break
				}
				known = known || e.Term == f
				if !slices.Contains(near, e.Term) {
					near = append(near, e.Term)
				}
			}
			d.Close()
		}
		if known || len(near) == 0 {
			continue
		}
		best, bestN := "", uint64(0)
		slices.Sort(near)
		for _, t := range near {
			n := uint64(0)
			for _, field := range fields {
				tr, err := r.TermFieldReader(ctx, []byte(t), field, false, false, false)
				if err != nil {
					return nil, false, fmt.Errorf("indexer: correct %q: %w", w, err)
				}
				n += tr.Count()
				tr.Close()
			}
			if n > bestN {
				best, bestN = t, n
			}
		}
		if best != "" {
			out[i], changed = best, true
		}
	}
	return out, changed, nil
}
