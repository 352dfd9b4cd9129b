package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// progressBar draws one self-rewriting line on a terminal: files, bytes,
// rate and ETA. It redraws at most every 100 ms.
type progressBar struct {
	w     io.Writer
	label string
	last  time.Time
	drawn bool
	now   func() time.Time
}

func newProgressBar(w io.Writer, label string) *progressBar {
	return &progressBar{w: w, label: label, now: time.Now}
}

// bar returns a progress bar on stderr when show is true and stderr is a
// terminal, else nil. A nil bar's methods do nothing, so callers need no
// checks.
func (g *globalOptions) bar(show bool, label string) *progressBar {
	if !show || !g.interactive {
		return nil
	}
	return newProgressBar(g.stderr, label)
}

// Counts adapts the bar to progress reported as counts (done of total).
func (b *progressBar) Counts() func(done, total int) {
	if b == nil {
		return nil
	}
	started := b.now()
	return func(done, total int) {
		b.Update(archive.Progress{FilesDone: done, FilesTotal: total, Started: started})
	}
}

// Clear erases the bar's line so a message can be printed above it.
func (b *progressBar) Clear() {
	if b != nil && b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// Update redraws the bar for p.
func (b *progressBar) Update(p archive.Progress) {
	if b == nil {
		return
	}
	now := b.now()
	done := p.FilesDone == p.FilesTotal
	if !done && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	fmt.Fprintf(b.w, "\r\033[K%s", b.line(p, now))
	b.drawn = true
}

// Finish ends the bar's line; a second call does nothing.
func (b *progressBar) Finish() {
	if b != nil && b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

func (b *progressBar) line(p archive.Progress, now time.Time) string {
	const width = 24
	elapsed := now.Sub(p.Started).Seconds()
	if p.FilesTotal == 0 && p.FilesDone > 0 { // the total is still being counted
		rate := 0.0
		if elapsed > 0 {
			rate = float64(p.BytesDone) / elapsed
		}
		return fmt.Sprintf("%s %d files  %s  %s/s  (counting…)", b.label, p.FilesDone, fmtBytes(p.BytesDone), fmtBytes(int64(rate)))
	}
	frac := 0.0
	switch {
	case p.BytesTotal > 0:
		frac = float64(p.BytesDone) / float64(p.BytesTotal)
	case p.FilesTotal > 0:
		frac = float64(p.FilesDone) / float64(p.FilesTotal)
	}
	frac = min(max(frac, 0), 1)
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	rate, eta := 0.0, "--:--"
	if elapsed > 0 {
		rate = float64(p.BytesDone) / elapsed
		if rate > 0 && p.BytesTotal > p.BytesDone {
			eta = fmtDuration(time.Duration(float64(p.BytesTotal-p.BytesDone) / rate * float64(time.Second)))
		} else if p.BytesDone >= p.BytesTotal {
			eta = "0:00"
		}
	}
	return fmt.Sprintf("%s %s %3.0f%% %d/%d files  %s/%s  %s/s  ETA %s",
		b.label, bar, frac*100, p.FilesDone, p.FilesTotal,
		fmtBytes(p.BytesDone), fmtBytes(p.BytesTotal), fmtBytes(int64(rate)), eta)
}

func fmtDuration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
