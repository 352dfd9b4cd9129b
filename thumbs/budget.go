package thumbs

import (
	"context"
	"fmt"
	"sync"
)

// budget is the byte budget a Renderer's renders share: before decoding,
// a render takes the bytes it will hold (worked out from the header) and
// waits while the others hold too much; a picture that needs more than the
// whole budget is not decoded at all.
type budget struct {
	size int64
	mu   sync.Mutex
	held int64
	peak int64         // the most held at once, for the benchmarks
	free chan struct{} // closed (and replaced) whenever bytes are given back
}

func newBudget(size int64) *budget {
	return &budget{size: size, free: make(chan struct{})}
}

// lease is what one render holds of a budget.
type lease struct {
	b   *budget
	ctx context.Context
	n   int64
	// full asks the decoders for the picture at its own size, not at about
	// the size the preview needs.
	full bool
}

func (b *budget) lease(ctx context.Context) *lease { return &lease{b: b, ctx: ctx} }

// take adds n bytes to the lease, waiting for them; what names the
// picture in the warning when n alone is over the budget.
func (l *lease) take(n int64, what string) error {
	if n+l.n > l.b.size {
		return placeholderf("thumbs: decoding %s needs %s, over the %s memory budget", what, mib(n+l.n), mib(l.b.size))
	}
	for {
		l.b.mu.Lock()
		if l.b.held+n <= l.b.size {
			l.b.held += n
			l.b.peak = max(l.b.peak, l.b.held)
			l.n += n
			l.b.mu.Unlock()
			return nil
		}
		free := l.b.free
		l.b.mu.Unlock()
		select {
		case <-free:
		case <-l.ctx.Done():
			return l.ctx.Err()
		}
	}
}

// release gives back everything the lease holds.
func (l *lease) release() {
	if l.n == 0 {
		return
	}
	l.b.mu.Lock()
	l.b.held -= l.n
	l.n = 0
	close(l.b.free)
	l.b.free = make(chan struct{})
	l.b.mu.Unlock()
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", (n+1<<20-1)>>20) }
