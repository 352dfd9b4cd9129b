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

// Update redraws the bar for p.
func (b *progressBar) Update(p archive.Progress) {
	now := b.now()
	done := p.FilesDone == p.FilesTotal
	if !done && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	fmt.Fprintf(b.w, "\r\033[K%s", b.line(p, now))
	b.drawn = true
}

// Finish ends the bar's line.
func (b *progressBar) Finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

func (b *progressBar) line(p archive.Progress, now time.Time) string {
	const width = 24
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
	elapsed := now.Sub(p.Started).Seconds()
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
